/**
 * fast-check mutators for the fuzz tests (test/fuzz/README.md): text mutations of real fixtures
 * (bytes, lines, numbers, huge runs that catch super-linear regular expressions) and tree
 * mutations of XML (attributes, elements, namespaces, nesting) that keep the XML well-formed, so
 * the input gets past the XML parser into the Jingle parser and the translation behind it.
 *
 * A mutation is generated as plain numbers and strings and applied here, deterministically, so
 * fast-check can replay and shrink a failing input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { Element } from 'ltx';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** Every file of `dir` (under test/fixtures) whose name ends with one of `exts`, as text. */
export function fixtureTexts(dir: string, exts: string[]): Array<{ name: string; text: string }> {
  const root = path.join(FIXTURES, dir);
  const out: Array<{ name: string; text: string }> = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x)))
        out.push({ name: path.relative(FIXTURES, p), text: fs.readFileSync(p, 'latin1') });
    }
  };
  walk(root);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The number of runs for a fuzz target: `env` (e.g. FUZZ_RUNS) when set, else `fallback`. */
export function runsFrom(env: string, fallback: number): number {
  const v = process.env[env];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${env}=${v}: not a positive integer`);
  return n;
}

/**
 * fast-check options for a fuzz target: `runs` inputs, and FUZZ_SEED (printed by fast-check with
 * every failure) to replay one.
 */
export function fuzzOptions(runs: number): { numRuns: number; seed?: number } {
  const seed = process.env.FUZZ_SEED;
  return seed === undefined || seed === '' ? { numRuns: runs } : { numRuns: runs, seed: Number(seed) };
}

/* ── pieces spliced into inputs ─────────────────────────────────────────────────────────── */

/** Separators and tokens the grammars care about, edge numbers, and characters parsers trip on. */
const TOKENS = [
  '\r\n',
  '\n',
  '\r',
  '\r\n\r\n',
  '\0',
  ' ',
  '\t',
  ':',
  ';',
  '=',
  ',',
  '/',
  '<',
  '>',
  '"',
  "'",
  '\\',
  '[',
  ']',
  '@',
  '%',
  '%00',
  '%zz',
  '&',
  '&amp;',
  '&#0;',
  '#',
  '*',
  '-',
  '+',
  '.',
  '..',
  'a=',
  'm=',
  'c=',
  'IN IP4 ',
  'IN IP6 ',
  ' typ ',
  'sip:',
  'sips:',
  'tel:',
  ';tag=',
  ';branch=',
  'z9hG4bK',
  'SIP/2.0',
  'Content-Length: ',
  'Via: ',
  'v=0',
  '0',
  '-1',
  '-0',
  '1.5',
  '00000000000000000000001',
  '255',
  '256',
  '65535',
  '65536',
  '2147483647',
  '2147483648',
  '4294967295',
  '4294967296',
  '18446744073709551616',
  '99999999999999999999999999999',
  '1e400',
  '0x10',
  'NaN',
  'Infinity',
  'undefined',
  'null',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '\u00e9',
  '\u00ff',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\uffff',
  '\ud800',
  '\udfff',
  '\u{1f600}',
];

/** A short piece of input: a grammar token, random printable text, or any code points. */
export const piece: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

/** How many times a run is repeated: mostly a few, sometimes enough to approach the size limits. */
const times: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom(500, 2000, 8000, 30000, 62000) },
);

/** Longest run a `repeat` mutation inserts (stays under the SIP datagram and SDP size limits). */
const MAX_RUN = 62_000;

/* ── text mutations ─────────────────────────────────────────────────────────────────────── */

const TEXT_OPS = [
  'replace',
  'insert',
  'delete',
  'duplicate',
  'truncate',
  'repeat',
  'line-delete',
  'line-duplicate',
  'line-swap',
  'line-splice',
  'number',
  'case',
  'eol',
] as const;

export interface TextMutation {
  op: (typeof TEXT_OPS)[number];
  a: number;
  b: number;
  s: string;
  n: number;
}

export const textMutation: fc.Arbitrary<TextMutation> = fc.record({
  op: fc.constantFrom(...TEXT_OPS),
  a: fc.nat(),
  b: fc.nat(),
  s: piece,
  n: times,
});

const NUMBERS = ['0', '-1', '65536', '4294967296', '99999999999999999999', '1e9', '007', ''];

/** Applies one mutation; `donor` lines are what `line-splice` takes from another fixture. */
export function applyText(text: string, m: TextMutation, donor: string): string {
  const len = text.length;
  const at = len === 0 ? 0 : m.a % (len + 1);
  const span = 1 + (m.b % 64);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = (): string[] => text.split(eol);
  const li = (xs: string[], k: number): number => (xs.length === 0 ? 0 : k % xs.length);
  switch (m.op) {
    case 'replace':
      return text.slice(0, at) + m.s + text.slice(at + span);
    case 'insert':
      return text.slice(0, at) + m.s + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + span);
    case 'duplicate': {
      const chunk = text.slice(at, at + span * 4);
      return text.slice(0, at) + chunk + chunk + text.slice(at + chunk.length);
    }
    case 'truncate':
      return text.slice(0, at);
    case 'repeat': {
      const unit = m.s === '' ? 'a' : m.s;
      const run = unit.repeat(Math.max(1, Math.min(m.n, Math.floor(MAX_RUN / unit.length))));
      return text.slice(0, at) + run + text.slice(at);
    }
    case 'line-delete': {
      const xs = lines();
      xs.splice(li(xs, m.a), 1);
      return xs.join(eol);
    }
    case 'line-duplicate': {
      const xs = lines();
      const i = li(xs, m.a);
      const line = xs[i] ?? '';
      const n = Math.min(1 + (m.n % 16), Math.max(1, Math.floor(MAX_RUN / Math.max(1, line.length))));
      const copies = Array.from({ length: n }, () => line);
      xs.splice(i, 0, ...copies);
      return xs.join(eol);
    }
    case 'line-swap': {
      const xs = lines();
      const i = li(xs, m.a);
      const j = li(xs, m.b);
      [xs[i], xs[j]] = [xs[j] ?? '', xs[i] ?? ''];
      return xs.join(eol);
    }
    case 'line-splice': {
      const xs = lines();
      const ds = donor.split(/\r?\n/);
      xs.splice(li(xs, m.a), 0, ds[li(ds, m.b)] ?? '');
      return xs.join(eol);
    }
    case 'number': {
      // The digit run at or after `at` becomes an edge value (or empty).
      const re = /[0-9]+/g;
      re.lastIndex = at;
      const hit = re.exec(text) ?? /[0-9]+/.exec(text);
      if (!hit) return text;
      const v = NUMBERS[m.b % NUMBERS.length] ?? '';
      return text.slice(0, hit.index) + v + text.slice(hit.index + hit[0].length);
    }
    case 'case': {
      const chunk = text.slice(at, at + span * 8);
      const flipped = m.b % 2 === 0 ? chunk.toUpperCase() : chunk.toLowerCase();
      return text.slice(0, at) + flipped + text.slice(at + chunk.length);
    }
    case 'eol':
      return m.b % 3 === 0
        ? text.replace(/\r\n/g, '\n')
        : m.b % 3 === 1
          ? text.replace(/\r?\n/g, '\r\n')
          : text.replace(/\r?\n/g, '\r');
  }
}

/**
 * A seed picked from `seeds` and 1–`max` mutations applied in turn (some inputs also get a
 * second seed's line spliced in).
 */
export function mutatedText(seeds: readonly string[], max = 6): fc.Arbitrary<string> {
  return fc
    .record({
      seed: fc.nat({ max: seeds.length - 1 }),
      donor: fc.nat({ max: seeds.length - 1 }),
      muts: fc.array(textMutation, { minLength: 1, maxLength: max }),
    })
    .map(({ seed, donor, muts }) =>
      muts.reduce((t, m) => applyText(t, m, seeds[donor] ?? ''), seeds[seed] ?? ''),
    );
}

/* ── XML tree mutations ─────────────────────────────────────────────────────────────────── */

/** Names, attribute names and values, namespaces seen in the seeds: mutations reuse them. */
export interface Vocabulary {
  names: string[];
  attrs: string[];
  values: string[];
  namespaces: string[];
}

export function vocabularyOf(roots: readonly Element[]): Vocabulary {
  const names = new Set<string>();
  const attrs = new Set<string>();
  const values = new Set<string>();
  const namespaces = new Set<string>();
  const visit = (e: Element): void => {
    names.add(e.name);
    for (const [k, v] of Object.entries(e.attrs)) {
      if (typeof v !== 'string') continue;
      if (k === 'xmlns') namespaces.add(v);
      else {
        attrs.add(k);
        values.add(v);
      }
    }
    for (const c of e.getChildElements()) visit(c);
  };
  roots.forEach(visit);
  const sorted = (s: Set<string>): string[] => [...s].sort();
  return {
    names: sorted(names),
    attrs: sorted(attrs),
    values: sorted(values),
    namespaces: sorted(namespaces),
  };
}

/** XML 1.0 §2.2 Char: what may appear in an attribute or text at all (else the stream breaks). */
export function xmlSafe(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '');
}

/** A valid XML Name (so the mutated tree still serialises to well-formed XML). */
const XML_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

const TREE_OPS = [
  'attr-delete',
  'attr-set',
  'attr-value',
  'attr-add',
  'attr-huge',
  'element-delete',
  'element-duplicate',
  'element-move',
  'element-rename',
  'element-namespace',
  'garbage-child',
  'text',
  'nest',
  'many',
  'swap',
] as const;

export interface TreeMutation {
  op: (typeof TREE_OPS)[number];
  a: number;
  b: number;
  c: number;
  s: string;
  n: number;
}

export const treeMutation: fc.Arbitrary<TreeMutation> = fc.record({
  op: fc.constantFrom(...TREE_OPS),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  s: piece,
  n: times,
});

function elementsOf(root: Element): Element[] {
  const out: Element[] = [];
  const visit = (e: Element): void => {
    out.push(e);
    for (const c of e.getChildElements()) visit(c);
  };
  visit(root);
  return out;
}

const pick = <T>(xs: readonly T[], k: number): T | undefined =>
  xs.length === 0 ? undefined : xs[k % xs.length];

function detach(e: Element): void {
  const p = e.parent;
  if (!p) return;
  p.children = p.children.filter((c) => c !== e);
  e.parent = null;
}

function attach(parent: Element, child: Element, index = parent.children.length): void {
  parent.children.splice(index, 0, child);
  child.parent = parent;
}

/** Applies one tree mutation to `root` in place (the root itself is never removed). */
export function applyTree(root: Element, m: TreeMutation, v: Vocabulary): void {
  const all = elementsOf(root);
  const e = pick(all, m.a) ?? root;
  const value = xmlSafe(m.s);
  const keys = Object.keys(e.attrs).filter((k) => k !== 'xmlns');
  switch (m.op) {
    case 'attr-delete': {
      const k = pick(keys, m.b);
      if (k !== undefined) delete e.attrs[k];
      return;
    }
    case 'attr-set': {
      const k = pick(keys, m.b);
      if (k !== undefined) e.attrs[k] = value;
      return;
    }
    case 'attr-value': {
      // Another seed's value in this attribute (e.g. an action, a port, a hash name).
      const k = pick(keys, m.b) ?? pick(v.attrs, m.b);
      const val = pick(v.values, m.c);
      if (k !== undefined && val !== undefined) e.attrs[k] = val;
      return;
    }
    case 'attr-add': {
      const k = m.c % 3 === 0 && XML_NAME.test(value) ? value : pick(v.attrs, m.b);
      if (k !== undefined && k !== 'xmlns') e.attrs[k] = pick(v.values, m.c) ?? value;
      return;
    }
    case 'attr-huge': {
      const k = pick(keys, m.b) ?? pick(v.attrs, m.b) ?? 'x';
      const unit = value === '' ? 'A' : value;
      e.attrs[k] = unit.repeat(Math.max(1, Math.min(m.n, Math.floor(MAX_RUN / unit.length))));
      return;
    }
    case 'element-delete':
      if (e !== root) detach(e);
      return;
    case 'element-duplicate': {
      const text = e.toString();
      if (e.parent && text.length < MAX_RUN) attach(e.parent, cloneElement(e), e.parent.children.indexOf(e));
      return;
    }
    case 'element-move': {
      const to = pick(all, m.b);
      if (e === root || !to || elementsOf(e).includes(to)) return;
      detach(e);
      attach(to, e, m.c % (to.children.length + 1));
      return;
    }
    case 'element-rename': {
      const name = m.c % 4 === 0 && XML_NAME.test(value) ? value : pick(v.names, m.b);
      if (name !== undefined) e.name = name;
      return;
    }
    case 'element-namespace': {
      const ns = m.c % 4 === 0 ? value : pick(v.namespaces, m.b);
      if (ns !== undefined) e.attrs.xmlns = ns;
      else delete e.attrs.xmlns;
      return;
    }
    case 'garbage-child': {
      const name = XML_NAME.test(value) ? value : (pick(v.names, m.b) ?? 'x');
      const child = new Element(name, { xmlns: pick(v.namespaces, m.c) ?? 'urn:x' });
      if (m.b % 2 === 0) child.t(value);
      attach(e, child, m.c % (e.children.length + 1));
      return;
    }
    case 'text':
      e.children = e.children.filter((c) => typeof c !== 'string');
      e.children.unshift(value);
      return;
    case 'nest': {
      // `n` levels of the same element inside it: depth limits.
      let inner = e;
      for (let i = 0; i < Math.min(m.n, 400); i++) {
        const x = new Element(pick(v.names, m.b + i) ?? e.name);
        attach(inner, x);
        inner = x;
      }
      return;
    }
    case 'many': {
      // `n` copies of a child (or of the element): element-count limits.
      const what = pick(e.getChildElements(), m.b) ?? e;
      const target = what === e ? (e.parent ?? e) : e;
      const text = what.toString();
      // Up to MAX_XML_ELEMENTS and a little more, within about 200 kB (Prosody's c2s stanza limit is 256 kB).
      const count = Math.min(m.n, Math.floor(200_000 / Math.max(1, text.length)), 6000);
      const template = cloneElement(what);
      for (let i = 0; i < count; i++) attach(target, cloneElement(template));
      return;
    }
    case 'swap': {
      const kids = e.getChildElements();
      const x = pick(kids, m.b);
      const y = pick(kids, m.c);
      if (!x || !y || x === y) return;
      const i = e.children.indexOf(x);
      const j = e.children.indexOf(y);
      e.children[i] = y;
      e.children[j] = x;
      return;
    }
  }
}

/** A deep copy of `e` (cheaper than writing and parsing it again). */
export function cloneElement(e: Element): Element {
  const copy = new Element(e.name, { ...e.attrs });
  for (const c of e.children) {
    if (typeof c === 'string') copy.children.push(c);
    else attach(copy, cloneElement(c));
  }
  return copy;
}

/** A seed element (by index) cloned and mutated by 0–`max` tree mutations. */
export function mutatedTree(seeds: readonly Element[], v: Vocabulary, max = 5): fc.Arbitrary<Element> {
  return fc
    .record({
      seed: fc.nat({ max: seeds.length - 1 }),
      muts: fc.array(treeMutation, { minLength: 0, maxLength: max }),
    })
    .map(({ seed, muts }) => {
      const root = cloneElement(seeds[seed] ?? new Element('x'));
      for (const m of muts) applyTree(root, m, v);
      return root;
    });
}
