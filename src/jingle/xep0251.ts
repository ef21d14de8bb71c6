/**
 * XEP-0251: Jingle Session Transfer (version 0.2).
 *
 * `<transfer xmlns='urn:xmpp:jingle:transfer:0' from sid to/>` is a session-info payload from
 * the transferor (§2 unattended: `to` only; §3 attended: `from`, `sid` of the transferor's session
 * with the target, and `to`), and a child of the transferee's new session-initiate (§2: `from`;
 * §3: `from`, `sid`, `to`). `<transferred/>` sits in the `<reason>` of the session-terminate that
 * ends the replaced session (§2, §3). All three attributes are optional in the §8 schema; here
 * `from` and `to` must be non-empty addresses without spaces, and `sid` a sid as XEP-0166 §7.1
 * takes it (src/jingle/limits.ts), so that what the translation reads is bounded and clean.
 */
import type { Element } from 'ltx';
import { build, fail, optString, q } from './attrs';
import { isSid, MAX_SID } from './limits';
import { NS_TRANSFER } from './namespaces';
import type { Transfer } from './types';

const WHERE = `<transfer xmlns=${q(NS_TRANSFER)}>`;

/** A JID as an attribute value: not empty, no whitespace or control characters (RFC 7622 §3). */
function address(el: Element, attr: 'from' | 'to'): string | undefined {
  const v = optString(el, attr);
  if (v === undefined) return undefined;
  if (v === '' || /[\s\x00-\x1f\x7f]/.test(v)) fail(`${WHERE} ${attr}`, `${q(v)} is not a JID`);
  return v;
}

export function parseTransfer(el: Element): Transfer {
  for (const c of el.children)
    if (typeof c !== 'string') fail(`${WHERE} <${c.name}>`, 'unknown element (the element is empty, §8)');
  const t: Transfer = {};
  const from = address(el, 'from');
  if (from !== undefined) t.from = from;
  const sid = optString(el, 'sid');
  if (sid !== undefined) {
    if (!isSid(sid)) fail(`${WHERE} sid`, `not 1–${MAX_SID} letters, digits or . _ : - + / =`);
    t.sid = sid;
  }
  const to = address(el, 'to');
  if (to !== undefined) t.to = to;
  return t;
}

/** Writes `<transfer/>` with the attributes in the XEP's order (from, sid, to). */
export function transferToElement(t: Transfer): Element {
  return build('transfer', { xmlns: NS_TRANSFER, from: t.from, sid: t.sid, to: t.to });
}

export function transferredElement(): Element {
  return build('transferred', { xmlns: NS_TRANSFER });
}
