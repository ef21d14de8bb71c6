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
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = String(v);
  const el = new Element(name, clean);
  for (const c of children) {
    if (c === undefined || c === false || c === null || c === '') continue;
    if (typeof c === 'string') el.t(c);
    else el.cnode(c);
  }
  return el;
}

/** The first child element with this name and namespace (the namespace as written on it). */
export function childNs(el: Element, name: string, ns: string): Element | undefined {
  for (const c of el.children) {
    if (typeof c !== 'string' && c.name === name && c.getNS() === ns) return c;
  }
  return undefined;
}

/** Number of elements and depth of a tree, to refuse absurd stanzas before parsing them. */
export function treeSize(el: Element, depth = 1): { elements: number; depth: number } {
  let elements = 1;
  let max = depth;
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    const s = treeSize(c, depth + 1);
    elements += s.elements;
    if (s.depth > max) max = s.depth;
  }
  return { elements, depth: max };
}
