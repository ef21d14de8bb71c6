/**
 * RFC 6120 §13.12 (denial of service): a stanza larger or deeper than any the gateway handles is
 * refused before xmpp.js sees it. Its IQ error reply would echo the payload back, and ltx cannot
 * even write one 5,000 levels deep (RangeError: the client got no answer; test/fuzz). The bounds
 * are the Jingle model's (src/jingle/xml.ts) plus the `<iq>` around it.
 */
import { MAX_XML_DEPTH, MAX_XML_ELEMENTS } from '../../jingle/xml';
import { treeSize, type XmlElement } from '../stanza';
import { iqReply } from './iq-callee';

/** The largest stanza handled: a Jingle document at its limits inside an `<iq>`. */
export const STANZA_LIMITS = { elements: MAX_XML_ELEMENTS + 1, depth: MAX_XML_DEPTH + 1 };

/**
 * Undefined for a stanza within the limits. Otherwise it is refused: an IQ get/set gets the
 * `reply` (bad-request, without the payload); anything else is dropped (no reply).
 */
export function refusal(el: XmlElement): { reply?: XmlElement } | undefined {
  const size = treeSize(el, STANZA_LIMITS);
  if (size.elements <= STANZA_LIMITS.elements && size.depth <= STANZA_LIMITS.depth) return undefined;
  const { id, from, type } = el.attrs;
  if (el.name !== 'iq' || (type !== 'get' && type !== 'set') || id === undefined || from === undefined)
    return {};
  const text = `stanza too large (more than ${MAX_XML_ELEMENTS} elements or ${MAX_XML_DEPTH} levels)`;
  return { reply: iqReply(el, { error: { condition: 'bad-request', text } }, null) };
}
