/**
 * Issue 5: "every path ends both legs and frees the call" — the paths no peer asks for: the XMPP
 * server goes away mid-call (Prosody restarted), and the gateway shuts down with calls up.
 */
import { ALICE, connectBot, describeE2e, jingleAction, proposed, reasonOf, traced } from './harness';
import { jmi } from './stanzas';

describeE2e('e2e: the XMPP server goes away mid-call', { devices: [] }, (bed) => {
  test('an answered XMPP → SIP call: SIP gets BYE with Reason 503; the gateway reconnects', async () => {
    const world = bed.world;
    const alice = await connectBot(world, ...ALICE, 'phone');
    const { sid, run } = await bed.callOut('e2e-uas-dtls-bye-in.xml', { from: alice });
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await world.prosody.restart();
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'BYE')).toMatch(/\r?\nReason: SIP;cause=503;text="XMPP connection lost"/);
    await world.gateway.xmpp.whenOnline(5000);
  });

  test('a ringing SIP → XMPP call: the INVITE gets 503', async () => {
    const world = bed.world;
    const alice = await connectBot(world, ...ALICE, 'phone');
    const run = await bed.uac('e2e-uac-refused-503.xml');
    const { id, caller } = await proposed(alice);
    await alice.send(jmi('ringing', { to: caller, id }));
    await new Promise((r) => setTimeout(r, 200));
    await world.prosody.restart();
    await bed.passed(run);
    await world.gateway.xmpp.whenOnline(5000);
  });
});

describeE2e('e2e: shutdown with calls up', { noLiveCallsAfterEach: false }, (bed) => {
  test('gateway.stop(): SIP gets BYE, the client session-terminate; no call is left', async () => {
    const world = bed.world;
    const alice = bed.device();
    const { sid, run } = await bed.callOut('e2e-uas-dtls-bye-in.xml');
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await world.gateway.stop();
    expect(world.gateway.liveCalls()).toBe(0);
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 4000, 'session-terminate');
    expect(reasonOf(term)).toEqual({ condition: 'general-error', text: 'gateway shutting down' });
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'BYE')).toMatch(/\r?\nReason: SIP;cause=500;text="gateway shutting down"/);
  });
});
