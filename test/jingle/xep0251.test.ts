/**
 * XEP-0251 Jingle Session Transfer in the Jingle model: the spec's examples (test/fixtures/
 * jingle-xep/xep0251-*, version 0.2), bad input with the size limits of the rest of the model
 * (src/jingle/limits.ts), and a parse ⇄ serialise round trip.
 */
import { tables } from '../support/tables';
import * as fc from 'fast-check';
import { InputError } from '../../src/errors';
import { parseJingleXml, serializeJingle, type Jingle, type Transfer } from '../../src/jingle';
import { MAX_SID } from '../../src/jingle/limits';
import { chars } from '../support/arbitraries';
import { asJingleDocument, loadFixtures } from './helpers';

const fixtures = loadFixtures();
const fixture = (name: string) => {
  const f = fixtures.find((x) => x.file === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return parseJingleXml(asJingleDocument(f.text), tables.hashes);
};

const T = "xmlns='urn:xmpp:jingle:transfer:0'";
const info = (inner: string, action = 'session-info') =>
  `<jingle xmlns='urn:xmpp:jingle:1' action='${action}' sid='s1'>${inner}</jingle>`;

function error(text: string): string {
  try {
    parseJingleXml(text, tables.hashes);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('parsed');
}

describe('XEP-0251 examples', () => {
  it('§2 Example 5: unattended transfer, session-info with to', () => {
    const { jingle } = fixture('xep0251-ex05-unattended-transfer.xml');
    expect(jingle.info).toEqual({ kind: 'transfer', to: 'boss@execs.example.com/phone' });
  });

  it('§3 Example 17: attended transfer names the session with the target', () => {
    const { jingle } = fixture('xep0251-ex17-attended-transfer.xml');
    expect(jingle.info).toEqual({
      kind: 'transfer',
      from: 'attendant@office.example.com/desk',
      sid: '663e9f',
      to: 'boss@execs.example.com/phone',
    });
  });

  it('§2 Example 8 and §3 Example 20: the transferee’s session-initiate carries <transfer/>', () => {
    expect(fixture('xep0251-ex08-initiate-transferred.xml').jingle.transfer).toEqual({
      from: 'attendant@office.example.com/desk',
    });
    expect(fixture('xep0251-ex20-initiate-attended.xml').jingle.transfer).toEqual({
      from: 'attendant@office.example.com/desk',
      sid: '663e9f',
      to: 'boss@execs.example.com/phone',
    });
  });

  it('§2 Example 10 and §3 Example 21: <transferred/> in the reason', () => {
    expect(fixture('xep0251-ex10-terminate-transferred.xml').jingle.reason).toEqual({
      condition: 'success',
      text: 'Unattended transfer success',
      transferred: true,
    });
    const xml = serializeJingle(fixture('xep0251-ex21-callee-hangs-up.xml').jingle);
    expect(xml).toContain(
      '<reason><success/><transferred xmlns="urn:xmpp:jingle:transfer:0"/><text>Attended transfer success</text></reason>',
    );
  });

  it('writes the attributes in the XEP’s order', () => {
    const j: Jingle = {
      action: 'session-info',
      sid: 's',
      contents: [],
      groups: [],
      info: { kind: 'transfer', to: 'b@example.com', sid: 'x1', from: 'a@example.com' },
    };
    expect(serializeJingle(j)).toBe(
      '<jingle xmlns="urn:xmpp:jingle:1" action="session-info" sid="s"><transfer xmlns="urn:xmpp:jingle:transfer:0" from="a@example.com" sid="x1" to="b@example.com"/></jingle>',
    );
  });
});

describe('XEP-0251 bad input', () => {
  it.each([
    [
      'a sid longer than the limit',
      info(`<transfer ${T} sid='${'a'.repeat(MAX_SID + 1)}' to='b@example.com'/>`),
      `<transfer xmlns='urn:xmpp:jingle:transfer:0'> sid: not 1–${MAX_SID} letters, digits or . _ : - + / =`,
    ],
    ['a to with a space', info(`<transfer ${T} to='b @example.com'/>`), `to: 'b @example.com' is not a JID`],
    ['an empty from', info(`<transfer ${T} from=''/>`), `from: '' is not a JID`],
    [
      'a child element',
      info(`<transfer ${T}><x/></transfer>`),
      '<x>: unknown element (the element is empty, §8)',
    ],
    [
      'another element of the namespace',
      info(`<transferx ${T}/>`),
      `<transferx>: unknown element in urn:xmpp:jingle:transfer:0`,
    ],
    [
      'a transfer in a session-accept',
      info(`<transfer ${T}/>`, 'session-accept'),
      'in a session-accept (only in session-info or session-initiate)',
    ],
    [
      'two payloads',
      info(`<transfer ${T} to='b@x'/><hold xmlns='urn:xmpp:jingle:apps:rtp:info:1'/>`),
      'more than one informational payload',
    ],
    [
      'an attribute over 1024 characters',
      info(`<transfer ${T} to='${'b'.repeat(1025)}@x'/>`),
      'longer than 1024 characters',
    ],
  ])('%s', (_what, text, message) => {
    expect(error(text)).toContain(message);
  });
});

describe('XEP-0251 round trip', () => {
  const jid = fc
    .tuple(
      chars('abcdefghijklmnopqrstuvwxyz0123456789', 1, 10),
      chars('abcdefghijklmnopqrstuvwxyz', 1, 10),
      fc.option(chars('abcdefghijklmnopqrstuvwxyz0123456789', 1, 8)),
    )
    .map(([l, d, r]) => `${l}@${d}.example${r === null ? '' : `/${r}`}`);
  const transfer: fc.Arbitrary<Transfer> = fc.record(
    { from: jid, to: jid, sid: chars('abcdefghijklmnopqrstuvwxyz0123456789._:-+/=', 1, 32) },
    { requiredKeys: [] },
  );

  it('property: session-info <transfer/> and session-initiate <transfer/> survive serialise → parse', () => {
    fc.assert(
      fc.property(transfer, fc.boolean(), (t, asInfo) => {
        const j: Jingle = asInfo
          ? { action: 'session-info', sid: 's1', contents: [], groups: [], info: { kind: 'transfer', ...t } }
          : { action: 'session-initiate', sid: 's1', contents: [], groups: [], transfer: t };
        expect(parseJingleXml(serializeJingle(j), tables.hashes).jingle).toEqual(j);
      }),
    );
  });
});
