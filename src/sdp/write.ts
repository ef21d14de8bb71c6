/**
 * writeSdp: one pass that writes the lines directly, following sdp-transform's grammar (its line
 * order and its formats, compiled once), with our own lines in place of its:
 *   - `m=` written by us (sdp-transform cannot write `<port>/<n>`);
 *   - `a=fingerprint`: all of them, where sdp-transform writes its single one;
 *   - `a=candidate`: ours (all extension pairs) in place of sdp-transform's;
 *   - at the end of each level: `a=x-xtls-method`, then RFC 5939 csup, creq, acap, tcap, pcfg, acfg.
 * The output is byte for byte what `sdpTransform.write` followed by those substitutions gives.
 * CRLF line ends, ending with CRLF. The input model is not modified. Every line is checked for
 * CR, LF and NUL as it is written.
 */
import * as sdpTransform from 'sdp-transform';
import { InputError } from '../errors';
import { capNegLines } from './capneg';
import { formatCandidate } from './candidate';
import type { Sdp, SdpCandidate, SdpMedia } from './types';
import { XTLS_METHOD_ATTRIBUTE } from './types';

type Loose = Record<string, unknown>;

/** One entry of sdp-transform's grammar (lib/grammar.js), as its writer reads it. */
interface GrammarRule {
  name?: string;
  push?: string;
  names?: string[];
  format: string | ((o: unknown) => string);
}

/**
 * A format string cut at its `%s`/`%d`/`%v`/`%%` placeholders: `lits` has one more entry than
 * `ops`. Rendering follows sdp-transform's `format`: each placeholder takes the next argument
 * (`%%` too), `%s` is String(arg), `%d` is Number(arg), `%v` nothing; without an argument left
 * the placeholder stays as written.
 */
interface Template {
  lits: string[];
  ops: string[];
}

interface Rule {
  name: string | undefined;
  push: string | undefined;
  names: string[] | undefined;
  /** The compiled format, when it is a string. */
  template: Template | undefined;
  formatFn: ((o: unknown) => string) | undefined;
  prefix: string;
  /** Compiled results of formatFn, by its result (without the prefix). */
  templates: Map<string, Template>;
}

const PLACEHOLDER = /%[sdv%]/g;
const templates = new Map<string, Template>();

function compile(format: string): Template {
  let t = templates.get(format);
  if (t) return t;
  const lits: string[] = [];
  const ops: string[] = [];
  let prev = 0;
  PLACEHOLDER.lastIndex = 0;
  for (let m = PLACEHOLDER.exec(format); m; m = PLACEHOLDER.exec(format)) {
    lits.push(format.slice(prev, m.index));
    ops.push(m[0]);
    prev = m.index + 2;
  }
  lits.push(format.slice(prev));
  t = { lits, ops };
  templates.set(format, t);
  return t;
}

const grammar = (sdpTransform as unknown as { grammar: Record<string, GrammarRule[]> }).grammar;

function rulesOf(type: string): Rule[] {
  return (grammar[type] ?? []).map((r) => ({
    name: r.name,
    push: r.push,
    names: r.names,
    template: typeof r.format === 'string' ? compile(`${type}=${r.format}`) : undefined,
    formatFn: typeof r.format === 'function' ? r.format : undefined,
    prefix: `${type}=`,
    templates: new Map<string, Template>(),
  }));
}

// sdp-transform's writer: RFC order, session then each media section.
const SESSION_ORDER = ['v', 'o', 's', 'i', 'u', 'e', 'p', 'c', 'b', 't', 'r', 'z', 'a'].map(rulesOf);
const MEDIA_ORDER = ['i', 'c', 'b', 'a'].map(rulesOf);

const MISSING: unknown = Symbol('missing');

/** sdp-transform's makeLine. */
function makeLine(rule: Rule, loc: Loose): string {
  let t = rule.template;
  if (t === undefined) {
    const format = (rule.formatFn as (o: unknown) => string)(rule.push ? loc : loc[rule.name as string]);
    t = rule.templates.get(format);
    if (t === undefined) {
      t = compile(rule.prefix + format);
      rule.templates.set(format, t);
    }
  }
  const { lits, ops } = t;
  const names = rule.names;
  const nargs = names ? names.length : 1;
  const from = names && rule.name !== undefined ? (loc[rule.name] as Loose) : loc;
  let s = lits[0] as string;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k] as string;
    const arg = k >= nargs ? MISSING : names ? from[names[k] as string] : loc[String(rule.name)];
    if (arg === MISSING) s += op;
    else if (op === '%s') s += String(arg);
    else if (op === '%d') s += String(Number(arg));
    else if (op === '%%') s += '%';
    // '%v': nothing
    s += lits[k + 1] as string;
  }
  return s;
}

