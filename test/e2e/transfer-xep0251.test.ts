/**
 * The client's XEP-0251 transfer through real Prosody, the gateway and SIPp (not anchored): the
 * bot's session-info `<transfer to=…/>` (XEP-0251 §2 Example 5) → IQ result (Example 6) and a
 * REFER in the call's dialog, which SIPp checks (Refer-To the target by the gateway's routes,
 * Referred-By present; RFC 3515, RFC 3892). SIPp's final NOTIFY (RFC 3515 §2.4.5 sipfrag):
 * 200 → session-terminate `<success/><transferred/>` (Example 10) and the gateway's BYE
 * (RFC 5589 §6.1); 486 → the call goes on (RFC 5589 §6.2) until the client hangs up.
 *
 * Attended (XEP-0251 §3 Example 17): the client has two calls, with SIPp A and SIPp C, and on
 * the one with A sends `<transfer sid=…/>` naming the one with C; the gateway finds that call
 * (the same user's, answered: src/gateway/other-call.ts) and A's REFER has Refer-To C's URI with
 * the Replaces of the gateway's dialog with C (RFC 3891 §3), compared here with C's own trace.
 * C then hangs up as a replaced target does, and the client's second session ends. Both
 * directions of the call with C; and a sid of another user's call (carol's) names nothing.
 */
import {
  ALICE,
  CALLEE,
  connectBot,
  describeE2e,
  iqOk,
  jingleAction,
  jingleOf,
  offerCall,
  reasonOf,
  proposed,
  traced,
  type Bot,
  type Element,
  type Sipp,
} from './harness';
import { jmiChild } from '../xmpp/bots';
import { randomUUID } from 'node:crypto';
import { freePort, waitFor } from '../support/processes';
import { dtlsAccept, fingerprint, jingleIq, jmi, terminate } from './stanzas';
import { xml } from '../../src/xmpp/stanza/xml';
import { NS_TRANSFER } from '../../src/jingle/namespaces';

/** A number at the gateway's domain: the default e2e policy lets the client call it. */
const TARGET = '+15551239999@gw.localhost';

const transfer = (sid: string): Element =>
  jingleIq(CALLEE, { action: 'session-info', sid }, xml('transfer', { xmlns: NS_TRANSFER, to: TARGET }));

/** XEP-0251 §3 (Example 17): on session `sid`, transfer the peer to the client's session `other`. */
const attended = (sid: string, other: string): Element =>
  jingleIq(CALLEE, { action: 'session-info', sid }, xml('transfer', { xmlns: NS_TRANSFER, sid: other }));

/** A header's value in a SIPp trace entry (its first line of that name). */
function headerOf(text: string | undefined, name: string): string {
  const m = new RegExp(`^${name}:[ \t]*(.*?)\r?$`, 'im').exec(text ?? '');
  if (!m?.[1]) throw new Error(`no ${name} in ${text ?? '(no message)'}`);
  return m[1];
}
const tagOf = (value: string): string => /;\s*tag=([^;\s>]+)/i.exec(value)?.[1] ?? '';

/** A second user of the same server: the attended transfer never names another user's call. */
const CAROL: [string, string] = ['carol', 'carolpass'];

const users = { users: [ALICE, CAROL] };

