/**
 * Issue 12, memory per call: the gateway's heap and RSS while 1k and 10k calls are held, and
 * after they end. Real peers on loopback in a private network namespace (the script runs itself
 * again inside one when started as root outside it, as bench/e2e.ts does):
 *
 *   SIPp UAC (bench/scenarios/hold-uac.xml, holds each call -d ms) → gateway → Prosody → XMPP bots
 *   (auto-answering: JMI proceed, session-accept; bench/bots.ts)
 *
 * The gateway is its own process (bench/soak-gateway.ts = `jingle-sip-gateway run --config F`
 * with an IPC channel), started with --expose-gc so each reading is the heap after a full GC
 * (`process.memoryUsage()` in the gateway). Readings: the baseline (after a warm-up of short
 * calls, once their transactions have ended), with N calls up, 33 s later (their setup
 * transactions over, 64·T1 = 32 s), right after they ended, and 33 s after that. Per live call =
 * (up + 33 s − baseline) / N.
 *
 * Run:   npm run build && npm run bench:memory          (node dist/bench/memory.js)
 *        node dist/bench/memory.js --counts 1000 --rate 200
 *        --settle S: one more reading S s after "ended + 33 s" (e.g. 300: past the 5 minutes
 *        that ended XEP-0353 proposals linger, src/xmpp/jmi/table.ts; docs/performance.md)
 *        --snapshots DIR: heap snapshots at the baseline, with the first count held and after
 *        the last count ended; the differences by constructor (what each call keeps, what is
 *        left after), printed. (Writing a snapshot grows the RSS: RSS figures of such a run
 *        mean little.)
 * Not a test: it prints numbers that depend on the machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, sleep, spawnProc } from '../src/peers/processes';
import { ProsodyServer } from '../src/peers/prosody';
import { BenchBot } from './bots';
import { diff, summarize, type HeapSnapshotJson } from './heap-summary';
import { inNamespace, rssKb } from './measure';
import type { GatewayStats } from './soak-gateway';

const ROOT = path.join(__dirname, '..', '..');
const SCEN = path.join(ROOT, 'bench', 'scenarios');
const SECRET = 'bench-secret';
const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const COUNTS = (arg('counts') ?? '1000,10000').split(',').map(Number);
const RATE = Number(arg('rate') ?? 250);
const USERS = Number(arg('users') ?? 8);
const SNAPSHOTS = arg('snapshots');
const SETTLE_S = Number(arg('settle') ?? 0);
const TARGET_KB = 20;

const mb = (b: number | undefined): string => (b === undefined ? '?' : `${(b / 1048576).toFixed(1)} MB`);

/** The gateway child: its IPC answers stats (heap after a full GC) and writes heap snapshots. */
class Gateway {
  private constructor(readonly child: ChildProcess) {}
  tail = '';