const BAD = /[\r\n\0]/;

/** Does any string in the model contain CR, LF or NUL? (Paths are built only when one does.) */
function hasLineBreak(value: unknown): boolean {
  if (typeof value === 'string') return BAD.test(value);
  if (typeof value !== 'object' || value === null) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasLineBreak(v)) return true;
  return false;
}

/** Throws the InputError naming the first value (in model order) with CR, LF or NUL in it. */
function checkValues(value: unknown, path: string): void {
  if (!hasLineBreak(value)) return;
  if (typeof value === 'string') throw new InputError('sdp', path, 'a value contains CR, LF or NUL');
  for (const [k, v] of Object.entries(value as object)) {
    checkValues(v, Array.isArray(value) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`);
  }
}

function mediaLine(m: SdpMedia): string {
  const port = m.numPorts !== undefined ? `${m.port}/${m.numPorts}` : String(m.port);
  return `m=${m.type} ${port} ${m.protocol} ${m.payloads ?? ''}`;
}

/** Writes the lines of one model; `out` collects the text. */
class Writer {
  out = '';
  private fingerprintDone = false;
  private candidateIndex = 0;
  private candidates: SdpCandidate[] = [];

  constructor(private readonly sdp: Sdp) {}

  /** A line goes out: a model value must not smuggle a line break (or NUL) in. */
  put(line: string): void {
    if (BAD.test(line)) {
      // Name the field as before: the first offending value in model order.
      checkValues(this.sdp, '');
      throw new InputError('sdp', '', 'a value contains CR, LF or NUL');
    }
    this.out += line + '\r\n';
  }

  /** A line as sdp-transform wrote it: our fingerprints and candidates replace its own. */
  private passLine(line: string, level: Pick<Sdp, 'fingerprints'>): void {
    if (!this.fingerprintDone && line.startsWith('a=fingerprint:')) {
      this.fingerprintDone = true;
      for (const f of level.fingerprints) this.put(`a=fingerprint:${f.hash} ${f.value}`);
    } else if (this.candidateIndex < this.candidates.length && line.startsWith('a=candidate:')) {
      this.put(`a=candidate:${formatCandidate(this.candidates[this.candidateIndex] as SdpCandidate)}`);
      this.candidateIndex++;
    } else {
      this.put(line);
    }
  }

  level(
    loc: Loose,
    level: Pick<Sdp, 'fingerprints' | 'capneg' | 'xtlsMethods'>,
    order: Rule[][],
    candidates: SdpCandidate[],
  ): void {
    this.fingerprintDone = false;
    this.candidateIndex = 0;
    this.candidates = candidates;
    for (const rules of order) {
      for (const rule of rules) {
        const name = rule.name;
        if (name === 'fingerprint') {
          // sdp-transform's single fingerprint is our first one.
          const first = level.fingerprints[0];
          if (first) this.passLine(`a=fingerprint:${String(first.hash)} ${String(first.value)}`, level);
          continue;
        }
        if (name !== undefined && name in loc && loc[name] != null) {
          this.passLine(makeLine(rule, loc), level);
          continue;
        }
        const push = rule.push;
        if (push === undefined || !(push in loc)) continue;
        const list = loc[push];
        if (list == null) continue;
        // forEach, as sdp-transform: holes are skipped, a non-array throws.
        (list as Loose[]).forEach((el) => {
          if (push === 'candidates' && this.candidateIndex < candidates.length && el != null) {
            // sdp-transform's line would start with `a=candidate:` and be replaced by ours.
            this.passLine('a=candidate:', level);
          } else {
            this.passLine(makeLine(rule, el), level);
          }
        });
      }
    }
  }

  tail(level: Pick<Sdp, 'capneg' | 'xtlsMethods'>): void {
    for (const m of level.xtlsMethods) this.put(`a=${XTLS_METHOD_ATTRIBUTE}:${m}`);
    for (const l of capNegLines(level.capneg)) this.put(`a=${l}`);
  }
}

export function writeSdp(sdp: Sdp): string {
  const w = new Writer(sdp);
  const session = sdp as unknown as Loose;
  // sdp-transform's writer fills these in.
  const loc =
    session.version == null || session.name == null
      ? { ...session, version: session.version ?? 0, name: session.name ?? ' ' }
      : session;
  w.level(loc, sdp, SESSION_ORDER, []);
  w.tail(sdp);
  for (const m of sdp.media) {
    w.put(mediaLine(m));
    w.level(m as unknown as Loose, m, MEDIA_ORDER, m.candidates ?? []);
    w.tail(m);
  }
  return w.out;
}
