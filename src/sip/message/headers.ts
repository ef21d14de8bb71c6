/**
 * Header names and lookups: compact forms (RFC 3261 §7.3.3 and the extensions that add them),
 * canonical spellings, and get/set helpers on the ordered header list of a {@link SipMessage}.
 */
import { splitHeaderValues } from './grammar';
import type { SipHeader, SipMessage } from './types';

export { splitHeaderValues };

/** Compact form → full name. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = Object.freeze({
  a: 'Accept-Contact', // RFC 3841
  b: 'Referred-By', // RFC 3892
  c: 'Content-Type', // RFC 3261
  d: 'Request-Disposition', // RFC 3841
  e: 'Content-Encoding', // RFC 3261
  f: 'From', // RFC 3261
  i: 'Call-ID', // RFC 3261
  j: 'Reject-Contact', // RFC 3841
  k: 'Supported', // RFC 3261
  l: 'Content-Length', // RFC 3261
  m: 'Contact', // RFC 3261
  o: 'Event', // RFC 3265 / 6665
  r: 'Refer-To', // RFC 3515
  s: 'Subject', // RFC 3261
  t: 'To', // RFC 3261
  u: 'Allow-Events', // RFC 3265 / 6665
  v: 'Via', // RFC 3261
  x: 'Session-Expires', // RFC 4028
  y: 'Identity', // RFC 8224
});

/** Canonical spellings of the headers whose usual case is not plain Title-Case. */
const SPECIAL_CASE: Readonly<Record<string, string>> = Object.freeze({
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
});

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so several values may share
 * one line. Not listed on purpose: the auth headers and Date, whose single values contain commas.
 */
const MULTI_VALUE = new Set([
  'accept',
  'accept-contact',
  'accept-encoding',
  'accept-language',
  'alert-info',
  'allow',
  'allow-events',
  'call-info',
  'contact',
  'content-encoding',
  'content-language',
  'error-info',
  'in-reply-to',
  'path',
  'proxy-require',
  'reason',
  'record-route',
  'reject-contact',
  'require',
  'route',
  'security-client',
  'security-server',
  'security-verify',
  'service-route',
  'supported',
  'unsupported',
  'via',
  'warning',
]);

/**
 * A table entry for a name off the wire: own keys only, so that a header called `constructor` or
 * `__proto__` is not looked up on Object.prototype (test/fuzz found `constructor:` throwing).
 */
const own = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/**
 * Keys of the names seen so far: every header lookup compares each header's key, so the same
 * few dozen names were lower-cased again and again (issue 12's profile: ≈ 3 % of a call). Bounded:
 * names off the wire are the peer's choice; past {@link KEY_CACHE_MAX} they are computed each time.
 */
const keyCache = new Map<string, string>();
const KEY_CACHE_MAX = 512;

/** The key headers are compared by: the full name, lower-cased. */
export function headerKey(name: string): string {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = (own(COMPACT_FORMS, lower) ?? lower).toLowerCase();
  if (keyCache.size < KEY_CACHE_MAX) keyCache.set(name, key);
  return key;
}

/** Canonical names by key, as {@link keyCache} (every header a message is given gets one). */
const canonicalCache = new Map<string, string>();

/** `v` → `Via`, `call-id` → `Call-ID`, `x-foo` → `X-Foo`. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const cached = canonicalCache.get(key);
  if (cached !== undefined) return cached;
  const canonical =
    own(SPECIAL_CASE, key) ??
    key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  if (canonicalCache.size < KEY_CACHE_MAX) canonicalCache.set(key, canonical);
  return canonical;
}

/** Expands a compact name to its full canonical name; other names are kept as received. */
export function expandCompactName(name: string): string {
  return name.length === 1 ? (own(COMPACT_FORMS, name.toLowerCase()) ?? name) : name;
}

export function isMultiValueHeader(name: string): boolean {
  return MULTI_VALUE.has(headerKey(name));
}

/** All values of a header, in order; list headers are split on commas (quotes and <> respected). */
export function headers(msg: Pick<SipMessage, 'headers'>, name: string): string[] {
  const key = headerKey(name);
  const multi = MULTI_VALUE.has(key);
  const out: string[] = [];
  for (const h of msg.headers) {
    if (headerKey(h.name) !== key) continue;
    if (multi) {
      for (const v of splitHeaderValues(h.value)) if (v !== '') out.push(v);
    } else {
      out.push(h.value);
    }
  }
  return out;
}

/** The first value of a header (the topmost Via, the first Contact), or undefined. */
export function header(msg: Pick<SipMessage, 'headers'>, name: string): string | undefined {
  const key = headerKey(name);
  const multi = MULTI_VALUE.has(key);
  for (const h of msg.headers) {
    if (headerKey(h.name) !== key) continue;
    if (!multi) return h.value;
    // The first value of the first line that has one: the lines after it are not split (the top
    // Via of a request with a dozen Vias is read on every hop; issue 12).
    for (const v of splitHeaderValues(h.value)) if (v !== '') return v;
  }
  return undefined;
}

function replaceHeaders<M extends SipMessage>(msg: M, list: SipHeader[]): M {
  return { ...msg, headers: list };
}

/**
 * A copy of `msg` in which `name` has the single value `value`: it takes the place of the first
 * existing occurrence (compact or not) and the others are removed; otherwise it is appended.
 */
export function withHeader<M extends SipMessage>(msg: M, name: string, value: string): M {
  const key = headerKey(name);
  const list: SipHeader[] = [];
  let placed = false;
  for (const h of msg.headers) {
    if (headerKey(h.name) !== key) list.push(h);
    else if (!placed) {
      list.push({ name: canonicalHeaderName(name), value });
      placed = true;
    }
  }
  if (!placed) list.push({ name: canonicalHeaderName(name), value });
  return replaceHeaders(msg, list);
}

/** A copy of `msg` with one more header line, before the others (`first`, as for Via) or last. */
export function withAddedHeader<M extends SipMessage>(
  msg: M,
  name: string,
  value: string,
  position: 'first' | 'last' = 'last',
): M {
  const h: SipHeader = { name: canonicalHeaderName(name), value };
  if (position === 'last') return replaceHeaders(msg, [...msg.headers, h]);
  const key = headerKey(name);
  const at = msg.headers.findIndex((x) => headerKey(x.name) === key);
  const list = [...msg.headers];
  list.splice(at < 0 ? list.length : at, 0, h);
  return replaceHeaders(msg, list);
}

/** A copy of `msg` without any `name` header. */
export function withoutHeader<M extends SipMessage>(msg: M, name: string): M {
  const key = headerKey(name);
  return replaceHeaders(
    msg,
    msg.headers.filter((h) => headerKey(h.name) !== key),
  );
}