  static async start(config: string): Promise<Gateway> {
    const child = fork(path.join(__dirname, 'soak-gateway.js'), ['--config', config], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const g = new Gateway(child);
    child.stderr?.on('data', (d: Buffer) => (g.tail = (g.tail + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${g.tail}`)));
    });
    return g;
  }

  private ask<T>(m: object, pick: (r: Record<string, unknown>) => T | undefined): Promise<T> {
    return new Promise((resolve) => {
      const on = (r: Record<string, unknown>): void => {
        const v = pick(r);
        if (v === undefined) return;
        this.child.off('message', on);
        resolve(v);
      };
      this.child.on('message', on);
      this.child.send(m);
    });
  }

  stats(gc = false): Promise<GatewayStats> {
    return this.ask({ ask: 'stats', gc }, (r) => r.stats as GatewayStats | undefined);
  }

  snapshot(file: string): Promise<string> {
    return this.ask({ ask: 'snapshot', file }, (r) => r.snapshot as string | undefined);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function gatewayYaml(o: { component: number; sip: number; http: number }): string {
  return `# bench/memory.ts: the e2e bed's settings, limits out of the way, no in-dialog probes
# (the holding SIPp caller answers none), log at warn
xmpp: { service: "xmpp://127.0.0.1:${o.component}", domain: gw.localhost, secret: ${SECRET} }
sip:
  listen: [ "udp://127.0.0.1:${o.sip}" ]
  outbound: sip:127.0.0.1:9 # unused: every call here comes from SIP
  trusted: [ "127.0.0.0/8" ]
  keepalive: { intervalSeconds: 0 }
  trunkKeepalive: { intervalSeconds: 0 }
calls: { gatherWindowMs: 0 }
limits: { calls: 100000, callsPerUser: 100000, callsPerSource: 100000, attemptsPerSecond: 100000, attemptsPerSecondPerUser: 100000, attemptsPerSecondPerSource: 100000 }
log: { level: warn, format: json }
http: { listen: '127.0.0.1:${o.http}' }
`;
}

/** SIPp places `n` calls at `rate`/s, each held `holdMs`; resolves when SIPp exits. */
async function sippCalls(
  dir: string,
  target: string,
  users: string,
  n: number,
  rate: number,
  holdMs: number,
): Promise<{ exited: Promise<{ ok: number; failed: number }>; pid: number | undefined }> {
  const stat = path.join(dir, `uac-${n}.csv`);
  const p = spawnProc('sipp uac', 'sipp', [
    target,
    ...['-sf', path.join(SCEN, 'hold-uac.xml'), '-inf', users, '-i', '127.0.0.1'],
    ...['-p', String(await freePort()), '-cp', String(await freePort())],
    ...['-r', String(rate), '-m', String(n), '-l', String(n + 10), '-d', String(holdMs)],
    ...['-buff_size', '4194304', '-nostdin', '-recv_timeout', '20000'],
    ...['-trace_stat', '-stf', stat, '-fd', '1'],
    ...['-max_recv_loops', '10000', '-max_sched_loops', '10000'],
  ]);
  const exited = p.exited.then(() => {
    const lines = fs.existsSync(stat) ? fs.readFileSync(stat, 'utf8').trim().split('\n') : [];
    const head = (lines[0] ?? '').split(';');
    const last = (lines[lines.length - 1] ?? '').split(';');
    const col = (k: string): number => Number(last[head.indexOf(k)] ?? 0);
    return { ok: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
  });
  return { exited, pid: p.pid };
}

/** Polls until `done(stats)` or `ms` passed; the last stats. */
async function until(g: Gateway, ms: number, done: (s: GatewayStats) => boolean): Promise<GatewayStats> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await g.stats();
    if (done(s) || Date.now() > end) return s;
    await sleep(500);
  }
}

interface Reading {
  at: string;
  liveCalls: number;
  liveDialogs: number;
  heap: number;
  rss: number;
  prosodyRssKb: number;
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
  const users = Array.from({ length: USERS }, (_, i) => `alice${i}`);
  const usersCsv = path.join(tmp, 'users.csv');
  fs.writeFileSync(usersCsv, `SEQUENTIAL\n${users.join('\n')}\n`);
  const stops: Array<() => Promise<unknown>> = [];
  const readings: Reading[] = [];
  console.log(`bench:memory — calls held: ${COUNTS.join(', ')} at ${RATE}/s, node ${process.version}`);
  try {
    const prosody = await ProsodyServer.start({
      secret: SECRET,
      tuned: true,
      users: users.map((u) => [u, 'pass'] as [string, string]),
    });
    stops.push(() => prosody.dispose());
    const sipPort = await freePort();
    const cfg = path.join(tmp, 'gateway.yaml');
    fs.writeFileSync(
      cfg,
      gatewayYaml({ component: prosody.componentPort, sip: sipPort, http: await freePort() }),
    );
    const g = await Gateway.start(cfg);
    stops.push(() => g.stop());
    const bots = await Promise.all(users.map((u) => BenchBot.connect(prosody.c2sPort, u, 'pass')));
    stops.push(() => Promise.all(bots.map((b) => b.stop())));
    const target = `127.0.0.1:${sipPort}`;
    const read = async (at: string): Promise<Reading> => {
      const s = await g.stats(true);
      const r = {
        at,
        liveCalls: s.liveCalls,
        liveDialogs: s.liveDialogs,
        heap: s.heapAfterGc ?? s.heapUsed,
        rss: s.rss,
        prosodyRssKb: rssKb(prosody.pid as number),
      };
      readings.push(r);
      console.log(
        `  ${at.padEnd(26)} live calls ${String(r.liveCalls).padStart(6)}  dialogs ${String(r.liveDialogs).padStart(6)}  ` +
          `heap ${mb(r.heap).padStart(9)}  RSS ${mb(r.rss).padStart(9)}  Prosody RSS ${mb(r.prosodyRssKb * 1024)}`,
      );
      return r;
    };
    const idle = async (): Promise<void> => {
      await until(g, 60_000, (s) => s.liveCalls === 0 && s.liveDialogs === 0);
    };

    // Warm-up: the code paths compiled, pools and caches filled; then transactions end (32 s).
    const warm = await sippCalls(tmp, target, usersCsv, 400, Math.min(RATE, 200), 100);
    await warm.exited;
    await idle();
    await sleep(33_000);
    const base = await read('baseline (after warm-up)');
    let baseSnap: string | undefined;
    if (SNAPSHOTS !== undefined) {
      fs.mkdirSync(SNAPSHOTS, { recursive: true });
      baseSnap = await g.snapshot(path.resolve(SNAPSHOTS, 'baseline.heapsnapshot'));
    }
    const perCall: Array<{
      n: number;
      heapPerCall: number;
      rssPerCall: number;
      after: number;
      settled: number;
      late?: number;
    }> = [];
    for (const n of COUNTS) {
      const rampS = n / RATE;
      const run = await sippCalls(tmp, target, usersCsv, n, RATE, Math.round((rampS + 60) * 1000));
      const up = await until(g, (rampS + 20) * 1000, (s) => s.liveCalls >= n);
      if (up.liveCalls < n) console.log(`  only ${up.liveCalls} of ${n} calls came up`);
      await read(`${n} calls up`);
      // The setup transactions (INVITE server transaction: 64·T1 after the 2xx, RFC 6026 §8.7)
      // end; what is left is what a held call costs.
      await sleep(33_000);
      const live = await read(`${n} calls up + 33 s`);
      if (baseSnap !== undefined && n === COUNTS[0]) {
        const file = await g.snapshot(path.resolve(SNAPSHOTS as string, `live-${n}.heapsnapshot`));
        printDiff(baseSnap, file, live.liveCalls);
      }
      const r = await run.exited;
      console.log(`  SIPp: ${r.ok} calls completed, ${r.failed} failed`);
      await idle();
      const after = await read(`${n} calls ended`);
      await sleep(33_000);
      const settled = await read(`${n} calls ended + 33 s`);
      let late: Reading | undefined;
      if (SETTLE_S > 0) {
        await sleep(SETTLE_S * 1000);
        late = await read(`${n} calls ended + ${33 + SETTLE_S} s`);
      }
      if (baseSnap !== undefined && n === COUNTS[COUNTS.length - 1]) {
        const file = await g.snapshot(path.resolve(SNAPSHOTS as string, `ended-${n}.heapsnapshot`));
        console.log(`  (after ${n} calls ended, growth over the baseline in all, not per call:)`);
        printDiff(baseSnap, file, 1);
      }
      perCall.push({
        n: live.liveCalls,
        heapPerCall: (live.heap - base.heap) / Math.max(1, live.liveCalls),
        rssPerCall: (live.rss - base.rss) / Math.max(1, live.liveCalls),
        after: after.heap - base.heap,
        settled: settled.heap - base.heap,
        ...(late ? { late: late.heap - base.heap } : {}),
      });
    }
    console.log(
      '\nlive calls   heap/call   RSS/call   heap after − baseline: ended   + 33 s   (target ≤ 20 KB heap/call)',
    );
    for (const p of perCall)
      console.log(
        `${String(p.n).padStart(10)}   ${(p.heapPerCall / 1024).toFixed(1).padStart(6)} KB   ${(p.rssPerCall / 1024).toFixed(1).padStart(5)} KB` +
          `   ${mb(p.after).padStart(28)}   ${mb(p.settled).padStart(7)}` +
          `${p.late === undefined ? '' : `   + ${33 + SETTLE_S} s: ${mb(p.late)}`}   ${p.heapPerCall / 1024 <= TARGET_KB ? 'met' : 'OVER'}`,
      );
    const out = arg('json') ?? path.join(os.tmpdir(), 'bench-memory.json');
    fs.writeFileSync(
      out,
      JSON.stringify({ at: new Date().toISOString(), rate: RATE, readings, perCall }, null, 1),
    );
    console.log(`readings as JSON: ${out}`);
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** What `n` live calls keep, by constructor: the 15 biggest growths, per call. */
function printDiff(beforeFile: string, afterFile: string, n: number): void {
  const load = (f: string): HeapSnapshotJson => JSON.parse(fs.readFileSync(f, 'utf8')) as HeapSnapshotJson;
  const rows = diff(summarize(load(beforeFile)), summarize(load(afterFile))).slice(0, 15);
  console.log(`  heap growth with ${n} live calls, by constructor (per call):`);
  for (const [k, v] of rows)
    console.log(
      `    ${k.slice(0, 40).padEnd(40)} ${(v.count / n).toFixed(1).padStart(7)} objects  ${(v.size / n).toFixed(0).padStart(7)} B`,
    );
}

if (inNamespace(__filename, argv))
  main().catch((e: Error) => {
    console.error(`bench:memory: ${e.stack ?? e.message}`);
    process.exit(1);
  });
