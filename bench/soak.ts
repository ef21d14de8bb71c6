/**
 * Soak (issue 10): many short calls through the gateway, both ways, against real peers, and what
 * the gateway process looks like before and after. Not a test: it prints numbers.
 *
 * Run:   npm run soak                       (100,000 calls: builds, then node dist/bench/soak.js)
 *        npm run soak -- --calls 2000       (a quick run)
 *        options: --calls N  --rate R (calls/s, both directions together; default 250)
 *                 --hold MS (call length; default 200)  --settle S (seconds; default 35)
 *                 --heap-snapshots (writes the gateway's heap, warm and settled, to the current
 *                 folder: open them in Chrome DevTools → Memory to see what a call leaves)
 *                 --log FILE (the gateway logs at debug into FILE, to follow a failed call)
 *
 * - The gateway runs as its own process (bench/soak-gateway.ts = `jingle-sip-gateway run
 *   --config F`, with an IPC channel for its live-call count and memory): its RSS and fds are
 *   its own. Prosody (src/peers/prosody.ts), SIPp and the XMPP users are outside it.
 * - SIP → XMPP, half the calls: SIPp (test/scenarios/sipp/short-call-uac.xml) calls alice@localhost at
 *   rate/2; alice (an @xmpp/client user here) proceeds on the JMI propose and accepts; SIPp hangs
 *   up after --hold ms.
 * - XMPP → SIP, the other half: four XMPP users call +15551230000 at rate/2 in all; SIPp
 *   (short-call-uas.xml) rings and answers; the caller hangs up after --hold ms.
 * - A warm-up of 2 % (at least 200 calls) runs first; the numbers compare the process cold, warm,
 *   right after the calls, and --settle seconds later (SIP transactions live 64·T1 = 32 s).
 * Prints: calls placed, completed and failed per direction, calls per second achieved, UDP drops
 * in the kernel, live calls at the end (must be 0: else the exit code is 1, the calls' states and
 * what SIPp logged about them are printed, and the scratch folder is kept), heap (after a full
 * GC), RSS and open fds of the gateway process. Every process it starts is stopped by its PID.
 *
 * Offered more than the machine can carry (e.g. --rate 800 on two cores), the kernel drops UDP
 * and a few SIP → XMPP calls whose every BYE was lost stay up: nothing in SIP ends an
 * established call whose peer went away unless RFC 4028 session timers run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { client, type Client } from '@xmpp/client';
import type { Element } from 'ltx';
import { freePort, sleep, spawnProc, type Proc } from '../src/peers/processes';
import { ProsodyServer } from '../src/peers/prosody';
import { xml } from '../src/xmpp/stanza/xml';
import type { GatewayStats } from './soak-gateway';

const ROOT = path.join(__dirname, '..', '..');
const SCENARIOS = path.join(ROOT, 'test', 'scenarios', 'sipp');
const SECRET = 'soak-secret';
const GW = 'gw.localhost';
const CALLEE = `+15551230000@${GW}`;
const NS_JINGLE = 'urn:xmpp:jingle:1';
const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
const NS_ICE = 'urn:xmpp:jingle:transports:ice-udp:1';
const NS_DTLS = 'urn:xmpp:jingle:apps:dtls:0';
const NS_JMI = 'urn:xmpp:jingle-message:0';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const CALLERS = 4;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} ${process.argv[i + 1]}: not a positive number`);
  return n;
}

const CALLS = Math.floor(flag('calls', 100_000));
const RATE = flag('rate', 250);
const HOLD_MS = flag('hold', 200);
const SETTLE_S = flag('settle', 35);
const SNAPSHOTS = process.argv.includes('--heap-snapshots');
/** `--log FILE`: the gateway logs at debug into FILE (slower; to look into a failed call). */
const LOG_FILE = process.argv.includes('--log') ? process.argv[process.argv.indexOf('--log') + 1] : undefined;

