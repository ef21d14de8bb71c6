/**
 * Translation throughput: Jingle XML ⇄ SDP text, ours vs stanza vs a parse+serialize "floor".
 *
 * Run:   npm run build && npm run bench:translate        (node dist/bench/translate.js)
 *        BENCH_MS=300 node dist/bench/translate.js        (shorter rounds, for a quick look)
 *
 * Cases (the input SDP file used is printed):
 *   webrtc-av  Chromium bundled audio+video ICE/DTLS offer: the first captured
 *              test/fixtures/captured/chromium-*offer*.sdp with audio AND video (max-bundle, so its
 *              candidates are all in the first m-section), else the hand-written one below.
 *   webrtc-8c  (when a capture exists) the HAND-WRITTEN Chromium-shaped offer
 *              test/oracle/fixtures/handwritten-webrtc-av.sdp: 8 host/srflx/relay candidates in
 *              EACH m-section, VP8/VP9/H264 + rtx, a=ssrc/ssrc-group, BUNDLE.
 *   asterisk   HAND-WRITTEN plain Asterisk-style offer (RTP/AVP, PCMU/PCMA/G722/telephone-event,
 *              no ICE): test/oracle/fixtures/handwritten-asterisk-audio.sdp.
 * Each case's Jingle XML is made once by OUR sdpToJingle + serializeJingle, so all three
 * implementations read the same XML; every output is checked once before timing.
 *
 * Implementations, all string → string:
 *   ours    jingle→sdp: jingleToSdp(xml)       sdp→jingle: serializeJingle(sdpToJingle(sdp))
 *   stanza  test/support/stanza-oracle.ts: JXT registry + jingle/sdp/{Protocol,Intermediate}
 *   floor   ltx.parse(xml).toString() + sdp-transform write(parse(sdp)) — the same floor serves
 *           both directions: reading one format and writing the other should cost about this.
 *
 * Reading the table: ops/s is the median of ROUNDS rounds of BENCH_MS each, after a warm-up.
 * Targets: ours/stanza ≥ 3 and floor/ours ≤ 1.5 (we are within 1.5× of the floor).
 * "n/a" = the implementation throws on the input; "†" = it runs but its output is wrong (the
 * reason is printed under the table). The phase table splits our time: XML/SDP parse, model
 * translation, serialization (µs per operation).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ltx from 'ltx';
import * as sdpTransform from 'sdp-transform';
import { jingleToSdp, jingleToSdpObject, sdpToJingle } from '../src/translate/description';
import { parseJingleXml, serializeJingle } from '../src/jingle';
import { parseSdp, writeSdp } from '../src/sdp';
import { stanzaJingleXmlToSdp, stanzaSdpToJingleXml } from '../test/support/stanza-oracle';
import { loadMappings } from '../src/config/mappings';

/** The mapping tables, read once (as the gateway does at start). */
const tables = loadMappings();

const MS = Number(process.env.BENCH_MS ?? 1000);
const ROUNDS = 3;
const ASTERISK = 'test/oracle/fixtures/handwritten-asterisk-audio.sdp';
const WARMUP_MS = Math.max(200, MS / 2);

/** The repository: this file runs as dist/bench/translate.js. */
const ROOT = path.resolve(__dirname, '..', '..');
const rel = (p: string): string => path.relative(ROOT, p);

/** The captured Chromium audio+video offer (if any) and, always, the hand-written 8-candidate one. */
function webrtcFixtures(): Array<{ name: string; file: string; label: string }> {
  const dir = path.join(ROOT, 'test/fixtures/captured');
  const captured = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => /^chromium-.*offer.*\.sdp$/.test(f))
    : [];
  const out = [];
  for (const f of captured.sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    if (/^m=audio /m.test(text) && /^m=video /m.test(text)) {
      out.push({ name: 'webrtc-av', file: path.join(dir, f), label: 'captured' });
      break;
    }
  }
  const hand = path.join(ROOT, 'test/oracle/fixtures/handwritten-webrtc-av.sdp');
  out.push({ name: out.length ? 'webrtc-8c' : 'webrtc-av', file: hand, label: 'HAND-WRITTEN' });
  return out;
}

