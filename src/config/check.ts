/**
 * `check-config`: everything `run` would refuse at start-up, found without starting (no socket,
 * no connection), and every problem at once, like `prosodyctl check config` and `kamailio -c`:
 *
 * - the configuration file: YAML syntax (every error), the secrets of the environment
 *   (./env.ts), then the schema (every zod issue, each with the key path and its line);
 * - the listen addresses as the SIP leg opens them (an IP address, not a name);
 * - the TLS files: readable, PEM, a certificate and a key that belong together, not expired;
 * - the mapping tables in `mappings/` (each file, every issue), then compiled as at start-up.
 *
 * The result is data; src/cli/main.ts prints it. Nothing here throws for bad input.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configSchema, resolveTlsPaths, type GatewayConfig } from './config';
import { parseListenUri } from './net';
import { applyEnvOverrides, envVariableFor, type Env } from './env';
import { loadMappings, MAPPING_TABLES, mappingsDir } from './mappings';
import { lineOf, locateIssues, parseYamlFile, type LocatedIssue, type YamlFile } from './validate';
import { parseListen } from '../sip/transport/transport';

/** One problem: the file, the line when known, the key path (or other place), what is wrong. */
export interface Problem {
  file: string;
  line?: number;
  where: string;
  detail: string;
}

export type CheckResult =
  | { ok: true; file: string; config: GatewayConfig; summary: string; fromEnv: string[] }
  | { ok: false; file: string; problems: Problem[] };

export interface CheckOptions {
  /** The configuration file. */
  file: string;
  /** How the file is named in the output (default: `file`). */
  name?: string;
  /** Default: the process environment. */
  env?: Env;
  /** Default: the `mappings/` folder the gateway loads. */
  mappingsDir?: string;
  /** For the expiry check; default now. */
  now?: Date;
}

/** Configuration files are small; a larger one is refused unread. */
const MAX_FILE_BYTES = 1024 * 1024;

/** `gw.yaml:12: sip.trusted[1]: not a CIDR block`. */
export function formatProblem(p: Problem): string {
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.where === '' ? `${at}: ${p.detail}` : `${at}: ${p.where}: ${p.detail}`;
}

/** An fs error in a few words: `no such file`, `permission denied`. */
function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? (e as Error).message;
  }
}

/** The text of a file, or why not. */
function readText(file: string): { text: string } | { error: string } {
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) return { error: 'is a directory' };
    if (!stat.isFile()) return { error: 'not a regular file' };
    if (stat.size > MAX_FILE_BYTES) return { error: `larger than ${MAX_FILE_BYTES} bytes` };
    return { text: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: fsReason(e) };
  }
}

/** A YAML file parsed, its syntax errors as problems. */
function parseYaml(text: string, name: string, problems: Problem[]): YamlFile {
  const yaml = parseYamlFile(text);
  for (const e of yaml.syntax) {
    problems.push(
      e.line === undefined
        ? { file: name, where: '', detail: e.message }
        : { file: name, line: e.line, where: '', detail: e.message },
    );
  }
  return yaml;
}

function at(file: string, line: number | undefined, where: string, detail: string): Problem {
  return line === undefined ? { file, where, detail } : { file, line, where, detail };
}

