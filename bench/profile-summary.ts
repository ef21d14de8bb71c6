/**
 * Where a `node --cpu-prof` profile's time went: self time by function and by area of the code
 * (the gateway's own folders, npm packages, node internals, GC), largest first. Pure over the
 * .cpuprofile JSON; run on a file it prints the top rows:
 *
 *   BENCH_GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=prof' node dist/bench/e2e.js --only sip-xmpp
 *   node dist/bench/profile-summary.js prof/CPU.*.cpuprofile [--top 15]
 */
import * as fs from 'node:fs';

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  /** µs of self time. */
  us: number;
  /** Share of the busy time (idle left out). */
  share: number;
}

/** The area of a script URL: `src/sip/message`, `npm sip`, `node:internal`, `(garbage collector)`. */
export function area(url: string, functionName: string): string {
  if (url === '') return `(${functionName.replace(/[()]/g, '')})`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return `npm ${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src =
    /\/dist\/(src\/[^/]+(?:\/[^/.]+(?=\/))?)/.exec(url) ?? /\/(src\/[^/]+(?:\/[^/.]+(?=\/))?)/.exec(url);
  if (src?.[1] !== undefined) return src[1];
  if (url.startsWith('node:')) return url.split('/')[0] === 'node:internal' ? 'node:internal' : url;
  return url.replace(/^.*\//, '');
}

/** `name file:line` of a frame, the file from `dist/` or `node_modules/` on; a native frame by its name. */
export function frameKey(cf: { functionName: string; url: string; lineNumber: number }): string {
  const file = cf.url.replace(/^.*\/(dist\/|node_modules\/)/, '$1');
  return cf.url === '' ? cf.functionName : `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
}

/** Self time by function (`name file:line`) and by area, largest first; idle time left out. */
export function summarizeProfile(p: CpuProfile): { functions: Row[]; areas: Row[]; busyUs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (n === undefined || n.callFrame.functionName === '(idle)') continue;
    const { functionName, url } = n.callFrame;
    const key = frameKey(n.callFrame);
    fns.set(key, (fns.get(key) ?? 0) + us);
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
    busy += us;
  }
  const rows = (m: Map<string, number>): Row[] =>
    [...m].map(([name, us]) => ({ name, us, share: busy > 0 ? us / busy : 0 })).sort((a, b) => b.us - a.us);
  return { functions: rows(fns), areas: rows(areas), busyUs: busy };
}

if (require.main === module) {
  const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--top');
  const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 15;
  for (const f of files) {
    const s = summarizeProfile(JSON.parse(fs.readFileSync(f, 'utf8')) as CpuProfile);
    console.log(`${f}: ${(s.busyUs / 1e6).toFixed(2)} s busy`);
    console.log('  by area:');
    for (const r of s.areas.slice(0, top))
      console.log(`    ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.name}`);
    console.log('  by function (self time):');
    for (const r of s.functions.slice(0, top))
      console.log(`    ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.name}`);
  }
}
