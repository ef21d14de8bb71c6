/**
 * Issue 10, packet loss: 50 calls each way through the gateway while loopback drops 10 % of UDP
 * packets; at least 48 of 50 must complete in each direction (SIP retransmissions: RFC 3261 §17,
 * T1 = 500 ms). `tc netem` is not available on these kernels, so the loss is an iptables rule in a
 * private network namespace (we are root):
 *
 *   unshare -n sh -c 'ip link set lo up && iptables -A INPUT -i lo -p udp -m statistic
 *     --mode random --probability 0.1 -j DROP && exec node -r ts-register packet-loss-child.ts'
 *
 * jest itself stays outside the namespace; the child (./packet-loss-child.ts, run from source by
 * test/support/ts-register.js) starts Prosody, the gateway and SIPp in there, places the calls
 * and prints `RESULT {json}`; it stops every process it started, and the namespace ends with it.
 * The counts are printed. Skipped without Prosody, SIPp, iptables or the right to unshare.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { describeWithPeers, peersAvailable } from './harness';

const ROOT = path.join(__dirname, '..', '..');
const LOSS = 0.1;

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const describeLoss =
  peersAvailable('iptables', 'ip', 'unshare') && canUnshare() ? describeWithPeers() : describe.skip;

interface Direction {
  completed: number;
  failed: number;
  [k: string]: unknown;
}
interface Result {
  calls: number;
  sipToXmpp: Direction;
  xmppToSip: Direction;
  liveCalls: number;
  liveDialogs: number;
  seconds: number;
}

/** Runs the child in a lossy namespace; resolves with its RESULT line (or rejects with its output). */
function runChild(timeoutMs: number): Promise<Result> {
  const script = [
    'ip link set lo up',
    `iptables -A INPUT -i lo -p udp -m statistic --mode random --probability ${LOSS} -j DROP`,
    'exec node -r ./test/support/ts-register.js test/e2e/packet-loss-child.ts',
  ].join(' && ');
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'sh', '-c', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-50_000)));
    // By PID: the child stops its own peers on exit; SIGKILL only if it overran.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)) as Result);
      else reject(new Error(`packet-loss child exited ${code}:\n${out.slice(-5000)}`));
    });
  });
}

describeLoss('e2e: 10 % UDP loss on loopback, 50 calls each way', () => {
  it('at least 48 of 50 calls complete in each direction; no call is left', async () => {
    const r = await runChild(170_000);
    console.log(
      `packet loss ${LOSS * 100} %: SIP → XMPP ${r.sipToXmpp.completed}/${r.calls} completed ` +
        `(${JSON.stringify(r.sipToXmpp)}); XMPP → SIP ${r.xmppToSip.completed}/${r.calls} completed ` +
        `(${JSON.stringify(r.xmppToSip)}); ${r.seconds.toFixed(1)} s`,
    );
    expect(r.calls).toBe(50);
    expect(r.sipToXmpp.completed).toBeGreaterThanOrEqual(48);
    expect(r.xmppToSip.completed).toBeGreaterThanOrEqual(48);
    // Retransmissions happened: the loss was real (SIPp counts its own).
    expect(Number(r.sipToXmpp.retransmissions) + Number(r.xmppToSip.retransmissions)).toBeGreaterThan(0);
    expect(r.liveCalls).toBe(0);
    expect(r.liveDialogs).toBe(0);
  }, 180_000);
});
