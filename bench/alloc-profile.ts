/**
 * Where a sampling allocation profile's bytes were allocated (bench/alloc-sampler.ts): by
 * allocating function, and by the nearest frame of the gateway's own code (`src/`) above it, so
 * that what a library allocates on our behalf is charged to our caller. Pure over the
 * .heapprofile JSON; run on a file it prints the top rows:
 *
 *   node dist/bench/alloc-profile.js prof/alloc.*.heapprofile [--top 30]
 */
import * as fs from 'node:fs';
import { frameKey } from './profile-summary';

export interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocNode[];
}

export interface AllocRow {
  name: string;
  bytes: number;
  /** Share of all bytes sampled. */
  share: number;
}

const isOwn = (url: string): boolean => /\/src\//.test(url) && !url.includes('/node_modules/');

export function summarizeAllocations(head: AllocNode): {
  total: number;
  byFunction: AllocRow[];
  byOwnCaller: AllocRow[];
} {
  const byFunction = new Map<string, number>();
  const byOwn = new Map<string, number>();
  let total = 0;
  // Iterative: deep stacks (recursive parsers) must not overflow ours.
  const stack: Array<[AllocNode, string]> = [[head, '(no own frame)']];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, ownAbove] = top;
    const name = frameKey(node.callFrame);
    const own = isOwn(node.callFrame.url) ? name : ownAbove;
    if (node.selfSize > 0) {
      total += node.selfSize;
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
      byOwn.set(own, (byOwn.get(own) ?? 0) + node.selfSize);
    }
    for (const c of node.children) stack.push([c, own]);
  }
  const rows = (m: Map<string, number>): AllocRow[] =>
    [...m]
      .map(([name, bytes]) => ({ name, bytes, share: total > 0 ? bytes / total : 0 }))
      .sort((a, b) => b.bytes - a.bytes);
  return { total, byFunction: rows(byFunction), byOwnCaller: rows(byOwn) };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 25;
  const files = args.filter((a, i) => a !== '--top' && (t < 0 || i !== t + 1));
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: AllocNode };
    const s = summarizeAllocations(profile.head);
    const pct = (r: AllocRow): string => `${(100 * r.share).toFixed(1).padStart(6)} %  ${r.name}`;
    console.log(`${file}: ${(s.total / 1e6).toFixed(1)} MB sampled`);
    console.log('  by allocating function:');
    for (const r of s.byFunction.slice(0, top)) console.log(`  ${pct(r)}`);
    console.log('  by the nearest src/ frame above it:');
    for (const r of s.byOwnCaller.slice(0, top)) console.log(`  ${pct(r)}`);
  }
}
