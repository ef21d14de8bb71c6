/**
 * What one JID kept from a stanza costs, as ltx (under xmpp.js) hands it over, and as
 * `ownString` (src/xmpp/stanza/xml.ts) copies it (issue 12; docs/performance.md §Strings kept).
 *
 * 2,000 socket chunks of 16 kB, each a `<message>` from a distinct full JID followed by filler
 * stanzas, are parsed by ltx's parser (the one under xmpp.js); the `from` of each is kept, as a
 * call keeps the device that proceeded, and every parsed element is dropped. Prints the heap
 * after a full GC per kept string: the attribute value as parsed (a V8 sliced string holding
 * its chunk), ownString's copy, and for comparison `` ` ${s}`.slice(1) `` (a slice of a flat
 * copy one character longer) and a UTF-8 round trip; and the time of one copy.
 *
 * Run:   npm run build && npm run bench:strings     (node --expose-gc dist/bench/own-string.js)
 * Not a test: it prints numbers that depend on the machine and the V8 version.
 */
import { parse } from 'ltx';
import { ownString } from '../src/xmpp/stanza/xml';

const CHUNKS = 2000;
const CHUNK_BYTES = 16 * 1024;

const ways: Record<string, (s: string) => string> = {
  'as parsed (slice)': (s) => s,
  ownString: ownString,
  '` ${s}`.slice(1)': (s) => ` ${s}`.slice(1),
  'UTF-8 round trip': (s) => Buffer.from(s, 'utf8').toString('utf8'),
};

const gc = (globalThis as { gc?: () => void }).gc;

/** The `from` of the first stanza of each chunk, as ltx's parser (xmpp.js's) gives it. */
function parsedFroms(): string[] {
  const froms: string[] = [];
  const filler = "<message to='bob@gw.localhost/sip' type='chat'><body>x</body></message>";
  for (let i = 0; i < CHUNKS; i++) {
    let chunk = `<stream><message from='alice${i}@localhost/bot-${i}' to='bob@gw.localhost/sip' type='chat'/>`;
    while (chunk.length < CHUNK_BYTES) chunk += filler;
    const first = parse(`${chunk}</stream>`).getChildElements()[0]?.attrs.from;
    if (first === undefined) throw new Error('no stanza parsed');
    froms.push(first);
  }
  return froms;
}

function heapPerKept(way: (s: string) => string): number {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let froms = parsedFroms();
  const kept = froms.map(way);
  froms = [];
  gc?.();
  const after = process.memoryUsage().heapUsed;
  // Every chunk was garbage once `froms` went, unless a kept string holds it.
  if (kept.some((s, i) => s !== `alice${i}@localhost/bot-${i}`)) throw new Error('a copy differs');
  return (after - before) / CHUNKS;
}

function nsPerCopy(way: (s: string) => string): number {
  const big = `${'y'.repeat(1000)}alice5@localhost/bot-0123456789${'y'.repeat(1000)}`;
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1e6; i++) n += way(big.slice(1000 + (i & 7), 1031)).length;
  const ns = Number(process.hrtime.bigint() - t0) / 1e6;
  if (n === 0) throw new Error('unreachable');
  return ns;
}

function main(): void {
  if (gc === undefined) {
    console.error('run with node --expose-gc');
    process.exit(1);
  }
  console.log(
    `own-string — ${CHUNKS} chunks of ${CHUNK_BYTES / 1024} kB, one full JID kept from each, node ${process.version}`,
  );
  console.log('                         heap per kept JID   time per copy (incl. the slice)');
  for (const [name, way] of Object.entries(ways)) {
    const heap = heapPerKept(way);
    const ns = nsPerCopy(way);
    console.log(
      `  ${name.padEnd(22)} ${(heap >= 1024 ? `${(heap / 1024).toFixed(1)} kB` : `${heap.toFixed(0)} B`).padStart(12)}   ${ns.toFixed(0).padStart(8)} ns`,
    );
  }
}

main();
