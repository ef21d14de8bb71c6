/**
 * Building XML elements for stanzas. xmpp.js (`@xmpp/xml`) uses ltx's Element class, the same
 * one src/jingle builds, so elements of both mix freely.
 */
import { Element } from 'ltx';

export type XmlElement = Element;
export type XmlChild = Element | string | undefined | false | null;

/** `<name attrs…>children</name>`; undefined attributes and absent children are left out. */
export function xml(
  name: string,
  attrs: Record<string, string | number | undefined> = {},
  ...children: XmlChild[]
): Element {
  const clean: Record<string, string> = {};
  // for…in, not Object.entries: no array of pairs per element built (issue 12).
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== undefined) clean[k] = String(v);
  }
  const el = new Element(name, clean);
  for (const c of children) {
    if (c === undefined || c === false || c === null || c === '') continue;
    if (typeof c === 'string') el.t(c);
    else el.cnode(c);
  }
  return el;
}

/**
 * A copy of `s` that refers to no other string, for a value kept beyond the stanza it came in.
 * ltx (under xmpp.js) cuts attribute values and text out of the socket chunk they arrived in,
 * and V8 keeps such a substring as a slice that holds its whole parent alive: one JID kept for
 * a call's life (the device that answered, the caller, the sid) kept a chunk of up to 64 kB
 * (issue 12, docs/performance.md §Strings kept). The JSON round trip makes a flat string of the
 * exact length and keeps every UTF-16 code unit, a lone surrogate too (a UTF-8 round trip would
 * not: the copy must equal what it stands for, a key). Below 13 characters V8 copies substrings
 * anyway (SlicedString::kMinLength), so short values come back as they are. Costs ≈ 0.5 µs
 * per string: use it where a value is kept, not on every attribute.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** The first child element with this name and namespace (the namespace as written on it). */
export function childNs(el: Element, name: string, ns: string): Element | undefined {
  for (const c of el.children) {
    if (typeof c !== 'string' && c.name === name && c.getNS() === ns) return c;
  }
  return undefined;
}

/**
 * Number of elements and depth of a tree, to refuse absurd stanzas before parsing them. Iterative:
 * the recursive version overflowed the stack on a stanza 5,000 levels deep (test/fuzz). With a
 * `limit`, counting stops as soon as the tree is past it (the counts are then lower bounds).
 */
export function treeSize(
  el: Element,
  limit?: { elements: number; depth: number },
): { elements: number; depth: number } {
  let elements = 0;
  let max = 0;
  const stack: Array<[Element, number]> = [[el, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [e, depth] = top;
    elements++;
    if (depth > max) max = depth;
    if (limit && (elements > limit.elements || max > limit.depth)) break;
    for (const c of e.children) if (typeof c !== 'string') stack.push([c, depth + 1]);
  }
  return { elements, depth: max };
}
