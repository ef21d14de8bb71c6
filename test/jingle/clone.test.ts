/** clonePlain: the copy structuredClone makes, of every XEP example offer and of captured SDP offers. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJingleXml, type Jingle } from '../../src/jingle';
import { clonePlain } from '../../src/jingle/clone';
import { sdpToJingle } from '../../src/translate/description';
import { tables } from '../support/tables';
import { asJingleDocument, loadFixtures } from './helpers';

const fromXep: Array<[string, Jingle]> = loadFixtures()
  .filter((f) => f.expect === undefined)
  .map((f) => [f.file, parseJingleXml(asJingleDocument(f.text), tables.hashes).jingle]);
const captured = path.join(__dirname, '..', 'fixtures', 'captured');
const fromSdp: Array<[string, Jingle]> = fs
  .readdirSync(captured)
  .filter((f) => f.endsWith('offer.sdp'))
  .map((f) => [f, sdpToJingle(fs.readFileSync(path.join(captured, f), 'utf8'), tables, { sid: 's' })]);

/**
 * The same plain data: arrays, objects with the same keys in the same order, equal primitives.
 * (Not isDeepStrictEqual: under jest, structuredClone's objects have another realm's prototypes.)
 */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a === null || typeof a !== 'object') return Object.is(a, b);
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
  const [ka, kb] = [Object.keys(a), Object.keys(b)];
  return (
    ka.join('\0') === kb.join('\0') &&
    ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Every object and array of `v`, depth first. */
function nodes(v: unknown, out: object[] = []): object[] {
  if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const x of Object.values(v)) nodes(x, out);
  }
  return out;
}

describe('clonePlain', () => {
  it('has models to copy', () => {
    expect(fromXep.length).toBeGreaterThan(30);
    expect(fromSdp.length).toBeGreaterThanOrEqual(3);
  });

  it.each([...fromXep, ...fromSdp])('%s: equal to structuredClone, sharing no object', (_, j) => {
    const copy = clonePlain(j);
    expect(same(copy, structuredClone(j))).toBe(true);
    expect(same(copy, { ...j, sid: `${j.sid}x` })).toBe(false);
    const mine = new Set(nodes(j));
    expect(nodes(copy).filter((o) => mine.has(o))).toEqual([]);
  });

  it('keeps keys whose value is undefined, as structuredClone does', () => {
    const v = { a: undefined, b: [1, { c: undefined }] };
    expect(same(clonePlain(v), structuredClone(v))).toBe(true);
    expect(Object.keys(clonePlain(v))).toEqual(['a', 'b']);
  });
});
