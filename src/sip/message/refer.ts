/**
 * The headers of call transfer: Refer-To (RFC 3515 §2.1), Replaces (RFC 3891 §6.1), Referred-By
 * (RFC 3892 §3) and Refer-Sub (RFC 4488 §3).
 *
 *     Refer-To    = ("Refer-To" / "r") HCOLON ( name-addr / addr-spec ) *(SEMI generic-param)
 *     Replaces    = "Replaces" HCOLON callid *(SEMI replaces-param)
 *     replaces-param = to-tag / from-tag / early-flag / generic-param
 *     to-tag = "to-tag" EQUAL token;  from-tag = "from-tag" EQUAL token;  early-flag = "early-only"
 *     Referred-By = ("Referred-By" / "b") HCOLON referrer-uri *( SEMI (referredby-id-param / generic-param) )
 *     Refer-Sub   = "Refer-Sub" HCOLON refer-sub-value *(SEMI exten);  refer-sub-value = "true" / "false"
 *
 * An attended transfer carries the Replaces header inside the Refer-To URI (RFC 3891 §3, RFC 3515
 * §2.1): `<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>`.
 * The header value is escaped as an RFC 3261 §19.1.1 / §25.1 `hvalue` (`;` → %3B, `=` → %3D,
 * `@` → %40); such a URI must be written in name-addr form, inside `<>` (RFC 3261 §20.10).
 */
import { InputError } from '../../errors';
import { isToken, trimLws } from './grammar';
import { isValidCallId } from './message-rules';
import { formatNameAddr, parseNameAddr } from './name-addr';
import { formatParams, parseParams, type Params } from './params';
import type { NameAddr, SipUri } from './types';
import { parseSipUri, percentDecode, percentEncode } from './uri';

/** The dialog a Replaces header names, from the point of view of the UA that receives it (RFC 3891 §3). */
export interface Replaces {
  callId: string;
  /** The receiving UA's own tag in that dialog. */
  toTag: string;
  /** The other party's tag. */
  fromTag: string;
  /** RFC 3891 §3: replace only a dialog that is still early. */
  earlyOnly: boolean;
  /** Other parameters (names lower-cased). */
  params: Params;
}

/** A parsed Refer-To: the target (name-addr) and, for an attended transfer, the Replaces in its URI. */
export interface ReferTo {
  target: NameAddr;
  /** The URI split; `headers` still escaped as written. Absent for a scheme other than sip/sips/tel. */
  uri?: SipUri;
  /** RFC 3891 §3: the Replaces header embedded in the URI, unescaped and parsed. */
  replaces?: Replaces;
  /** The `method` URI parameter (RFC 3261 §19.1.1), upper-cased; INVITE when absent (RFC 3515 §2.4.2). */
  method: string;
}

/** The longest Refer-To / Replaces value taken: far above real ones (about 200 characters). */
export const MAX_REFER_VALUE = 2048;

function fail(where: string, detail: string): never {
  throw new InputError('sip', where, detail);
}

function checkLength(value: string, where: string): void {
  if (value.length > MAX_REFER_VALUE) fail(where, `longer than ${MAX_REFER_VALUE} characters`);
}

// ── Replaces ────────────────────────────────────────────────────────────────────────────────

/** Parses a Replaces value (RFC 3891 §6.1): a Call-ID, exactly one to-tag and one from-tag. */
export function parseReplaces(value: string, where = 'header Replaces'): Replaces {
  checkLength(value, where);
  const text = trimLws(value);
  const semi = text.indexOf(';');
  const callId = trimLws(semi < 0 ? text : text.slice(0, semi));
  if (!isValidCallId(callId)) fail(where, `invalid Call-ID "${callId.slice(0, 40)}"`);
  // parseParams refuses a repeated name, so a second to-tag or from-tag is an error too.
  const all = parseParams(semi < 0 ? '' : text.slice(semi), where);
  const tag = (name: 'to-tag' | 'from-tag'): string => {
    const v = all[name];
    if (v === undefined) fail(where, `no ${name} (RFC 3891 §6.1 needs one to-tag and one from-tag)`);
    if (v === true || !isToken(v)) fail(where, `${name} is not a token`);
    return v;
  };
  const out: Replaces = {
    callId,
    toTag: tag('to-tag'),
    fromTag: tag('from-tag'),
    earlyOnly: false,
    params: {},
  };
  for (const [k, v] of Object.entries(all)) {
    if (k === 'to-tag' || k === 'from-tag') continue;
    if (k === 'early-only') {
      if (v !== true) fail(where, 'early-only takes no value');
      out.earlyOnly = true;
    } else out.params[k] = v;
  }
  return out;
}

