/**
 * Peer processes for the demo and the real-peer tests (Prosody, SIPp, Kamailio, baresip,
 * rtpengine): started with a PID that is tracked, stopped by that PID (SIGTERM, then SIGKILL) —
 * by the tests in afterEach/afterAll, also on failure, by the demo on Ctrl-C. Free ports are
 * found by binding port 0 on loopback.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<Proc>();

export function spawnProc(
  name: string,
  cmd: string,
  args: string[],
  /** `removeOnExit`: a scratch folder of the process's own, deleted once it has exited. */
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; removeOnExit?: string } = {},
): Proc {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.input !== undefined) child.stdin?.write(opts.input);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (e) => {
      out += `spawn error: ${e.message}\n`;
      resolve({ code: -1, signal: null });
    });
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const pid = child.pid;
  let done = false;
  void exited.then(() => {
    done = true;
    if (opts.removeOnExit !== undefined) fs.rmSync(opts.removeOnExit, { recursive: true, force: true });
  });
  const proc: Proc = {
    name,
    pid,
    child,
    exited,
    output: () => out,
    stop: async () => {
      running.delete(proc);
      if (done) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 2000))),
      ]);
      clearTimeout(timer);
      if (!killed) {
        // Its own children too: Kamailio's workers outlived a SIGKILL of their main process
        // (seen after a loaded CI run), reparented away from us and still holding its port.
        for (const p of [pid, ...descendantsOf(pid)]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await exited;
      }
    },
  };
  running.add(proc);
  return proc;
}

/** The processes below `root` (children, theirs…), from /proc; empty where there is none. */
export function descendantsOf(root: number): number[] {
  const parent = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after it follow its last ')'.
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* it ended while we looked */
    }
  }
  const below: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        below.push(pid);
        break;
      }
    }
  }
  return below;
}

/** Stops every process started through {@link spawnProc} that is still tracked. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const handedOut = new Set<number>();

/** A port free for both UDP and TCP on `host` (not handed out before in this process). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, host, () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (handedOut.has(port)) continue;
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      u.once('error', () => resolve(false));
      u.bind(port, host, () => u.close(() => resolve(true)));
    });
    if (udpFree) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port');
}

/** Whether `port` is free for both TCP and UDP on `host` right now. */
async function bindable(port: number, host: string): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    u.once('error', () => resolve(false));
    u.bind(port, host, () => u.close(() => resolve(true)));
  });
}

/**
 * A port `p` with `p + 1` free too (TCP and UDP), both handed out: for a peer that binds the next
 * port itself (baresip opens SIP over TLS on its SIP port + 1) on a port fixed in advance, e.g.
 * in the gateway's config. Taken below the kernel's ephemeral range (Linux: 32768–60999), where
 * no outgoing connection of another process is given `p + 1` between now and the peer's start,
 * and above the rtpengine test ranges (20000–29999, ./rtpengine.ts).
 */
export async function freePortPair(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 30000 + 2 * Math.floor(Math.random() * 1383);
    if (handedOut.has(port) || handedOut.has(port + 1)) continue;
    if ((await bindable(port, host)) && (await bindable(port + 1, host))) {
      handedOut.add(port);
      handedOut.add(port + 1);
      return port;
    }
  }
  throw new Error('no free pair of ports');
}

/** Resolves when a TCP port accepts connections, or rejects after `ms`. */
export async function waitForTcp(host: string, port: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${host}:${port} not open after ${ms} ms`);
    await sleep(50);
  }
}

/**
 * For a server started with `spawn` (Prosody, ejabberd): collects its stdout and stderr, and
 * resolves once every TCP `port` on 127.0.0.1 accepts connections — or rejects with that output
 * when the process exits first, or after `ms`.
 */
export async function waitForServer(
  name: string,
  child: ChildProcess,
  ports: number[],
  ms: number,
): Promise<void> {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${output.slice(-2000)}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([Promise.all(ports.map((p) => waitForTcp('127.0.0.1', p, ms))), exited]);
}

/** Stops a `spawn`ed server by its PID: SIGTERM, SIGKILL after `killAfterMs`; waits for the exit. */
export async function stopChild(child: ChildProcess | undefined, killAfterMs: number): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** Whether `bin` is on the PATH. */
export function commandAvailable(bin: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && fs.existsSync(path.join(dir, bin)));
}

/** Whether the Debian package `pkg` is installed. */
export function debInstalled(pkg: string): boolean {
  try {
    execFileSync('dpkg-query', ['-W', pkg], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Polls `cond` until true, or throws after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
