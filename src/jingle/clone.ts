/**
 * A deep copy of plain data — objects, arrays, strings, numbers, booleans, undefined — such as the
 * Jingle model of ./types: what structuredClone gives for it, without its serializing round trip.
 * A call keeps its own copy of the offer and of the answer it was given (they are merged into
 * later); structuredClone of them was ≈ 2.4 % of an XMPP → SIP call's CPU (issue 12): 20 µs for
 * the XEP-0320 example offer and 163 µs for a Chromium audio+video offer, against 3.6 µs and 30 µs
 * here. Not for class instances, Maps, Dates or cyclic data (the model has none).
 */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = clonePlain((value as Record<string, unknown>)[k]);
  return out as T;
}