// ------------------------------------------------------------------ timing
let sink = 0;
function runFor(fn: () => string, ms: number): number {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  const start = process.hrtime.bigint();
  let n = 0;
  let now = start;
  do {
    for (let i = 0; i < 8; i++) sink += fn().length;
    n += 8;
    now = process.hrtime.bigint();
  } while (now < end);
  return (n * 1e9) / Number(now - start);
}
/** Warm each fn up, then ROUNDS rounds of all fns in turn (a load spike hits all alike); medians. */
function measure(fns: Array<() => string>, ms = MS, rounds = ROUNDS): number[] {
  for (const fn of fns) runFor(fn, WARMUP_MS);
  const samples = fns.map((): number[] => []);
  for (let r = 0; r < rounds; r++) fns.forEach((fn, i) => samples[i].push(runFor(fn, ms)));
  return samples.map((x) => x.sort((a, b) => a - b)[Math.floor(x.length / 2)]);
}

// ------------------------------------------------------------------ correctness checks
/** '' when `out` keeps the shape of `ref`: same m-sections, ports not zeroed, same candidates. */
function sdpProblem(out: string, ref: string): string {
  const a = sdpTransform.parse(ref).media;
  const b = sdpTransform.parse(out).media;
  if (a.length !== b.length) return `${b.length} m-sections instead of ${a.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i].type !== b[i].type) return `m-section ${i} is ${b[i].type}, not ${a[i].type}`;
    if (a[i].port !== 0 && b[i].port === 0) return `m-section ${i} (${a[i].type}) is rejected (port 0)`;
    const [na, nb] = [a[i].candidates?.length ?? 0, b[i].candidates?.length ?? 0];
    if (na !== nb) return `m-section ${i} has ${nb} candidates, not ${na}`;
    if ((a[i].rtp ?? []).length !== (b[i].rtp ?? []).length) return `m-section ${i} lost rtpmaps`;
  }
  return '';
}
/** '' when Jingle `xml` has ref's contents, media, payload-type and ICE candidate counts (read with ltx). */
function xmlProblem(xml: string, ref: string): string {
  const a = sdpTransform.parse(ref).media;
  const root = ltx.parse(xml);
  const contents =
    (root.getName() === 'jingle' ? root : root.getChild('jingle'))?.getChildren('content') ?? [];
  if (contents.length !== a.length) return `${contents.length} <content>s instead of ${a.length} m-sections`;
  for (let i = 0; i < a.length; i++) {
    const desc = contents[i].getChildElements().find((e) => e.getName() === 'description');
    if (desc?.attrs.media !== a[i].type) return `<content> ${i} is not ${a[i].type}`;
    if (desc.getChildren('payload-type').length !== (a[i].rtp ?? []).length)
      return `<content> ${i} lost payload-types`;
    const tr = contents[i].getChildElements().find((e) => e.getName() === 'transport');
    const n = a[i].candidates?.length ?? 0;
    if (tr?.attrs.xmlns === NS_ICE_UDP && tr.getChildren('candidate').length !== n)
      return `<content> ${i} lost candidates`;
  }
  return '';
}
const NS_ICE_UDP = 'urn:xmpp:jingle:transports:ice-udp:1';

/** Runs fn once: ok=false if it throws; note = what is wrong with its output ('' when fine). */
function check(fn: () => string, verify: (out: string) => string): { ok: boolean; note: string } {
  let out: string;
  try {
    out = fn();
  } catch (e) {
    return { ok: false, note: `throws: ${(e as Error).message}` };
  }
  return { ok: true, note: verify(out) };
}

// ------------------------------------------------------------------ the run
interface Row {
  name: string;
  dir: string;
  ours: number | undefined;
  stanza: number | undefined;
  floor: number;
  notes: string[];
}

function benchCase(name: string, file: string): { rows: Row[]; phases: string[] } {
  const sdp = fs.readFileSync(file, 'utf8');
  const xml = serializeJingle(sdpToJingle(sdp, tables));
  const floor = (): string => ltx.parse(xml).toString() + sdpTransform.write(sdpTransform.parse(sdp));

  const j2s = { ours: () => jingleToSdp(xml, tables), stanza: () => stanzaJingleXmlToSdp(xml) };
  const s2j = {
    ours: () => serializeJingle(sdpToJingle(sdp, tables)),
    stanza: () => stanzaSdpToJingleXml(sdp),
  };
  const dirs = [
    { dir: 'jingle→sdp', impl: j2s, verify: (out: string) => sdpProblem(out, sdp) },
    { dir: 'sdp→jingle', impl: s2j, verify: (out: string) => xmlProblem(out, sdp) },
  ];
  const fns: Array<() => string> = [floor];
  const slots = dirs.map(({ dir, impl, verify }) => {
    const notes: string[] = [];
    const ours = check(impl.ours, verify);
    // Our own output must be right before its speed means anything: not timed, exit code 1.
    if (!ours.ok || ours.note) notes.push(`OURS FAIL (not timed): ${ours.note}`);
    if (!ours.ok || ours.note) process.exitCode = 1;
    const st = check(impl.stanza, verify);
    if (st.note) notes.push(`stanza ${st.ok ? '†' : ''}${st.note}`);
    const slot = (ok: boolean, fn: () => string): number | undefined => (ok ? fns.push(fn) - 1 : undefined);
    return { dir, notes, ours: slot(ours.ok && !ours.note, impl.ours), stanza: slot(st.ok, impl.stanza) };
  });
  const ops = measure(fns);
  const at = (i: number | undefined): number | undefined => (i === undefined ? undefined : ops[i]);
  const rows: Row[] = slots.map((x) => ({
    name,
    dir: x.dir,
    ours: at(x.ours),
    stanza: at(x.stanza),
    floor: ops[0],
    notes: x.notes,
  }));

  // Where our time goes, phase by phase (µs per operation; shorter rounds).
  if (rows.some((r) => r.ours === undefined))
    return { rows, phases: [`${name.padEnd(10)} (ours fails: no phases)`] };
  const jModel = parseJingleXml(xml, tables.hashes).jingle;
  const sModelOut = jingleToSdpObject(jModel, tables);
  const sModelIn = parseSdp(sdp, tables.hashes);
  const jModelOut = sdpToJingle(sModelIn, tables);
  const phaseFns = [
    () => parseJingleXml(xml, tables.hashes),
    () => jingleToSdpObject(jModel, tables),
    () => writeSdp(sModelOut),
    () => parseSdp(sdp, tables.hashes),
    () => sdpToJingle(sModelIn, tables),
    () => serializeJingle(jModelOut),
  ];
  const t = measure(
    phaseFns.map((fn) => () => (fn(), '')),
    MS / 3,
  );
  const us = (i: number): string => (1e6 / t[i]).toFixed(1).padStart(7);
  const phases = [
    `${name.padEnd(10)} jingle→sdp  parseJingleXml ${us(0)}  jingleToSdpObject  ${us(1)}  writeSdp        ${us(2)}`,
    `${name.padEnd(10)} sdp→jingle  parseSdp       ${us(3)}  sdpToJingle(model) ${us(4)}  serializeJingle ${us(5)}`,
  ];
  return { rows, phases };
}

function main(): void {
  const cases = [
    ...webrtcFixtures(),
    { name: 'asterisk', label: 'HAND-WRITTEN', file: path.join(ROOT, ASTERISK) },
  ];
  const load = os.loadavg()[0].toFixed(1);
  console.log(
    `node ${process.version}, ${ROUNDS} interleaved rounds × ${MS} ms, median; ${os.cpus().length} CPUs, load ${load}`,
  );
  for (const c of cases) console.log(`${c.name.padEnd(10)} ${c.label} ${rel(c.file)}`);
  console.log('');

  const results = cases.map((c) => benchCase(c.name, c.file));
  const fmt = (n: number | undefined): string => (n === undefined ? 'n/a' : Math.round(n).toString());
  const head = [
    'case',
    'direction',
    'ours ops/s',
    'stanza ops/s',
    'floor ops/s',
    'ours/stanza',
    'floor/ours',
    '≥3× stanza',
    '≤1.5× floor',
  ];
  const table = [head];
  const notes: string[] = [];
  for (const r of results.flatMap((x) => x.rows)) {
    const vsStanza = r.stanza === undefined || r.ours === undefined ? undefined : r.ours / r.stanza;
    const vsFloor = r.ours === undefined ? undefined : r.floor / r.ours;
    const dagger = r.notes.some((n) => n.startsWith('stanza †')) ? '†' : '';
    table.push([
      r.name,
      r.dir,
      r.ours === undefined ? 'FAIL' : fmt(r.ours),
      fmt(r.stanza) + dagger,
      fmt(r.floor),
      vsStanza === undefined ? 'n/a' : vsStanza.toFixed(2) + dagger,
      vsFloor === undefined ? 'n/a' : vsFloor.toFixed(2),
      r.ours === undefined ? 'FAIL' : vsStanza === undefined ? 'n/a' : vsStanza >= 3 ? 'PASS' : 'MISS',
      vsFloor === undefined ? 'FAIL' : vsFloor <= 1.5 ? 'PASS' : 'MISS',
    ]);
    notes.push(...r.notes.map((n) => `  ${r.name} ${r.dir}: ${n}`.slice(0, 200)));
  }
  const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table)
    console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  if (notes.length) console.log('\nnotes:\n' + notes.join('\n'));
  console.log('\nour phases (µs/op):');
  for (const p of results.flatMap((x) => x.phases)) console.log('  ' + p);
  if (sink === 42) console.log(''); // keep results alive
}

main();