/** Checks a configuration file and everything it names. */
export function checkConfig(o: CheckOptions): CheckResult {
  const name = o.name ?? o.file;
  const problems: Problem[] = [];
  const read = readText(o.file);
  if ('error' in read)
    return { ok: false, file: name, problems: [at(name, undefined, '', `cannot read: ${read.error}`)] };

  const yaml = parseYaml(read.text, name, problems);
  let config: GatewayConfig | undefined;
  let fromEnv: string[] = [];
  if (problems.length === 0 && (yaml.data === null || yaml.data === undefined)) {
    problems.push(at(name, undefined, '', 'empty: no configuration in it'));
  } else if (problems.length === 0) {
    const env = applyEnvOverrides(yaml.data, o.env ?? process.env);
    fromEnv = env.applied;
    for (const e of env.errors) problems.push(at(name, undefined, e.where, e.detail));
    const parsed = configSchema.safeParse(env.data);
    if (parsed.success) config = resolveTlsPaths(parsed.data as GatewayConfig, o.file);
    else
      for (const issue of typosFirst(locateIssues('config', '', parsed.error))) {
        // A secret left out of the file: say which variable would give it.
        const variable = envVariableFor(issue.path, env.data);
        const unset = variable !== undefined && /^missing$|received null$/.test(issue.error.detail);
        const detail = unset ? `${issue.error.detail} (in the file, or set ${variable})` : issue.error.detail;
        problems.push(at(name, lineOf(yaml, issue.path), issue.error.where, detail));
      }
    // What the schema cannot know, checked on the data as written so that these problems show
    // up together with the schema's (each only where the schema found that key well-formed).
    const sip = record(record(env.data)?.sip);
    checkListen(sip?.listen, yaml, name, problems);
    checkTls(tlsPaths(sip?.tls, o.file), yaml, name, o.now ?? new Date(), problems);
  }
  checkMappings(o.mappingsDir, problems);
  if (problems.length > 0 || config === undefined)
    return { ok: false, file: name, problems: inFileOrder(problems) };
  return { ok: true, file: name, config, summary: summarize(name, config, fromEnv), fromEnv };
}

/** An unknown key is usually a typo and the cause of a "missing" one on its line: it comes first. */
function typosFirst(issues: LocatedIssue[]): LocatedIssue[] {
  return [...issues.filter((i) => i.unknownKey), ...issues.filter((i) => !i.unknownKey)];
}

/** Grouped by file (in the order first seen), each file's by line; those without a line first. */
function inFileOrder(problems: Problem[]): Problem[] {
  const files = [...new Set(problems.map((p) => p.file))];
  return problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        files.indexOf(a.p.file) - files.indexOf(b.p.file) || (a.p.line ?? 0) - (b.p.line ?? 0) || a.i - b.i,
    )
    .map((x) => x.p);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `config OK: gw.yaml — 2 listen addresses, 1 trunk, 3 routes, rtpengine udp://127.0.0.1:22222`. */
