/**
 * The child of test/e2e/packet-loss.test.ts, started inside a private network namespace whose
 * loopback drops 10 % of UDP packets at random (iptables `statistic`; `tc netem` is not there
 * on these kernels), by `node -r test/support/ts-register.js`. Prosody, the gateway and SIPp as
 * in every e2e test (./harness), then:
 *
 * - SIP → XMPP: SIPp (short-call-uac.xml) places CALLS calls to alice, LINES at a time; alice's
 *   device proceeds on each JMI propose and accepts the session-initiate; SIPp hangs up after
 *   300 ms. Completed: SIPp's SuccessfulCall count.
 * - XMPP → SIP: alice calls +15551230000 CALLS times, LINES at a time; SIPp (short-call-uas.xml)
 *   rings and answers; alice hangs up after 300 ms. Completed: the session-accept came and
 *   the session-terminate was acknowledged; SIPp's count is printed too.
 *
 * Only UDP is dropped: SIP's retransmissions (RFC 3261 §17, T1 = 500 ms) are what is tested; the
 * XMPP streams are TCP. Prints one line `RESULT {json}` and exits; every process it started is
 * stopped by PID, and the namespace goes away with it.
 */
import { randomUUID } from 'node:crypto';
import { freePort, sleep, waitFor } from '../support/processes';
import { jmiChild } from '../xmpp/bots';
import {
  ALICE,
  CALLEE,
  connectBot,
  iqOk,
  jingleAction,
  jingleOf,
  offerCall,
  sipp,
  startWorld,
  stopWorld,
  waitUdpBound,
  type Element,
  type World,
} from './harness';
import { dtlsAccept, fingerprint, jmi, terminate } from './stanzas';

const CALLS = Number(process.env.LOSS_CALLS ?? 50);
const LINES = 5;

async function sipToXmpp(w: World): Promise<Record<string, unknown>> {
  const phone = await connectBot(w, ...ALICE, 'phone');
  let accepted = 0;
  phone.xmpp.on('stanza', (s: Element) => {
    const propose = jmiChild(s, 'propose');
    if (propose) {
      void phone.send(jmi('proceed', { to: String(s.attrs.from), id: String(propose.attrs.id) }));
      return;
    }
    if (s.name === 'iq' && s.attrs.type === 'set' && jingleOf(s)?.attrs.action === 'session-initiate') {
      const accept = dtlsAccept({
        initiate: s,
        to: String(s.attrs.from),
        from: phone.jid,
        fp: fingerprint('A1'),
      });
      phone.iq(accept, 10_000).then(
        (a) => a.attrs.type === 'result' && accepted++,
        () => undefined,
      );
    }
  });
  const run = await sipp({
    scenario: 'short-call-uac.xml',
    remote: `127.0.0.1:${w.sipPort}`,
    port: await freePort(),
    calls: CALLS,
    timeoutSec: 100,
    extra: ['-l', String(LINES), '-r', '10', '-d', '300', '-recv_timeout', '20000'],
  });
  const r = await run.done;
  if (r.code !== 0) console.error(`SIPp UAC:\n${r.output.slice(-3000)}`);
  await phone.stop();
  return {
    completed: Number(r.stats['SuccessfulCall(C)'] ?? 0),
    failed: Number(r.stats['FailedCall(C)'] ?? 0),
    sessionAccepts: accepted,
    retransmissions: Number(r.stats['Retransmissions(C)'] ?? 0),
    sippExit: r.code,
  };
}

async function xmppToSip(w: World): Promise<Record<string, unknown>> {
  const alice = await connectBot(w, ...ALICE, 'laptop');
  const uas = await sipp({
    scenario: 'short-call-uas.xml',
    port: w.outboundPort,
    calls: CALLS,
    timeoutSec: 120,
    extra: ['-recv_timeout', '30000'],
  });
  await waitUdpBound(w.outboundPort, uas);
  let completed = 0;
  const failures: string[] = [];
  const call = async (): Promise<void> => {
    const sid = randomUUID();
    try {
      const accepted = alice.waitFor(jingleAction(sid, 'session-accept'), 20_000, 'session-accept');
      await offerCall(alice, CALLEE, sid);
      await accepted;
      await sleep(300);
      await iqOk(alice, terminate({ to: CALLEE, sid }));
      completed++;
    } catch (e) {
      failures.push((e as Error).message.split('\n')[0] ?? '');
    }
  };
  for (let i = 0; i < CALLS; i += LINES) {
    await Promise.all(Array.from({ length: Math.min(LINES, CALLS - i) }, call));
  }
  const r = await uas.done;
  if (r.code !== 0) console.error(`SIPp UAS:\n${r.output.slice(-3000)}`);
  await alice.stop();
  return {
    completed,
    failed: failures.length,
    failures: failures.slice(0, 5),
    sippCompleted: Number(r.stats['SuccessfulCall(C)'] ?? 0),
    retransmissions: Number(r.stats['Retransmissions(C)'] ?? 0),
    sippExit: r.code,
  };
}

async function main(): Promise<void> {
  let w: World | undefined;
  try {
    w = await startWorld({ users: [ALICE], noAnswerSeconds: 20 });
    const world = w;
    const t0 = Date.now();
    const sipToXmppResult = await sipToXmpp(world);
    const xmppToSipResult = await xmppToSip(world);
    // Every call of both directions ends, loss or not.
    await waitFor(() => world.gateway.liveCalls() === 0, 40_000, 'liveCalls() === 0').catch(() => undefined);
    await waitFor(() => world.gateway.sip.liveDialogs() === 0, 40_000, 'liveDialogs() === 0').catch(
      () => undefined,
    );
    const result = {
      calls: CALLS,
      sipToXmpp: sipToXmppResult,
      xmppToSip: xmppToSipResult,
      liveCalls: world.gateway.liveCalls(),
      liveDialogs: world.gateway.sip.liveDialogs(),
      seconds: (Date.now() - t0) / 1000,
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await stopWorld(w);
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
