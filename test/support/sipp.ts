/**
 * Running SIPp (`sip-tester` 3.6.1) against the SIP leg: one instance per test, `-nostdin`, its
 * own `-cp` control port, `-m 1`, wrapped in `timeout`, with a stat CSV (`-trace_stat`) and a
 * message trace (`-trace_msg`, timestamps per message) in a temp folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, spawnProc, type Proc } from './processes';

export const SCENARIOS = path.join(__dirname, '..', 'scenarios', 'sipp');

export interface SippOptions {
  /** A file in test/scenarios/sipp/, or a built-in scenario name (`uac`, `uas`). */
  scenario: string;
  /** `host:port` to send to (UAC scenarios). */
  remote?: string;
  port: number;
  host?: string;
  transport?: 'u1' | 't1';
  calls?: number;
  timeoutSec?: number;
  /** `-set name value` variables. */
  vars?: Record<string, string>;
  extra?: string[];
}

export interface SippResult {
  code: number | null;
  stats: Record<string, string>;
  trace: TraceEntry[];
  output: string;
}

export interface TraceEntry {
  at: number;
  direction: 'sent' | 'received';
  firstLine: string;
  text: string;
}

export interface Sipp {
  proc: Proc;
  dir: string;
  done: Promise<SippResult>;
}

export async function startSipp(o: SippOptions): Promise<Sipp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipp-'));
  const cp = await freePort();
  const scenarioArgs = /\.xml$/.test(o.scenario)
    ? ['-sf', path.join(SCENARIOS, o.scenario)]
    : ['-sn', o.scenario];
  const args = [
    String(o.timeoutSec ?? 20),
    'sipp',
    ...(o.remote ? [o.remote] : []),
    ...scenarioArgs,
    '-i',
    o.host ?? '127.0.0.1',
    '-p',
    String(o.port),
    '-t',
    o.transport ?? 'u1',
    '-m',
    String(o.calls ?? 1),
    '-nostdin',
    '-cp',
    String(cp),
    '-trace_stat',
    '-stf',
    path.join(dir, 'stat.csv'),
    '-fd',
    '1',
    '-trace_msg',
    '-message_file',
    path.join(dir, 'messages.log'),
    '-trace_err',
    '-error_file',
    path.join(dir, 'errors.log'),
    '-timeout_error',
    ...Object.entries(o.vars ?? {}).flatMap(([k, v]) => ['-set', k, v]),
    ...(o.extra ?? []),
  ];
  const proc = spawnProc('sipp', 'timeout', args, { cwd: dir });
  const done = proc.exited
    .then(({ code }) => ({
      code,
      stats: readStats(path.join(dir, 'stat.csv')),
      trace: readTrace(path.join(dir, 'messages.log')),
      output: proc.output() + readIf(path.join(dir, 'errors.log')),
    }))
    .then((result) => {
      // Everything a test needs is in the result now; keep the folder only when asked to.
      if (!process.env.KEEP_SIPP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
      return result;
    });
  return { proc, dir, done };
}

function readIf(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The last row of SIPp's `;`-separated stat CSV, by column name. */
export function readStats(file: string): Record<string, string> {
  const lines = readIf(file)
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const head = lines[0].split(';');
  const last = lines[lines.length - 1].split(';');
  return Object.fromEntries(head.map((h, i) => [h, last[i] ?? '']));
}

/** Parses `-trace_msg` output: `----- <date> <time>` then `UDP message sent|received …`. */
export function readTrace(file: string): TraceEntry[] {
  const text = readIf(file);
  const out: TraceEntry[] = [];
  const re =
    /-{10,} (\d{4}-\d{2}-\d{2})\t?\s*(\d{2}:\d{2}:\d{2}\.\d+)\s*\n(\S+) message (sent|received)[^\n]*\n\n?([\s\S]*?)(?=\n-{10,} \d{4}|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const at = Date.parse(`${m[1]}T${m[2].slice(0, 12)}`);
    const body = m[5].replace(/^\n+/, '');
    out.push({
      at,
      direction: m[4] as 'sent' | 'received',
      firstLine: body.split(/\r?\n/)[0] ?? '',
      text: body,
    });
  }
  return out;
}