const mb = (b: number | undefined): string => (b === undefined ? '?' : `${(b / 1024 / 1024).toFixed(1)} MB`);
const fingerprint = (byte: string): string => Array(32).fill(byte).join(':');

/** An XMPP user: IQs by id, Jingle sets answered with a result and handed to `onJingle`. */
class User {
  private readonly pending = new Map<string, (s: Element) => void>();
  onJingle: (iq: Element) => void = () => undefined;
  onMessage: (m: Element) => void = () => undefined;
  private constructor(
    readonly x: Client,
    readonly jid: string,
  ) {}

  static async connect(port: number, username: string, password: string): Promise<User> {
    const x = client({
      service: `xmpp://127.0.0.1:${port}`,
      domain: 'localhost',
      resource: 'soak',
      username,
      password,
    });
    x.reconnect.stop();
    x.on('error', () => undefined);
    const holder: { u?: User } = {};
    x.iqCallee.set(NS_JINGLE, 'jingle', ({ stanza }) => {
      holder.u?.onJingle(stanza);
      return true;
    });
    x.iqCallee.get(NS_DISCO_INFO, 'query', ({ element }) =>
      xml(
        'query',
        { xmlns: NS_DISCO_INFO, node: element.attrs.node },
        ...[NS_DISCO_INFO, NS_JINGLE, NS_RTP, 'urn:xmpp:jingle:apps:rtp:audio', NS_ICE, NS_JMI].map((f) =>
          xml('feature', { var: f }),
        ),
      ),
    );
    x.on('stanza', (s: Element) => {
      const u = holder.u;
      if (!u) return;
      if (s.name === 'message') return u.onMessage(s);
      if (s.name !== 'iq' || (s.attrs.type !== 'result' && s.attrs.type !== 'error')) return;
      const done = u.pending.get(s.attrs.id ?? '');
      if (done) {
        u.pending.delete(s.attrs.id ?? '');
        done(s);
      }
    });
    await x.start();
    const u = new User(x, x.jid?.toString() ?? `${username}@localhost/soak`);
    holder.u = u;
    await x.send(xml('presence'));
    return u;
  }

  /** Sends an IQ set; resolves true on a result, false on an error or after 20 s. */
  iq(el: Element): Promise<boolean> {
    const id = `s${randomUUID()}`;
    el.attrs.id = id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(false);
      }, 20_000);
      this.pending.set(id, (s) => {
        clearTimeout(timer);
        resolve(s.attrs.type === 'result');
      });
      this.x.send(el).catch(() => undefined);
    });
  }

  send(el: Element): void {
    this.x.send(el).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.x.stop().catch(() => undefined);
  }
}

const jingle = (to: string, attrs: Record<string, string>, ...children: Element[]): Element =>
  xml('iq', { type: 'set', to }, xml('jingle', { xmlns: NS_JINGLE, ...attrs }, ...children));

const candidate = (port: number): Element =>
  xml('candidate', {
    component: 1,
    foundation: '1',
    generation: 0,
    id: 'c1',
    ip: '127.0.0.1',
    network: 0,
    port,
    priority: 2122260223,
    protocol: 'udp',
    type: 'host',
  });

const audio = (): Element =>
  xml(
    'description',
    { xmlns: NS_RTP, media: 'audio' },
    xml('payload-type', { id: 111, name: 'opus', clockrate: 48000, channels: 2 }),
    xml('payload-type', { id: 126, name: 'telephone-event', clockrate: 8000 }),
    xml('rtcp-mux'),
  );

/** A Conversations-style offer: one audio content, ICE-UDP with a host candidate, DTLS actpass. */
const offer = (sid: string, from: string): Element =>
  jingle(
    CALLEE,
    { action: 'session-initiate', sid, initiator: from },
    xml(
      'content',
      { creator: 'initiator', name: '0', senders: 'both' },
      audio(),
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: 'cLiE', pwd: 'clientpasswordclientpass' },
        xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'actpass' }, fingerprint('C0')),
        candidate(40000),
      ),
    ),
  );