describeE2e('e2e: XEP-0251 transfer by the client (XMPP client ⇄ gateway ⇄ SIPp)', users, (bed) => {
  test("<transfer/> → IQ result + REFER; SIPp's NOTIFY 200 → session-terminate <success/><transferred/> and BYE", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-refer-xep0251.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    const ended = alice.waitFor(jingleAction(sid, 'session-terminate'), 10000, 'session-terminate');
    await iqOk(alice, transfer(sid));
    const term = await ended;
    expect(reasonOf(term).condition).toBe('success');
    expect(jingleOf(term)?.getChild('reason')?.getChild('transferred', NS_TRANSFER)).toBeDefined();
    await bed.passed(run);
  });

  test("SIPp's NOTIFY 486 → the call goes on; the client's hang-up ends it with BYE", async () => {
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-refer-xep0251-486.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await iqOk(alice, transfer(sid));
    // The NOTIFY comes 200 ms after the 202: within 3 s the call must still be up.
    const early = await alice.waitFor(jingleAction(sid, 'session-terminate'), 3000, 'session-terminate').then(
      () => true,
      () => false,
    );
    expect(early).toBe(false);
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    await bed.passed(run);
  });

  /**
   * The client's session with C: C a SIPp UAS at its own address, reached by XEP-0106 escape
   * (bob@127.0.0.1:<port>), or a SIPp UAC calling alice, whose device answers. Resolves once the
   * gateway's dialog with C is confirmed (the attended transfer names only an answered call).
   */
  async function callWithC(alice: Bot, direction: 'XMPP → SIP' | 'SIP → XMPP') {
    const gw = bed.world.gateway;
    let run: Sipp;
    let sid: string;
    let jid: string;
    if (direction === 'XMPP → SIP') {
      const port = await freePort();
      run = await bed.uas('e2e-uas-attended-target.xml', port);
      sid = randomUUID();
      jid = `bob\\40127.0.0.1\\3a${port}@gw.localhost`;
      const accepted = alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept (C)');
      await offerCall(alice, jid, sid);
      await accepted;
    } else {
      const seen = new Set(alice.all((st) => jmiChild(st, 'propose') !== undefined));
      run = await bed.uac('e2e-uac-attended-target.xml');
      const p = await proposed(alice, (st) => !seen.has(st));
      sid = p.id;
      jid = p.caller;
      await alice.send(jmi('proceed', { to: jid, id: sid }));
      const initiate = await alice.waitFor(
        jingleAction(sid, 'session-initiate'),
        8000,
        'session-initiate (C)',
      );
      await iqOk(alice, dtlsAccept({ initiate, to: jid, from: alice.jid, fp: fingerprint('A1') }));
    }
    await waitFor(
      () => gw.calls.sid(sid)?.dialog.state === 'confirmed',
      5000,
      "the gateway's dialog with C confirmed",
    );
    return { run, sid, jid };
  }

  test.each(['XMPP → SIP', 'SIP → XMPP'] as const)(
    "attended <transfer sid=…/>, the client's call with C %s → A's REFER: Refer-To C's URI ?Replaces=<C dialog's Call-ID, to-tag C's, from-tag ours>; NOTIFY 200 → <transferred/>; C's BYE ends the second session",
    async (direction) => {
      const alice = bed.device();
      const a = await bed.callOut('e2e-uas-refer-xep0251-attended.xml');
      await alice.waitFor(jingleAction(a.sid, 'session-accept'), 8000, 'session-accept (A)');
      const c = await callWithC(alice, direction);
      const endedA = alice.waitFor(jingleAction(a.sid, 'session-terminate'), 10000, 'session-terminate (A)');
      const endedC = alice.waitFor(jingleAction(c.sid, 'session-terminate'), 10000, 'session-terminate (C)');
      expect(bed.world.gateway.liveCalls()).toBe(2);
      await iqOk(alice, attended(a.sid, c.sid));
      const term = await endedA;
      expect(reasonOf(term).condition).toBe('success');
      expect(jingleOf(term)?.getChild('reason')?.getChild('transferred', NS_TRANSFER)).toBeDefined();
      // The replaced dialog's BYE (C's) ends the client's session with C.
      await endedC;
      const [ra, rc] = await Promise.all([bed.passed(a.run), bed.passed(c.run)]);
      // The Replaces names the gateway's dialog with C as C has it (RFC 3891 §3): its Call-ID,
      // to-tag C's own, from-tag the gateway's; the URI is C's in that dialog (To or From).
      const cInvites = direction === 'SIP → XMPP';
      const invite = traced(rc, cInvites ? 'sent' : 'received', 'INVITE');
      const ok = traced(rc, cInvites ? 'received' : 'sent', 'SIP/2.0 200');
      const cTag = tagOf(headerOf(cInvites ? invite : ok, cInvites ? 'From' : 'To'));
      const ourTag = tagOf(headerOf(cInvites ? ok : invite, cInvites ? 'To' : 'From'));
      const cUri = /<([^>]+)>/.exec(headerOf(invite, cInvites ? 'From' : 'To'))?.[1];
      // Escaped as a header in a URI (RFC 3261 §19.1.1): the Call-ID's `@` is `%40`.
      const esc = encodeURIComponent;
      const replaces = `${esc(headerOf(invite, 'Call-ID'))}%3Bto-tag%3D${esc(cTag)}%3Bfrom-tag%3D${esc(ourTag)}`;
      const refer = traced(ra, 'received', 'REFER');
      expect(cTag).not.toBe('');
      expect(ourTag).not.toBe('');
      expect(headerOf(refer, 'Refer-To')).toBe(`<${cUri}?Replaces=${replaces}>`);
      expect(headerOf(refer, 'Referred-By')).toMatch(/^<sip:/);
    },
  );

  test("attended <transfer sid=…/> naming another user's call (its sid known) → item-not-found; no REFER; both calls go on", async () => {
    const alice = bed.device();
    const carol = await connectBot(bed.world, ...CAROL, 'phone');
    const a = await bed.callOut('e2e-uas-refer-allowed-bye-in.xml');
    await alice.waitFor(jingleAction(a.sid, 'session-accept'), 8000, 'session-accept (A)');
    const port = await freePort();
    const c = { run: await bed.uas('e2e-uas-dtls-bye-in.xml', port), sid: randomUUID() };
    const toC = `bob\\40127.0.0.1\\3a${port}@gw.localhost`;
    const acceptedC = carol.waitFor(jingleAction(c.sid, 'session-accept'), 8000, 'session-accept (carol)');
    await offerCall(carol, toC, c.sid);
    await acceptedC;
    const gw = bed.world.gateway;
    await waitFor(() => gw.calls.sid(c.sid)?.dialog.state === 'confirmed', 5000, "carol's dialog confirmed");
    let answer: Element;
    try {
      answer = await alice.iq(attended(a.sid, c.sid));
      // Nothing reached A (its scenario takes no REFER) and both calls are up.
      expect(gw.liveCalls()).toBe(2);
    } finally {
      await iqOk(alice, terminate({ to: CALLEE, sid: a.sid }));
      await iqOk(carol, terminate({ to: toC, sid: c.sid }));
    }
    expect(answer.attrs.type).toBe('error');
    expect(answer.getChild('error')?.getChild('item-not-found')).toBeDefined();
    await Promise.all([bed.passed(a.run), bed.passed(c.run)]);
  });
});
