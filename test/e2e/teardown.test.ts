/**
 * Issue 5: "every path ends both legs and frees the call" — the paths no peer asks for: the XMPP
 * server goes away mid-call (Prosody restarted), and the gateway shuts down with calls up.
 */
import { randomUUID } from 'node:crypto';
import { prosodyAvailable } from '../support/prosody';
import { freePort } from '../support/processes';
import { jmiChild } from '../xmpp/bots';
import {
  connectBot,
  expectNoLiveCalls,
  jingleAction,
  offerCall,
  peersAvailable,
  reasonOf,
  sipp,
  sippPassed,
  startWorld,
  stopWorld,
  traced,
  waitUdpBound,
  type Bot,
  type World,
} from './harness';
import { jmi } from './stanzas';

const maybe = prosodyAvailable() && peersAvailable('sipp') ? describe : describe.skip;
const CALLEE = '+15551230000@gw.localhost';

maybe('e2e: the XMPP server goes away mid-call', () => {
  let w: World | undefined;

  beforeAll(async () => {
    w = await startWorld({ users: [['alice', 'alicepass']] });
  });
  afterEach(() => expectNoLiveCalls(w));
  afterAll(() => stopWorld(w));

  test('an answered XMPP → SIP call: SIP gets BYE with Reason 503; the gateway reconnects', async () => {
    const world = w as World;
    const alice = await connectBot(world, 'alice', 'alicepass', 'phone');
    const run = await sipp({ scenario: 'e2e-uas-dtls-bye-in.xml', port: world.outboundPort });
    await waitUdpBound(world.outboundPort, run);
    const sid = randomUUID();
    await offerCall(alice, CALLEE, sid);
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await world.prosody.restart();
    const r = await sippPassed(run, world);
    expect(traced(r, 'received', 'BYE')).toMatch(/\r?\nReason: SIP;cause=503;text="XMPP connection lost"/);
    await world.gateway.xmpp.whenOnline(5000);
  });

  test('a ringing SIP → XMPP call: the INVITE gets 503', async () => {
    const world = w as World;
    const alice = await connectBot(world, 'alice', 'alicepass', 'phone');
    const run = await sipp({
      scenario: 'e2e-uac-refused-503.xml',
      remote: `127.0.0.1:${world.sipPort}`,
      port: await freePort(),
    });
    const propose = await alice.waitFor((s) => jmiChild(s, 'propose') !== undefined, 8000, 'propose');
    await alice.send(
      jmi('ringing', {
        to: propose.attrs.from as string,
        id: jmiChild(propose, 'propose')?.attrs.id as string,
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await world.prosody.restart();
    await sippPassed(run, world);
    await world.gateway.xmpp.whenOnline(5000);
  });
});

maybe('e2e: shutdown with calls up', () => {
  let w: World | undefined;
  let alice: Bot;

  beforeAll(async () => {
    w = await startWorld({ users: [['alice', 'alicepass']] });
    alice = await connectBot(w, 'alice', 'alicepass', 'phone');
  });
  afterAll(() => stopWorld(w));

  test('gateway.stop(): SIP gets BYE, the client session-terminate; no call is left', async () => {
    const world = w as World;
    const run = await sipp({ scenario: 'e2e-uas-dtls-bye-in.xml', port: world.outboundPort });
    await waitUdpBound(world.outboundPort, run);
    const sid = randomUUID();
    await offerCall(alice, CALLEE, sid);
    await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    await world.gateway.stop();
    expect(world.gateway.liveCalls()).toBe(0);
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 4000, 'session-terminate');
    expect(reasonOf(term)).toEqual({ condition: 'general-error', text: 'gateway shutting down' });
    const r = await sippPassed(run, world);
    expect(traced(r, 'received', 'BYE')).toMatch(/\r?\nReason: SIP;cause=500;text="gateway shutting down"/);
  });
});