/** alice's answer to the gateway's session-initiate: same content names, DTLS setup=active. */
function accept(initiate: Element, from: string): Element {
  const j = initiate.getChild('jingle', NS_JINGLE) as Element;
  const contents = j
    .getChildren('content')
    .map((c) =>
      xml(
        'content',
        { creator: 'initiator', name: String(c.attrs.name), senders: 'both' },
        audio(),
        xml(
          'transport',
          { xmlns: NS_ICE, ufrag: 'aLiC', pwd: 'alicepasswordalicepasswd' },
          xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'active' }, fingerprint('A1')),
          candidate(41000),
        ),
      ),
    );
  return jingle(
    String(initiate.attrs.from),
    { action: 'session-accept', sid: String(j.attrs.sid), responder: from },
    ...contents,
  );
}

/**
 * UDP datagrams the kernel dropped because a socket's receive buffer was full (system-wide,
 * /proc/net/snmp `Udp: RcvbufErrors`): an overloaded run loses SIP messages here, and a call
 * whose every BYE is lost stays up (nothing in SIP ends it without session timers).
 */
function udpReceiveDrops(): number {
  const rows = fs
    .readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp: '));
  const head = (rows[0] ?? '').split(/\s+/);
  const values = (rows[1] ?? '').split(/\s+/);
  return Number(values[head.indexOf('RcvbufErrors')] ?? 0);
}

/** The last row of SIPp's stat CSV, by column. */
function sippStats(file: string): Record<string, string> {
  const lines = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
    : [];
  if (lines.length < 2) return {};
  const head = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  return Object.fromEntries(head.map((h, i) => [h, last[i] ?? '']));
}

async function sipp(dir: string, name: string, args: string[]): Promise<{ proc: Proc; stat: string }> {
  const stat = path.join(dir, `${name}.csv`);
  const proc = spawnProc('sipp', 'sipp', [
    ...args,
    '-i',
    '127.0.0.1',
    '-t',
    'u1',
    '-nostdin',
    '-cp',
    String(await freePort()),
    '-trace_stat',
    '-stf',
    stat,
    '-fd',
    '5',
    '-recv_timeout',
    '30000',
    '-trace_err',
    '-error_file',
    path.join(dir, `${name}-errors.log`),
  ]);
  return { proc, stat };
}

