/**
 * Folder-level import cycles under src/ (docs/architecture.md §Layout of src/sip, §Layout of
 * src/xmpp, §Import cycles):
 * every folder is a node, a relative import from a file in one folder to a file in another is an
 * edge, and a strongly connected component of more than one folder is a cycle. The folders of
 * src/sip and of src/xmpp must be in none; the cycles that exist elsewhere today are listed below, so a new one
 * (or a known one that grows) fails here. The direction of imports inside src/sip is eslint's job
 * (eslint.config.js, `no-restricted-imports`); this test reads the same files independently.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '../../src');

/**
 * Known cycles outside src/sip, each as its sorted folder list (a file directly in src/ is its own
 * node). Remove an entry when it is fixed; a cycle that gains a folder is a new cycle.
 * - gateway/ ⇄ ops/: gateway/gateway.ts starts the ops server, and ops/ (calls-view, ladder,
 *   metrics, ops) imports the gateway's observer types.
 *
 * Fixed (issue 9 item 4): `calls config jingle log.ts media policy sdp translate` was one cycle,
 * because the mapping tables were a lazily loaded singleton in config/ reached from below. They
 * are now read once at the edge and passed down as values, so config/ sits above the models.
 */
const KNOWN_CYCLES: string[][] = [['gateway', 'ops']];

/**
 * The pure models and the translation between them, below config/ (docs/architecture.md §Import
 * cycles): they take the mapping tables as parameters, so they import neither config/ nor a
 * module that reads files.
 */
const BELOW_CONFIG = ['jingle', 'sdp', 'translate', 'mapping'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}(?:\/[^'"]*)?)['"]/gm;

/** The file a relative specifier names: `x.ts`, or `x/index.ts` for a folder. */
function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), `${base}.d.ts`]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this form
    }
  }
  return undefined;
}

/**
 * A file's node: its folder relative to src/. The files directly in src/ (errors.ts, mask.ts, the
 * package entry index.ts) are unrelated modules, each its own node: as one node "." the package
 * entry, which imports every leg, would tie everything that imports errors.ts into one cycle.
 */
function folderOf(file: string): string {
  const folder = relative(SRC, dirname(file)).split('\\').join('/');
  return folder === '' ? relative(SRC, file) : folder;
}

function folderGraph(): { edges: Map<string, Set<string>>; unresolved: string[] } {
  const edges = new Map<string, Set<string>>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolveImport(file, m[1]);
      if (target === undefined) {
        unresolved.push(`${relative(SRC, file)}: ${m[1]}`);
        continue;
      }
      const to = folderOf(target);
      if (to !== from) edges.get(from)!.add(to);
    }
  }
  return { edges, unresolved };
}

/** Tarjan's strongly connected components with more than one node, each sorted. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a.join().localeCompare(b.join()));
}

/** Every folder reachable from `start` along the edges (not `start` itself). */
function reachable(edges: Map<string, Set<string>>, start: string): string[] {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    for (const w of edges.get(stack.pop()!) ?? []) {
      if (w === start || seen.has(w)) continue;
      seen.add(w);
      stack.push(w);
    }
  }
  return [...seen].sort();
}

describe('folder-level imports under src/', () => {
  const { edges, unresolved } = folderGraph();
  const found = cycles(edges);

  it('reads a graph with the SIP layers in it', () => {
    // A graph read wrongly (no edges) would pass every cycle check below.
    expect(unresolved).toEqual([]);
    expect(edges.get('sip/ua')).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect([...edges.get('sip/dialog')!]).toEqual(expect.arrayContaining(['sip/transaction', 'sip/message']));
  });

  it('has no cycle through a folder of src/sip', () => {
    expect(found.filter((scc) => scc.some((f) => f === 'sip' || f.startsWith('sip/')))).toEqual([]);
  });

  it('has no cycle through a folder of src/xmpp, whose leg reads the layers below it', () => {
    expect(found.filter((scc) => scc.some((f) => f === 'xmpp' || f.startsWith('xmpp/')))).toEqual([]);
    expect([...edges.get('xmpp/leg')!]).toEqual(
      expect.arrayContaining(['xmpp/connection', 'xmpp/jmi', 'xmpp/routing', 'xmpp/stanza']),
    );
  });

  it('has no cycle besides the known ones', () => {
    expect(found).toEqual(KNOWN_CYCLES);
  });

  it('keeps config/ above the Jingle and SDP models and the translation (no edge up, no file reads)', () => {
    for (const folder of BELOW_CONFIG) {
      expect({ folder, reaches: reachable(edges, folder).filter((f) => f === 'config') }).toEqual({
        folder,
        reaches: [],
      });
    }
    const reads = sourceFiles(SRC)
      .filter((f) => BELOW_CONFIG.includes(folderOf(f)))
      .filter((f) =>
        /from\s*['"](?:node:)?fs['"]|require\(\s*['"](?:node:)?fs['"]/.test(readFileSync(f, 'utf8')),
      )
      .map((f) => relative(SRC, f));
    expect(reads).toEqual([]);
  });

  it('sees an edge up from translate/ to config/ as a cycle (the check can fail)', () => {
    // config/ imports translate/ (the table types); one import back would close the cycle again.
    const g = new Map([...edges].map(([k, v]) => [k, new Set(v)]));
    g.get('translate')!.add('config');
    expect(cycles(g).some((scc) => scc.includes('config') && scc.includes('translate'))).toBe(true);
    expect(reachable(g, 'translate')).toContain('config');
  });

  it('finds a cycle when there is one', () => {
    // The detector itself: a → b → c → a and d → a give one cycle {a, b, c}.
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
  });
});