function summarize(name: string, c: GatewayConfig, fromEnv: string[]): string {
  const parts = [
    plural(c.sip.listen.length, 'listen address', 'listen addresses'),
    plural(c.sip.trunks?.length ?? 0, 'trunk'),
    `${plural(c.routing.inbound.length + c.routing.outbound.length, 'route')} (${c.routing.inbound.length} in, ${c.routing.outbound.length} out)`,
    c.media.rtpengine !== undefined ? `rtpengine ${c.media.rtpengine}` : 'no rtpengine',
  ];
  if (c.sip.tls !== undefined) parts.push('TLS certificate and key');
  const env = fromEnv.length > 0 ? `; from the environment: ${fromEnv.join(', ')}` : '';
  return `config OK: ${name} — ${parts.join(', ')}${env}`;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/**
 * As the SIP leg opens them (src/sip/transport/transport.ts `parseListen`): an IP address, each once.
 * Entries the schema refuses are its to report.
 */
function checkListen(listen: unknown, yaml: YamlFile, name: string, problems: Problem[]): void {
  if (!Array.isArray(listen)) return;
  const seen = new Map<string, number>();
  listen.forEach((l: unknown, i) => {
    if (typeof l !== 'string' || parseListenUri(l) === undefined) return;
    const where = `sip.listen[${i}]`;
    const line = lineOf(yaml, ['sip', 'listen', i]);
    try {
      const spec = parseListen(l);
      const key = `${spec.transport} ${spec.address} ${spec.port}`;
      const first = seen.get(key);
      if (first !== undefined)
        problems.push(at(name, line, where, `the same address as sip.listen[${first}]`));
      else seen.set(key, i);
    } catch (e) {
      const message = (e as Error).message;
      problems.push(
        at(name, line, where, message.endsWith(`: ${l}`) ? message.slice(0, -l.length - 2) : message),
      );
    }
  });
}

type TlsPaths = Partial<Record<'cert' | 'key' | 'ca', string>>;

/** The TLS file names as written (non-empty strings), relative ones taken from the file's folder. */
function tlsPaths(tls: unknown, file: string): TlsPaths {
  const t = record(tls);
  const out: TlsPaths = {};
  const base = path.dirname(path.resolve(file));
  for (const k of ['cert', 'key', 'ca'] as const) {
    const v = t?.[k];
    if (typeof v === 'string' && v !== '') out[k] = path.resolve(base, v);
  }
  return out;
}

function pemBlocks(text: string, label: string): string[] {
  return text.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g')) ?? [];
}

/** Certificate and key files: readable, PEM, matching, in their validity period. */
function checkTls(tls: TlsPaths, yaml: YamlFile, name: string, now: Date, problems: Problem[]): void {
  const problem = (key: 'cert' | 'key' | 'ca', detail: string): void => {
    problems.push(at(name, lineOf(yaml, ['sip', 'tls', key]), `sip.tls.${key}`, detail));
  };
  const read = (key: 'cert' | 'key' | 'ca', file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    const r = readText(file);
    if ('error' in r) problem(key, `cannot read ${file}: ${r.error}`);
    return 'text' in r ? r.text : undefined;
  };

  let cert: X509Certificate | undefined;
  const certText = read('cert', tls.cert);
  if (certText !== undefined) {
    cert = parseCertificate(pemBlocks(certText, 'CERTIFICATE')[0]);
    if (cert === undefined) problem('cert', `${tls.cert}: not a PEM certificate`);
    else if (new Date(cert.validTo) < now)
      problem('cert', `${tls.cert}: expired ${new Date(cert.validTo).toISOString()}`);
    else if (new Date(cert.validFrom) > now)
      problem('cert', `${tls.cert}: not valid before ${new Date(cert.validFrom).toISOString()}`);
  }

  let key: KeyObject | undefined;
  const keyText = read('key', tls.key);
  if (keyText !== undefined) {
    try {
      key = createPrivateKey({ key: keyText, format: 'pem' });
    } catch {
      // PKCS#8 `ENCRYPTED PRIVATE KEY`, or the traditional form's RFC 1421 `Proc-Type` header.
      const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: 4,ENCRYPTED/m.test(keyText);
      problem(
        'key',
        encrypted
          ? `${tls.key}: an encrypted key (the gateway takes no passphrase)`
          : `${tls.key}: not a PEM private key`,
      );
    }
  }
  if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key))
    problem('key', `${tls.key}: not the key of the certificate in ${tls.cert}`);

  const caText = read('ca', tls.ca);
  if (caText === undefined) return;
  const blocks = pemBlocks(caText, 'CERTIFICATE');
  if (blocks.length === 0) problem('ca', `${tls.ca}: no PEM certificate`);
  blocks.forEach((b, i) => {
    if (parseCertificate(b) === undefined)
      problem('ca', `${tls.ca}: certificate ${i + 1} is not a valid PEM certificate`);
  });
}

function parseCertificate(pem: string | undefined): X509Certificate | undefined {
  if (pem === undefined) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

/** How a path is shown: relative to the working directory when it is below it. */
export function displayPath(p: string, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Every table of `mappings/`, each issue a problem; then compiled as at start-up. */
function checkMappings(dir: string | undefined, problems: Problem[]): void {
  let folder: string;
  try {
    folder = dir ?? mappingsDir();
  } catch (e) {
    problems.push(at('mappings/', undefined, '', (e as Error).message));
    return;
  }
  const before = problems.length;
  for (const [file, schema] of MAPPING_TABLES) {
    const shown = displayPath(path.join(folder, file));
    const r = readText(path.join(folder, file));
    if ('error' in r) {
      problems.push(at(shown, undefined, '', `cannot read: ${r.error}`));
      continue;
    }
    const yaml = parseYaml(r.text, shown, problems);
    if (yaml.syntax.length > 0) continue;
    const parsed = schema.safeParse(yaml.data);
    if (!parsed.success)
      for (const issue of typosFirst(locateIssues('mapping', '', parsed.error)))
        problems.push(at(shown, lineOf(yaml, issue.path), issue.error.where, issue.error.detail));
  }
  if (problems.length > before) return;
  try {
    loadMappings(folder);
  } catch (e) {
    problems.push(at(displayPath(folder), undefined, '', (e as Error).message));
  }
}