/** The gateway child: forked, ready once its component is online. */
class GatewayProcess {
  private waiters: Array<(s: GatewayStats) => void> = [];
  errors = 0;
  /** Warnings logged, by message. */
  readonly warnings = new Map<string, number>();
  private tail = '';
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: { stats?: GatewayStats }) => {
      if (m.stats) for (const w of this.waiters.splice(0)) w(m.stats);
    });
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.errors += (text.match(/"level":"error"/g) ?? []).length;
      for (const m of text.matchAll(/"level":"warn","message":"([^"]*)"/g))
        this.warnings.set(m[1] ?? '', (this.warnings.get(m[1] ?? '') ?? 0) + 1);
      this.tail = (this.tail + text).slice(-4000);
      if (LOG_FILE !== undefined) fs.appendFileSync(LOG_FILE, text);
    });
  }

  static async start(config: string): Promise<GatewayProcess> {
    const child = fork(path.join(__dirname, 'soak-gateway.js'), ['--config', config], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const g = new GatewayProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${g.tail}`)));
    });
    return g;
  }

  /** Writes a heap snapshot of the gateway process to `file`. */
  snapshot(file: string): Promise<void> {
    return new Promise((resolve) => {
      const on = (m: { snapshot?: string }) => {
        if (m.snapshot === undefined) return;
        this.child.off('message', on);
        resolve();
      };
      this.child.on('message', on);
      this.child.send({ ask: 'snapshot', file });
    });
  }

  stats(gc = false): Promise<GatewayStats> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.child.send({ ask: 'stats', gc });
    });
  }

  fds(): number {
    return fs.readdirSync(`/proc/${this.child.pid}/fd`).length;
  }

  log(): string {
    return this.tail;
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

interface Snapshot {
  at: string;
  liveCalls: number;
  liveDialogs: number;
  heapAfterGc?: number;
  rss: number;
  fds: number;
}

async function snapshot(g: GatewayProcess, at: string): Promise<Snapshot> {
  const s = await g.stats(true);
  return {
    at,
    liveCalls: s.liveCalls,
    liveDialogs: s.liveDialogs,
    heapAfterGc: s.heapAfterGc,
    rss: s.rss,
    fds: g.fds(),
  };
}

async function untilIdle(g: GatewayProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await g.stats();
    if (s.liveCalls === 0 && s.liveDialogs === 0) return;
    if (Date.now() > until) return;
    await sleep(250);
  }
}

interface Tally {
  placed: number;
  completed: number;
  failed: number;
  /** What SIPp says about its failed calls. */
  why?: string;
}

/** XMPP → SIP: `count` calls from `callers` at `rate`/s; each is up, held, hung up. */
async function xmppCalls(callers: User[], count: number, rate: number): Promise<Tally> {
  const t: Tally = { placed: 0, completed: 0, failed: 0 };
  const accepted = new Map<string, () => void>();
  for (const c of callers) {
    c.onJingle = (iq) => {
      const j = iq.getChild('jingle', NS_JINGLE);
      if (j?.attrs.action === 'session-accept') accepted.get(String(j.attrs.sid))?.();
    };
  }
  const one = async (caller: User): Promise<void> => {
    const sid = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const up = new Promise<boolean>((resolve) => {
      accepted.set(sid, () => resolve(true));
      timer = setTimeout(() => resolve(false), 20_000);
    });
    const ok = (await caller.iq(offer(sid, caller.jid))) && (await up);
    clearTimeout(timer);
    accepted.delete(sid);
    if (ok) await sleep(HOLD_MS);
    const hungUp = await caller.iq(
      jingle(CALLEE, { action: 'session-terminate', sid }, xml('reason', {}, xml('success'))),
    );
    if (ok && hungUp) t.completed++;
    else t.failed++;
  };
  const running = new Set<Promise<void>>();
  const t0 = Date.now();
  while (t.placed < count) {
    // Calls due by now at `rate`; never more than 4 s worth in flight.
    const due = Math.min(count, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
    while (t.placed < due && running.size < rate * 4) {
      const p = one(callers[t.placed % callers.length] as User).finally(() => running.delete(p));
      running.add(p);
      t.placed++;
    }
    await sleep(10);
  }
  await Promise.all(running);
  return t;
}

/** SIP → XMPP: SIPp places `count` calls at `rate`/s; alice answers each. */
async function sipCalls(
  dir: string,
  name: string,
  sipPort: number,
  count: number,
  rate: number,
): Promise<Tally> {
  const { proc, stat } = await sipp(dir, name, [
    `127.0.0.1:${sipPort}`,
    '-sf',
    path.join(SCENARIOS, 'short-call-uac.xml'),
    '-p',
    String(await freePort()),
    '-m',
    String(count),
    '-r',
    String(rate),
    '-l',
    String(Math.ceil(rate * 4)),
    '-d',
    String(HOLD_MS),
  ]);
  await proc.exited;
  const s = sippStats(stat);
  const why = Object.entries(s)
    .filter(([k, v]) => k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(v) > 0)
    .map(([k, v]) => `${k.slice(6, -3)} ${v}`);
  return {
    placed: Number(s['TotalCallCreated'] ?? 0),
    completed: Number(s['SuccessfulCall(C)'] ?? 0),
    failed: Number(s['FailedCall(C)'] ?? 0),
    why: why.join(', '),
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-soak-'));
  const users: Array<[string, string]> = [
    ['alice', 'alicepass'],
    ...Array.from({ length: CALLERS }, (_, i): [string, string] => [`caller${i}`, 'callerpass']),
  ];
  const prosody = await ProsodyServer.start({ secret: SECRET, users });
  const sipPort = await freePort();
  const uasPort = await freePort();
  const warmup = Math.max(200, Math.floor(CALLS / 50));
  const sipHalf = (n: number): number => Math.floor(n / 2);
  const xmppHalf = (n: number): number => n - Math.floor(n / 2);
  const config = path.join(dir, 'soak.yaml');
  fs.writeFileSync(
    config,
    `# bench/soak.ts: limits out of the way (docs/policy.md §Limits), warnings and errors only
xmpp: { service: "xmpp://127.0.0.1:${prosody.componentPort}", domain: ${GW}, secret: ${SECRET} }
sip:
  listen: [ "udp://127.0.0.1:${sipPort}" ]
  outbound: sip:127.0.0.1:${uasPort}
  trusted: [ "127.0.0.0/8" ]
  # The SIPp callee (short-call-uas.xml) answers INVITEs only: an OPTIONS keep-alive would find
  # it "down" and every XMPP → SIP call would then fail fast (docs/policy.md §Trunk keep-alive).
  trunkKeepalive: { intervalSeconds: 0 }
calls: { gatherWindowMs: 50, noAnswerSeconds: 30 }
limits: { calls: 1000000, callsPerUser: 100000, callsPerSource: 1000000, attemptsPerSecond: 100000,
          attemptsPerSecondPerUser: 100000, attemptsPerSecondPerSource: 100000 }
log: { level: ${LOG_FILE === undefined ? 'warn' : 'debug'} }
`,
  );
  let gateway: GatewayProcess | undefined;
  const xmppUsers: User[] = [];
  let uas: Proc | undefined;
  try {
    gateway = await GatewayProcess.start(config);
    const g = gateway;
    const alice = await User.connect(prosody.c2sPort, 'alice', 'alicepass');
    xmppUsers.push(alice);
    alice.onMessage = (m) => {
      const propose = m.getChildElements().find((c) => c.name === 'propose' && c.getNS() === NS_JMI);
      if (propose)
        alice.send(
          xml(
            'message',
            { to: String(m.attrs.from), type: 'chat' },
            xml('proceed', { xmlns: NS_JMI, id: String(propose.attrs.id) }),
          ),
        );
    };
    alice.onJingle = (iq) => {
      if (iq.getChild('jingle', NS_JINGLE)?.attrs.action === 'session-initiate')
        void alice.iq(accept(iq, alice.jid));
    };
    const callers = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) => User.connect(prosody.c2sPort, `caller${i}`, 'callerpass')),
    );
    xmppUsers.push(...callers);
    const uasRun = await sipp(dir, 'uas', [
      '-sf',
      path.join(SCENARIOS, 'short-call-uas.xml'),
      '-p',
      String(uasPort),
      '-m',
      String(xmppHalf(warmup) + xmppHalf(CALLS)),
    ]);
    uas = uasRun.proc;
    await sleep(500);

    const cold = await snapshot(g, 'cold');
    console.log(`soak: ${CALLS} calls (+ ${warmup} warm-up) at ${RATE}/s, ${HOLD_MS} ms each, half each way`);
    await Promise.all([
      sipCalls(dir, 'warmup-uac', sipPort, sipHalf(warmup), RATE / 2),
      xmppCalls(callers, xmppHalf(warmup), RATE / 2),
    ]);
    await untilIdle(g, 60_000);
    const warm = await snapshot(g, 'warm');
    if (warm.liveCalls !== 0)
      console.log(`  calls left after the warm-up: ${JSON.stringify((await g.stats()).byState)}`);
    if (SNAPSHOTS) await g.snapshot(path.resolve('soak-warm.heapsnapshot'));

    const t0 = Date.now();
    const drops0 = udpReceiveDrops();
    const progress = setInterval(() => {
      void g
        .stats()
        .then((s) =>
          console.log(
            `  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${s.liveCalls} live calls, rss ${mb(s.rss)}`,
          ),
        );
    }, 15_000);
    const [sip, xmpp] = await Promise.all([
      sipCalls(dir, 'uac', sipPort, sipHalf(CALLS), RATE / 2),
      xmppCalls(callers, xmppHalf(CALLS), RATE / 2),
    ]);
    const seconds = (Date.now() - t0) / 1000;
    const drops = udpReceiveDrops() - drops0;
    clearInterval(progress);
    await untilIdle(g, 60_000);
    const after = await snapshot(g, 'after');
    console.log(`  settling ${SETTLE_S} s (SIP transactions end 64·T1 after their last message)`);
    await sleep(SETTLE_S * 1000);
    const settled = await snapshot(g, `${SETTLE_S} s later`);
    if (SNAPSHOTS) await g.snapshot(path.resolve('soak-settled.heapsnapshot'));

    const completed = sip.completed + xmpp.completed;
    console.log('');
    console.log(
      `SIP → XMPP:  placed ${sip.placed}, completed ${sip.completed}, failed ${sip.failed} (SIPp${sip.why ? `: ${sip.why}` : ''})`,
    );
    console.log(`XMPP → SIP:  placed ${xmpp.placed}, completed ${xmpp.completed}, failed ${xmpp.failed}`);
    console.log(
      `achieved:    ${(completed / seconds).toFixed(1)} calls/s (${completed} in ${seconds.toFixed(1)} s)`,
    );
    console.log(`UDP datagrams dropped by the kernel (receive buffers full, whole machine): ${drops}`);
    console.log(
      `live calls at the end: ${settled.liveCalls} (SIP dialogs/transactions of the UA: ${settled.liveDialogs})`,
    );
    console.log('gateway process      live calls   heap after GC   RSS        fds');
    for (const s of [cold, warm, after, settled]) {
      console.log(
        `  ${s.at.padEnd(18)} ${String(s.liveCalls).padStart(10)}   ${mb(s.heapAfterGc).padStart(13)}   ${mb(s.rss).padStart(9)}  ${String(s.fds).padStart(5)}`,
      );
    }
    console.log(
      `gateway error lines logged: ${g.errors}; warnings: ${JSON.stringify(Object.fromEntries(g.warnings))}`,
    );
    if (settled.liveCalls !== 0) {
      const left = await g.stats();
      console.log(`calls left: ${JSON.stringify(left.byState)}`);
      // What SIPp logged about them (its error log names the Call-ID and the scenario step).
      const errors = fs.existsSync(path.join(dir, 'uac-errors.log'))
        ? fs.readFileSync(path.join(dir, 'uac-errors.log'), 'utf8').split('\n')
        : [];
      console.log(
        `  SIPp's error log: ${errors.length} lines, e.g. ${errors.slice(0, 2).join(' | ').slice(0, 400)}`,
      );
      const text = errors.join('\n');
      for (const id of left.someCallIds) {
        // SIPp writes `Call-Id: ID,`, `Call-Id 'ID'` or `Dead call ID (…)`, entries run together.
        const at = [`Call-Id: ${id},`, `Call-Id '${id}'`, `Dead call ${id} `]
          .map((k) => text.indexOf(k))
          .filter((i) => i >= 0);
        const first = at.length > 0 ? Math.min(...at) : -1;
        console.log(
          `  ${id}: ${first < 0 ? 'nothing in the SIPp error log' : text.slice(first, first + 240)}`,
        );
      }
    }
    if (settled.liveCalls !== 0) process.exitCode = 1;
  } finally {
    for (const u of xmppUsers) await u.stop();
    await gateway?.stop();
    await uas?.stop();
    await prosody.dispose();
    if (process.exitCode === 1) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
