/**
 * The Jingle XML layer: untrusted XML text ⇄ the validated Jingle model (./types).
 *
 * Parsing is strict (./xml for the XML itself, one file per XEP for the elements) and every
 * failure is an InputError naming the element and attribute. Serialising writes each namespaced
 * child with its own xmlns, attributes in a fixed order, and leaves absent fields out.
 */
import { Element } from 'ltx';
import { fail, localName, nsOf, q } from './attrs';
import { checkTreeLimits } from './limits';
import { NS_JINGLE } from './namespaces';
import { jingleToElement, parseJingle } from './xep0166';
import { parseXml } from './xml';
import type { HashTable } from '../mapping';
import type { Jingle, JingleIq } from './types';

export * from './types';
export * from './namespaces';
export { MAX_XML_ATTRIBUTES, MAX_XML_BYTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, parseXml } from './xml';

const IQ_TYPES: readonly JingleIq['type'][] = ['set', 'get', 'result', 'error'];
/** Stanza namespaces an `<iq>` can have (RFC 6120 client/server, XEP-0114 component), or none. */
const STANZA_NS = new Set([undefined, 'jabber:client', 'jabber:server', 'jabber:component:accept']);

/**
 * Parses a `<jingle>` element (a tree parsed elsewhere: a stanza from the network) into the
 * model, validating it (fingerprints against `hashes`), within the same bounds as
 * {@link parseJingleXml}'s text (./limits).
 */
export function jingleFromElement(el: Element, hashes: HashTable): Jingle {
  checkTreeLimits(el);
  return parseJingle(el, hashes);
}

export { jingleToElement };

/** The `<iq>` attributes (id, type, from, to) and its single `<jingle>` child. */
function parseIq(el: Element, hashes: HashTable): { iq: Omit<JingleIq, 'jingle'>; jingle: Jingle } {
  const id = el.attrs.id;
  if (typeof id !== 'string' || id === '') fail('<iq> id', 'missing');
  const type = el.attrs.type;
  if (typeof type !== 'string') fail(`<iq id=${q(id)}> type`, 'missing');
  if (!(IQ_TYPES as readonly string[]).includes(type)) {
    fail(`<iq id=${q(id)}> type`, `${q(type)} is not one of ${IQ_TYPES.join(', ')}`);
  }
  const ns = el.attrs.xmlns;
  let jingleEl: Element | undefined;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (localName(child) !== 'jingle') continue;
    const jns = nsOf(child, ns);
    if (jns !== NS_JINGLE) fail('<jingle> xmlns', `${q(jns ?? '')} is not ${NS_JINGLE}`);
    if (jingleEl) fail(`<iq id=${q(id)}> <jingle>`, 'more than one');
    jingleEl = child;
  }
  if (!jingleEl) fail(`<iq id=${q(id)}>`, `no <jingle xmlns='${NS_JINGLE}'> child`);
  const iq: Omit<JingleIq, 'jingle'> = { id, type: type as JingleIq['type'] };
  const from = el.attrs.from;
  if (typeof from === 'string') iq.from = from;
  const to = el.attrs.to;
  if (typeof to === 'string') iq.to = to;
  return { iq, jingle: parseJingle(jingleEl, hashes) };
}

/**
 * Parses XML text holding either an `<iq>` (with id and type) around one `<jingle>`, or a bare
 * `<jingle>`. Throws InputError('xml' | 'jingle', …) on anything malformed. Fingerprints are checked
 * against `hashes` (mappings/hashes.yaml, loaded at the edge).
 */
export function parseJingleXml(
  text: string,
  hashes: HashTable,
): { iq?: Omit<JingleIq, 'jingle'>; jingle: Jingle } {
  const root = parseXml(text);
  const name = localName(root);
  if (name === 'iq') {
    if (!STANZA_NS.has(root.getNS()))
      fail('<iq> xmlns', `${q(root.getNS() ?? '')} is not a stanza namespace`);
    return parseIq(root, hashes);
  }
  if (name === 'jingle') return { jingle: parseJingle(root, hashes) };
  fail(`<${root.name}>`, `expected <iq> or <jingle xmlns='${NS_JINGLE}'>`);
}

export function serializeJingle(j: Jingle): string {
  return jingleToElement(j).toString();
}

export function jingleIqToElement(iq: JingleIq): Element {
  const el = new Element('iq');
  const attrs = el.attrs;
  if (iq.from !== undefined) attrs.from = iq.from;
  attrs.id = iq.id;
  if (iq.to !== undefined) attrs.to = iq.to;
  attrs.type = iq.type;
  const j = jingleToElement(iq.jingle);
  el.children.push(j);
  j.parent = el;
  return el;
}

export function serializeJingleIq(iq: JingleIq): string {
  return jingleIqToElement(iq).toString();
}