export function formatReplaces(r: Replaces): string {
  return `${r.callId};to-tag=${r.toTag};from-tag=${r.fromTag}${r.earlyOnly ? ';early-only' : ''}${formatParams(r.params)}`;
}

// ── URI header escaping (RFC 3261 §25.1 hvalue) ─────────────────────────────────────────────

/** hvalue = *( hnv-unreserved / unreserved / escaped ): what may stand unescaped. */
const HVALUE_SAFE = /[A-Za-z0-9\-_.!~*'()[\]/?:+$]/;

/** Escapes a header value for use in a URI (`?Replaces=<escaped>`), UTF-8 bytes as %XX. */
export function escapeHvalue(value: string): string {
  return percentEncode(value, HVALUE_SAFE);
}

/** Undoes {@link escapeHvalue}: %XX as UTF-8; a bad escape or invalid UTF-8 is an error. */
export function unescapeHvalue(value: string, where: string): string {
  return percentDecode(value, where);
}

// ── Refer-To ────────────────────────────────────────────────────────────────────────────────

/** The value of a URI header by name, case-insensitively (header names are, RFC 3261 §7.3.1). */
function uriHeader(uri: SipUri, name: string): string | undefined {
  const key = Object.keys(uri.headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : uri.headers[key];
}

/**
 * Parses one Refer-To value. A URI of another scheme (RFC 3515 §2.1 allows `http:`) parses, with
 * no `uri`: whether to act on it is the recipient's decision. A Replaces in the URI is unescaped
 * and parsed; a bad one is an error (the REFER gets 400).
 */
export function parseReferTo(value: string, where = 'header Refer-To'): ReferTo {
  checkLength(value, where);
  const target = parseNameAddr(value, where);
  const scheme = target.uri.slice(0, target.uri.indexOf(':')).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') return { target, method: 'INVITE' };
  const uri = parseSipUri(target.uri, where);
  const m = uri.params.method;
  const out: ReferTo = { target, uri, method: typeof m === 'string' ? m.toUpperCase() : 'INVITE' };
  if (m === true) fail(where, 'URI parameter method needs a value');
  const replaces = uriHeader(uri, 'replaces');
  if (replaces !== undefined)
    out.replaces = parseReplaces(unescapeHvalue(replaces, where), `${where} Replaces`);
  return out;
}

/**
 * Writes a Refer-To value: always the name-addr form, with `replaces` (attended transfer) added to
 * the URI as an escaped `?Replaces=` header (RFC 3891 §3). `uri` must carry no headers of its own.
 */
export function formatReferTo(target: NameAddr, replaces?: Replaces): string {
  if (target.uri.includes('?')) fail('Refer-To', 'the target URI already carries headers');
  const uri =
    replaces === undefined ? target.uri : `${target.uri}?Replaces=${escapeHvalue(formatReplaces(replaces))}`;
  return formatNameAddr({ ...target, uri });
}

// ── Referred-By ─────────────────────────────────────────────────────────────────────────────

/** Referred-By (RFC 3892 §3): the referrer's URI, with an optional `cid` naming a signed body. */
export function parseReferredBy(value: string, where = 'header Referred-By'): NameAddr {
  checkLength(value, where);
  return parseNameAddr(value, where);
}

export function formatReferredBy(referrer: NameAddr): string {
  return formatNameAddr(referrer);
}

// ── Refer-Sub ───────────────────────────────────────────────────────────────────────────────

/** Refer-Sub (RFC 4488 §3): `true` or `false` (case-insensitive), extension parameters ignored. */
export function parseReferSub(value: string, where = 'header Refer-Sub'): boolean {
  const text = trimLws(value);
  const semi = text.indexOf(';');
  const v = trimLws(semi < 0 ? text : text.slice(0, semi)).toLowerCase();
  parseParams(semi < 0 ? '' : text.slice(semi), where);
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fail(where, `"${v.slice(0, 20)}" is not true or false`);
}
