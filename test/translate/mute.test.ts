/**
 * XEP-0167 §7.3 mute/unmute → nothing on the SIP wire (src/translate/mute.ts, docs/midcall.md
 * §Mute). Fixtures: XEP-0167 Examples 11 and 12 (test/fixtures/jingle-xep).
 */
import { tables } from '../support/tables';
import { parseJingleXml } from '../../src/jingle';
import { muteToSip } from '../../src/translate/mute';
import { asJingleDocument, loadFixtures } from '../jingle/helpers';

const fixtures = loadFixtures();
const info = (file: string) => {
  const f = fixtures.find((x) => x.file === file);
  if (!f) throw new Error(`no fixture ${file}`);
  const i = parseJingleXml(asJingleDocument(f.text), tables.hashes).jingle.info;
  if (i?.kind !== 'mute' && i?.kind !== 'unmute') throw new Error('not a mute payload');
  return i;
};

describe('mute (XEP-0167 §7.3) → nothing to SIP', () => {
  it('Example 11: <mute name="voice"/> mutes that content only, and is acknowledged', () => {
    const d = muteToSip(info('xep0167-ex11-mute.xml'), ['voice', 'webcam'], new Set());
    expect(d).toEqual({ kind: 'acknowledge', muted: new Set(['voice']) });
  });

  it('Example 12: <unmute name="voice"/> ends it', () => {
    const d = muteToSip(info('xep0167-ex12-unmute.xml'), ['voice', 'webcam'], new Set(['voice', 'webcam']));
    expect(d).toEqual({ kind: 'acknowledge', muted: new Set(['webcam']) });
  });

  it('without a name every content is muted (§7.3: "the recipient MUST assume that all sessions are to be muted")', () => {
    expect(muteToSip({ kind: 'mute' }, ['voice', 'webcam'], new Set())).toEqual({
      kind: 'acknowledge',
      muted: new Set(['voice', 'webcam']),
    });
  });

  it('<active/> ends the mute state too (§7.3)', () => {
    expect(muteToSip({ kind: 'active' }, ['voice'], new Set(['voice']))).toEqual({
      kind: 'acknowledge',
      muted: new Set(),
    });
  });

  it('a name the session does not have is a bad-request', () => {
    const d = muteToSip({ kind: 'mute', name: 'nope' }, ['voice'], new Set());
    expect(d).toEqual({ kind: 'bad-request', text: "<mute name='nope'> names no content of this session" });
  });

  it('the decision has no SIP message in it: only acknowledge or bad-request exist', () => {
    const d = muteToSip({ kind: 'mute' }, ['voice'], new Set());
    expect(Object.keys(d).sort()).toEqual(['kind', 'muted']);
  });
});
