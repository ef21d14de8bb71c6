/**
 * A SIP peer's blind REFER carried out by the gateway (src/calls/transfers.ts; docs/midcall.md
 * §Transfer; RFC 5589 §6.1 Figure 2), through real Prosody, the gateway, the XMPP bot and two
 * SIPp: the client calls SIPp A by address (not anchored, DTLS/ICE); A refers the call to a number,
 * which the gateway's own route (`sip.outbound`) takes to SIPp B. A's scenario
 * (e2e-uas-refer-blind-stays.xml) checks 202, NOTIFY 100 Trying and NOTIFY 200, then our BYE; B's
 * (e2e-uas-refer-target.xml) checks the new INVITE's Referred-By and that it has no offer (media
 * end to end, RFC 3725 §4.1), and offers in its 200; the client is moved onto B's transport by a
 * transport-info (for it an ICE restart, XEP-0176 §2.2), answers it with renewed credentials in a
 * transport-info of its own, and those are the answer in the ACK B gets (RFC 3261 §13.2.2.4); its
 * hang-up ends the call with B. The transferor gets the gateway's BYE as soon as B has answered,
 * before the client is moved (docs/midcall.md §Transfer: its media must stop first); in the second
 * test the client does not renew its credentials (as a client that is no browser may not): the
 * ACK carries those it had, after RESTART_WAIT_MS, and A's BYE came before it.
 */
import { randomUUID } from 'node:crypto';
import { describeE2e, iqOk, jingleAction, jingleOf, offerCall, type Bed, type Element } from './harness';
import { freePort, sleep } from '../support/processes';
import { RESTART_WAIT_MS } from '../../src/calls/plain-reoffer';
import { fingerprint, jingleIq, NS_DTLS, NS_ICE, terminate } from './stanzas';
import { xml } from '../../src/xmpp/stanza/xml';
import type { SippResult } from '../support/sipp';

/**
 * The client's answer to the restart: renewed credentials, a candidate, its fingerprint with the
 * role it takes (XEP-0176 §2.2, XEP-0320).
 */
const renewal = (o: { to: string; from: string; sid: string; name: string }): Element =>
  jingleIq(
    o.to,
    { action: 'transport-info', sid: o.sid },
    xml(
      'content',
      { creator: 'initiator', name: o.name },
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: 'cLi2', pwd: 'renewedpasswordrenewedpa' },
        xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'active' }, fingerprint('C0')),
        xml('candidate', {
          component: '1',
          foundation: '7',
          generation: '1',
          id: 'renewed1',
          ip: '127.0.0.1',
          port: '40010',
          priority: '2122260223',
          protocol: 'udp',
          type: 'host',
        }),
      ),
    ),
  );

/** The body of a traced SIP message (after the blank line). */
const bodyOf = (text: string | undefined): string =>
  (text ?? '')
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n')
    .trim();

/**
 * The client calls SIPp A (`scenario`), which refers it to SIPp B; A's result once the client is
 * on B. `renew`: the client answers the restart with new credentials.
 */
async function transferred(
  bed: Bed,
  scenario: string,
  renew: boolean,
): Promise<{ a: SippResult; end: () => Promise<SippResult> }> {
  const alice = bed.device();
  const portA = await freePort();
  const transferor = await bed.uas(scenario, portA);
  const target = await bed.uas('e2e-uas-refer-target.xml');
  const to = `bob\\40127.0.0.1\\3a${portA}@gw.localhost`;
  const sid = randomUUID();
  const moved = alice.waitFor(
    (s) =>
      jingleAction(sid, 'transport-info')(s) &&
      jingleOf(s)?.getChild('content')?.getChild('transport', NS_ICE)?.attrs.ufrag === 'TaRg',
    15000,
    'the transport-info moving the client to the target',
  );
  await offerCall(alice, to, sid);
  await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
  const info = jingleOf(await moved) as Element;
  const transport = info.getChild('content')?.getChild('transport', NS_ICE);
  expect(transport?.attrs.pwd).toBe('targetpasswordtargetpass');
  expect(transport?.getChild('fingerprint', NS_DTLS)?.getText().toUpperCase()).toBe(fingerprint('5B'));
  expect(transport?.getChildren('candidate').map((c) => c.attrs.port)).toContain('49180');
  // B's offer's role: for the client, a new DTLS association to set up (RFC 8842 §5).
  expect(transport?.getChild('fingerprint', NS_DTLS)?.attrs.setup).toBe('actpass');
  const name = info.getChild('content')?.attrs.name as string;
  if (renew) await iqOk(alice, renewal({ to, from: alice.jid, sid, name }));
  const a = await bed.passed(transferor);
  expect(a.trace.some((e) => e.direction === 'sent' && e.firstLine.startsWith('REFER'))).toBe(true);
  return {
    a,
    // The call goes on with the target: the client's hang-up reaches B.
    end: async () => {
      await iqOk(alice, terminate({ to, sid }));
      const b = await bed.passed(target);
      expect(b.trace.some((e) => e.direction === 'received' && e.firstLine.startsWith('BYE'))).toBe(true);
      // No offer in our INVITE; the client's credentials as it answered the restart in our ACK.
      const invite = b.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE'));
      expect(bodyOf(invite?.text)).toBe('');
      const ack = b.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('ACK'));
      expect(bodyOf(ack?.text)).toMatch(renew ? /^a=ice-ufrag:cLi2$/m : /^a=ice-ufrag:cLiE$/m);
      if (renew) {
        expect(bodyOf(ack?.text)).toMatch(/^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 40010 typ host/m);
        expect(bodyOf(ack?.text)).toMatch(/^a=setup:active$/m);
      }
      return b;
    },
  };
}

describeE2e('e2e: a SIP peer’s blind REFER (RFC 5589 §6.1)', {}, (bed) => {
  test('REFER → 202, NOTIFY 100, INVITE with Referred-By and no offer to the target by our route; its offer → NOTIFY 200 and our BYE to the transferor, transport-info to the client; the client’s renewed transport → our ACK’s answer', async () => {
    const { end } = await transferred(bed, 'e2e-uas-refer-blind-stays.xml', true);
    await end();
  });

  test('the transferor’s BYE goes before the client is moved: a client that does not renew its credentials gets the ACK with those it had, after RESTART_WAIT_MS, and A’s BYE came before that ACK', async () => {
    const { a, end } = await transferred(bed, 'e2e-uas-refer-blind-stays.xml', false);
    const notified = a.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('NOTIFY'));
    const bye = a.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('BYE'));
    expect(notified).toHaveLength(2);
    expect(bye).toBeDefined();
    expect(bye!.at).toBeGreaterThanOrEqual(notified[1]!.at);
    // A is gone at once; the client stays on the call until the ACK has gone (no renewal: after
    // RESTART_WAIT_MS).
    await sleep(RESTART_WAIT_MS + 1000);
    const b = await end();
    const ack = b.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('ACK'));
    // The ACK waited RESTART_WAIT_MS (5 s) for a renewal; the BYE did not wait for it.
    expect(ack).toBeDefined();
    expect(bye!.at).toBeLessThan(ack!.at);
  });
});
