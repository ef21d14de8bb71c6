/**
 * What the benches read from the machine (/proc, the private network namespace) and the one
 * percentile they all use. Linux only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * The `p` quantile (0 ≤ p ≤ 1) of `xs` by the nearest-rank method: the smallest value with at
 * least p·n values at or below it (p = 0 gives the minimum). NaN for no values.
 */
export function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * s.length));
  return s[Math.min(s.length, rank) - 1] as number;
}

let tickUs: number | undefined;

/** utime + stime of `pid` and every process below it, in µs (Kamailio forks its workers). */
export function cpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  tickUs ??= 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
  const kids = new Map<number, number[]>();
  const own = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command (which is in parentheses and may hold spaces).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    own.set(Number(d), (Number(f[11]) + Number(f[12])) * tickUs);
    kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)]);
  }
  let sum = 0;
  const walk = (p: number): void => {
    sum += own.get(p) ?? 0;
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(pid);
  return sum;
}

export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** Udp RcvbufErrors of this network namespace (/proc/net/snmp). */
export function rcvbufErrors(): number {
  const lines = fs
    .readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const head = (lines[0] ?? '').split(/\s+/);
  const vals = (lines[1] ?? '').split(/\s+/);
  return Number(vals[head.indexOf('RcvbufErrors')] ?? NaN);
}

/**
 * Root outside a private network namespace: runs this script again inside one (`unshare -n`,
 * loopback only, nobody else's ports) and returns false; true when the caller should go on here.
 */
export function inNamespace(script: string, args: string[]): boolean {
  if (process.env.JSG_BENCH_NETNS === '1') return true;
  if (process.getuid?.() !== 0) {
    console.log('(not root: running in the shared network namespace)');
    return true;
  }
  const r = spawnSync(
    'unshare',
    [
      '-n',
      'sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      ...process.execArgv,
      script,
      ...args,
    ],
    { stdio: 'inherit', env: { ...process.env, JSG_BENCH_NETNS: '1' } },
  );
  process.exitCode = r.status ?? 1;
  return false;
}
