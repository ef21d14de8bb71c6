/**
 * How much one Jingle element may hold (docs/policy.md §Sizes). XEP-0166 sets no bounds, but every
 * content becomes an SDP m= section and every candidate an `a=candidate` line in a SIP message,
 * so unbounded lists would become messages no peer takes (and work for us). The bounds are far
 * above what clients send: Conversations and browsers offer 1–3 contents, a dozen candidates per
 * transport after trickling, and about 20 payload types.
 */
import { fail } from './attrs';
import type { Element } from 'ltx';
import { MAX_XML_ATTRIBUTES, MAX_XML_BYTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS } from './xml';

/** Contents per `<jingle>`: the same bound as m= sections per SDP (src/sdp/parse.ts). */
export const MAX_CONTENTS = 64;
/** Candidates per `<transport>` (ICE-UDP or raw-UDP). */
export const MAX_CANDIDATES = 64;
/** Payload types per `<description>`: RTP has 128 payload type numbers (RFC 3551 §6). */
export const MAX_PAYLOAD_TYPES = 128;
/** Characters in one attribute value or text node (fingerprints and keys are under 200). */
export const MAX_VALUE_CHARS = 1024;

/** Longest sid taken (docs/policy.md §Sizes). */
export const MAX_SID = 256;
/** XML NameChar letters and digits, `._:-`, and the base64 characters some clients use. */
const SID = new RegExp(`^[\\p{L}\\p{N}._:\\-+/=]{1,${MAX_SID}}$`, 'u');

/** Whether `s` is a sid we take (XEP-0166 §7.1: a name chosen by the initiator, bounded here). */
export function isSid(s: string): boolean {
  return SID.test(s);
}

/** Fails when `count` items of `what` in `where` exceed `max`. */
export function checkCount(count: number, max: number, where: string, what: string): void {
  if (count > max) fail(where, `more than ${max} ${what}`);
}

/** Fails on the first attribute value or text longer than {@link MAX_VALUE_CHARS}, anywhere below `el`. */
export function checkValueLengths(el: Element): void {
  const stack: Element[] = [el];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    // for…in, not Object.entries: no array of pairs per element of every stanza (issue 12).
    for (const name in e.attrs) {
      const value: unknown = e.attrs[name];
      if (typeof value === 'string' && value.length > MAX_VALUE_CHARS)
        fail(`<${e.name} ${name}>`, `longer than ${MAX_VALUE_CHARS} characters`);
    }
    for (const c of e.children) {
      if (typeof c !== 'string') stack.push(c);
      else if (c.length > MAX_VALUE_CHARS)
        fail(`<${e.name}> text`, `longer than ${MAX_VALUE_CHARS} characters`);
    }
  }
}

/**
 * The bounds ./xml puts on XML text (elements, depth, attributes per element, bytes), for a tree
 * that arrived already parsed: a stanza from the component stream, parsed by xmpp.js. So a
 * `<jingle>` from the network meets the same limits as the CLI's input (docs/policy.md §Sizes).
 * Iterative, and it stops at the first bound passed (a tree 100,000 levels deep is refused at
 * once). Bytes are counted as characters of names, attribute values and text: a lower bound of
 * the serialised size.
 */
export function checkTreeLimits(el: Element): void {
  let elements = 0;
  let chars = 0;
  const stack: Array<[Element, number]> = [[el, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [e, depth] = top;
    if (++elements > MAX_XML_ELEMENTS) fail('<jingle>', `too large: more than ${MAX_XML_ELEMENTS} elements`);
    if (depth > MAX_XML_DEPTH) fail('<jingle>', `too large: nesting deeper than ${MAX_XML_DEPTH}`);
    chars += e.name.length;
    let attributes = 0;
    for (const name in e.attrs) {
      if (++attributes > MAX_XML_ATTRIBUTES)
        fail(`<${e.name}>`, `too large: more than ${MAX_XML_ATTRIBUTES} attributes`);
      const value: unknown = e.attrs[name];
      chars += name.length + (typeof value === 'string' ? value.length : 0);
    }
    for (const c of e.children) {
      if (typeof c === 'string') chars += c.length;
      else stack.push([c, depth + 1]);
    }
    if (chars > MAX_XML_BYTES) fail('<jingle>', `too large: larger than ${MAX_XML_BYTES} bytes`);
  }
}
