/**
 * How much one Jingle element may hold (docs/policy.md §Sizes). XEP-0166 sets no bounds, but every
 * content becomes an SDP m= section and every candidate an `a=candidate` line in a SIP message,
 * so unbounded lists would become messages no peer takes (and work for us). The bounds are far
 * above what clients send: Conversations and browsers offer 1–3 contents, a dozen candidates per
 * transport after trickling, and about 20 payload types.
 */
import { fail } from './attrs';
import type { Element } from 'ltx';

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
    for (const [name, value] of Object.entries(e.attrs)) {
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
