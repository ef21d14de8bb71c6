/**
 * Message level: Jingle IQ ⇄ SIP message (docs/design.md §Call flows, §Reasons, §Addressing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultConfig } from '../../src/config/config';
import { parseJingleXml } from '../../src/jingle';
import { header, parseSipMessage, parseVia } from '../../src/sip/message';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { jingleToSip, sipToJingle } from '../../src/translate/message';
import { sipToJingleIq } from '../../src/translate/sip-to-jingle';
import { tables } from '../support/tables';
import { messageContext } from '../../src/config/address-context';

const config = defaultConfig();
const fixtures = path.join(__dirname, '..', 'fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(fixtures, rel), 'utf8');

const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  "to='+15551230000@gw.localhost'",
);

function terminate(condition: string, from = 'romeo@montague.lit/orchard', text?: string): string {
  return `<iq from='${from}' to='+15551230000@gw.localhost' type='set' id='t1'>
  <jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' sid='a73sjjvkla37jfea' initiator='romeo@montague.lit/orchard'>
    <reason><${condition}/>${text ? `<text>${text}</text>` : ''}</reason>
  </jingle></iq>`;
}

describe('jingle → sip', () => {
  const wire = jingleToSip(offerXml, messageContext(config, tables));
  const invite = parseSipMessage(wire) as SipRequest;

  it('session-initiate → an INVITE to the number at the outbound trunk, CRLF and Content-Length right', () => {
    expect(invite.kind).toBe('request');
    expect(invite.method).toBe('INVITE');
    expect(invite.uri).toBe('sip:+15551230000@127.0.0.1:5090');
    expect(wire.split('\r\n\r\n')[0]).not.toMatch(/[^\r]\n/);
    expect(Number(header(invite, 'Content-Length'))).toBe(Buffer.byteLength(invite.body));
    expect(parseVia(header(invite, 'Via')!).params.branch).toMatch(/^z9hG4bK/);
    expect(header(invite, 'From')).toContain('sip:romeo%40montague.lit@gw.localhost');
    expect(header(invite, 'Call-ID')).toBe('a73sjjvkla37jfea@127.0.0.1');
    expect(invite.body).toContain('a=setup:actpass');
    expect(invite.body.match(/^a=candidate:/gm)).toHaveLength(2);
  });

  it('an escaped SIP address in the JID goes straight to its host (XEP-0106)', () => {
    const msg = parseSipMessage(
      jingleToSip(
        offerXml.replace('+15551230000@gw.localhost', 'alice\\40pbx.example.org@gw.localhost'),
        messageContext(config, tables),
      ),
    ) as SipRequest;
    expect(msg.uri).toBe('sip:alice@pbx.example.org');
  });

  it('the caller cancelling before the answer → CANCEL matching the INVITE (RFC 3261 §9.1)', () => {
    const cancel = parseSipMessage(
      jingleToSip(terminate('cancel'), messageContext(config, tables)),
    ) as SipRequest;
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.uri).toBe(invite.uri);
    expect(header(cancel, 'Call-ID')).toBe(header(invite, 'Call-ID'));
    expect(header(cancel, 'From')).toBe(header(invite, 'From'));
    expect(parseVia(header(cancel, 'Via')!).params.branch).toBe(
      parseVia(header(invite, 'Via')!).params.branch,
    );
    expect(header(cancel, 'CSeq')).toBe('1 CANCEL');
  });

  it('the caller hanging up → BYE; a failure carries an RFC 3326 Reason with the Jingle text', () => {
    const bye = parseSipMessage(
      jingleToSip(terminate('success'), messageContext(config, tables)),
    ) as SipRequest;
    expect(bye.method).toBe('BYE');
    expect(header(bye, 'Reason')).toBeUndefined();
    const failed = parseSipMessage(
      jingleToSip(terminate('connectivity-error', undefined, 'ICE failed'), messageContext(config, tables), {
        state: 'confirmed',
      }),
    ) as SipRequest;
    expect(failed.method).toBe('BYE');
    expect(header(failed, 'Reason')).toMatch(/^SIP;cause=\d{3};text="ICE failed"$/);
  });

  it.each([
    ['busy', 486],
    ['decline', 603],
  ])('the XMPP callee refusing with <%s/> → a final %i to the INVITE', (condition, status) => {
    const res = parseSipMessage(
      jingleToSip(terminate(condition, 'juliet@capulet.lit/balcony'), messageContext(config, tables)),
    ) as SipResponse;
    expect(res.kind).toBe('response');
    expect(res.status).toBe(status);
    expect(header(res, 'CSeq')).toBe('1 INVITE');
  });

  it('session-info <ringing/> → 180 Ringing', () => {
    // The XEP example, addressed as in a SIP-originated call: the XMPP callee rings back to the
    // SIP caller's JID at the gateway.
    const xml = read('jingle-xep/xep0167-ex13-ringing.xml').replace(
      "to='romeo@montague.lit/orchard'",
      "to='+15550001111@gw.localhost/sip'",
    );
    const res = parseSipMessage(jingleToSip(xml, messageContext(config, tables))) as SipResponse;
    expect(res.status).toBe(180);
    expect(header(res, 'From')).toContain('sip:+15550001111@127.0.0.1:5090');
    expect(header(res, 'To')).toContain('sip:juliet%40capulet.lit@gw.localhost');
  });

  it('an action with no SIP form is refused, naming it', () => {
    expect(() =>
      jingleToSip(read('jingle-xep/xep0167-ex14-description-info.xml'), messageContext(config, tables)),
    ).toThrow(/description-info/);
  });
});

describe('sip → jingle', () => {
  it('baresip INVITE → session-initiate from the caller at the gateway to the callee', () => {
    const iq = parseJingleXml(
      sipToJingle(read('captured/baresip-1.0.0-invite-dtls_srtp.sip'), messageContext(config, tables)),
      tables.hashes,
    );
    expect(iq.iq).toMatchObject({ type: 'set', from: 'alice@gw.localhost/sip', to: 'bob@localhost' });
    expect(iq.jingle.action).toBe('session-initiate');
    expect(iq.jingle.initiator).toBe('alice@gw.localhost/sip');
    expect(iq.jingle.contents[0]!.transport!.fingerprints[0]!.setup).toBe('actpass');
  });

  it('SIPp 200 OK → session-accept; 180 → ringing; BYE → success', () => {
    const accept = parseJingleXml(
      sipToJingle(read('captured/sipp-3.6.1-uas-200ok-invite.sip'), messageContext(config, tables)),
      tables.hashes,
    );
    expect(accept.jingle.action).toBe('session-accept');
    expect(accept.jingle.contents).toHaveLength(1);
    const ringing = parseJingleXml(
      sipToJingle(read('captured/sipp-3.6.1-uas-180-ringing.sip'), messageContext(config, tables)),
      tables.hashes,
    );
    expect(ringing.jingle.info).toEqual({ kind: 'ringing' });
    const bye = parseJingleXml(
      sipToJingle(read('captured/sipp-3.6.1-uac-bye.sip'), messageContext(config, tables)),
      tables.hashes,
    );
    expect(bye.jingle.reason).toEqual({ condition: 'success' });
    expect(bye.jingle.sid).toBe(accept.jingle.sid);
  });

  it.each([
    [486, 'Busy Here', 'busy'],
    [603, 'Decline', 'decline'],
    [404, 'Not Found', 'gone'],
    [480, 'Temporarily Unavailable', 'timeout'],
    [500, 'Server Internal Error', 'general-error'],
  ])('%i %s → session-terminate <%s/> with the SIP text', (status, phrase, condition) => {
    const wire = read('captured/sipp-3.6.1-uas-180-ringing.sip').replace(
      'SIP/2.0 180 Ringing',
      `SIP/2.0 ${status} ${phrase}`,
    );
    const j = parseJingleXml(sipToJingle(wire, messageContext(config, tables)), tables.hashes).jingle;
    expect(j.action).toBe('session-terminate');
    expect(j.reason).toEqual({ condition, text: `${status} ${phrase}` });
  });

  it('a BYE with a Reason header carries its cause (RFC 3326)', () => {
    const wire = read('captured/sipp-3.6.1-uac-bye.sip').replace(
      'Content-Length',
      'Reason: SIP ;cause=486 ;text="Busy Here"\r\nContent-Length',
    );
    expect(sipToJingleIq(parseSipMessage(wire), messageContext(config, tables)).jingle.reason).toEqual({
      condition: 'busy',
      text: 'Busy Here',
    });
  });

  it('the sid of our own Call-ID comes back, so both directions name one session', () => {
    const invite = jingleToSip(offerXml, messageContext(config, tables));
    const callId = header(parseSipMessage(invite), 'Call-ID')!;
    const ringing = read('captured/sipp-3.6.1-uas-180-ringing.sip').replace(
      /^Call-ID: .*$/m,
      `Call-ID: ${callId}`,
    );
    expect(
      parseJingleXml(sipToJingle(ringing, messageContext(config, tables)), tables.hashes).jingle.sid,
    ).toBe('a73sjjvkla37jfea');
  });

  it('messages saved with LF line ends are read (the header section gets its CRs back)', () => {
    const lf = read('captured/sipp-3.6.1-uac-bye.sip').replace(/\r\n/g, '\n');
    expect(parseJingleXml(sipToJingle(lf, messageContext(config, tables)), tables.hashes).jingle.action).toBe(
      'session-terminate',
    );
  });

  it.each([
    [
      'an INVITE without a body',
      read('captured/sipp-3.6.1-uac-bye.sip').replace(/^BYE /, 'INVITE ').replace('2 BYE', '2 INVITE'),
      /no SDP body/,
    ],
    ['an ACK', read('captured/sipp-3.6.1-uac-ack.sip'), /ACK.*no Jingle form/],
    ['a 200 to BYE', read('captured/sipp-3.6.1-uas-200ok-bye.sip'), /response to BYE/],
  ])('%s is refused, naming it', (_name, wire, pattern) => {
    expect(() => sipToJingle(wire, messageContext(config, tables))).toThrow(pattern);
  });
});
