/**
 * Helpers for the CLI contract tests: build dist/ once if it is missing or older than src/, and
 * run the real bin (bin/jingle-sip-gateway.js) as a child process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'jingle-sip-gateway.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const MAIN_JS = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function isStale(): boolean {
  if (!fs.existsSync(MAIN_JS)) return true;
  return newestMtime(path.join(ROOT, 'src')) > newestMtime(path.join(ROOT, 'dist', 'src'));
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `npm run build` when dist/ is missing or stale. Jest runs the test files in parallel
 * workers, so a directory lock keeps two builds from writing dist/ at the same time.
 */
export function ensureBuilt(): void {
  if (!isStale()) return;
  const lock = path.join(os.tmpdir(), `jsg-cli-build-${Buffer.from(ROOT).toString('hex').slice(-32)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than two minutes is left over from a killed run.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmdirSync(lock);
      } catch {
        /* it went away meanwhile */
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for another build');
      sleep(200);
    }
  }
  try {
    if (!isStale()) return;
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    // tsc emits even with type errors (e.g. someone else's work in bench/); only a missing
    // output is fatal here.
    if (r.status !== 0 && !fs.existsSync(MAIN_JS)) {
      throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
    }
    if (r.status !== 0) console.warn(`npm run build exited ${r.status}; testing the emitted dist/`);
  } finally {
    fs.rmdirSync(lock);
  }
}

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `node bin/jingle-sip-gateway.js ...args`, optionally with `input` on stdin, in the test
 * environment (no `JSG_*` secrets, test/support/clean-env.ts) plus `env`.
 */
export function cli(args: string[], input?: string | Buffer, env: NodeJS.ProcessEnv = {}): CliResult {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms };
}

/** `translate --from X --to Y [...extra] FILE` */
export function translate(from: string, to: string, file: string, extra: string[] = []): CliResult {
  return cli(['translate', '--from', from, '--to', to, ...extra, file]);
}

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

export function readFixture(...parts: string[]): string {
  return fs.readFileSync(fixture(...parts), 'utf8');
}
