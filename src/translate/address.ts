/**
 * Addresses across the gateway: JIDs (RFC 7622) with XEP-0106 escaping ⇄ SIP URIs (RFC 3261
 * §19.1, §25.1), following RFC 7247 §5 and docs/design.md §Addressing. Pure: the routing data comes
 * in through an {@link AddressContext} (built from the configuration and
 * `mappings/address-rules.yaml`). Bad input throws `InputError('translate', 'address <a>', why)`.
 */
import { InputError } from '../errors';
import type { SipUri } from '../sip/message/types';
import { percentEncode } from '../sip/message/uri';
import { checkDomain, formatJid, parseJid } from './jid';

export { bareJid, formatJid, parseJid, type Jid } from './jid';

export type FromStyle = 'escaped' | 'direct';

/** A route for numbers (`mappings/address-rules.yaml` `routes`), regular expression compiled. */
export interface NumberRoute {
  match: RegExp;
  /** sip:/sips: URI of the trunk: its host, port and parameters are used. */
  trunk: string;
  strip: number;
  prepend: string;
}

/** `mappings/address-rules.yaml`, compiled. */
export interface AddressRules {
  /** Tested on a number after the separators are removed. */
  e164: RegExp;
  /** Visual separators removed from numbers (` -().`). */
  separators: string;
  /** The default From: style; the configuration may override it. */
  fromStyle: FromStyle;
  routes: NumberRoute[];
}

export interface AddressContext {
  /** The gateway's JID domain (`xmpp.domain`, e.g. `sip.example.net`). */
  gatewayDomain: string;
  /** The host the gateway writes in SIP (`sip.host`), IPv6 in brackets. */
  sipHost: string;
  /** Where XMPP-originated calls go (`sip.outbound`), a sip: URI. */
  outbound: string;
  /** XMPP domain of plain SIP users at our own host (`xmpp.defaultDomain`). */
  xmppDefaultDomain: string;
  fromStyle: FromStyle;
  rules: AddressRules;
}

const fail = (address: string, why: string): InputError =>
  new InputError('translate', `address ${address}`, why);

// ── XEP-0106 ────────────────────────────────────────────────────────────────────────────────

/** XEP-0106 §3.2: the nine characters disallowed in a localpart, and their escapes. */
const ESCAPES: Record<string, string> = {
  ' ': '\\20',
  '"': '\\22',
  '&': '\\26',
  "'": '\\27',
  '/': '\\2f',
  ':': '\\3a',
  '<': '\\3c',
  '>': '\\3e',
  '@': '\\40',
};
/** Every escape sequence, `\5c` (the backslash) included. Case is significant (§3.1). */
const SEQUENCE = /\\(20|22|26|27|2f|3a|3c|3e|40|5c)/g;
const UNESCAPES: Record<string, string> = { '5c': '\\' };
for (const [ch, esc] of Object.entries(ESCAPES)) UNESCAPES[esc.slice(1)] = ch;

/**
 * XEP-0106 escaping of a localpart. A backslash is escaped (`\5c`) only where it starts one of
 * the escape sequences (§4.2 rule 7, §4.3 step 3: `c:\5commas` → `c\3a\5c5commas`); any other
 * backslash stays (`c:\net` → `c\3a\net`, §4.4 exceptions: `foo\bar`, `\2plus\2is\4`).
 */
export function escapeLocal(s: string): string {
  // §4.2 rule 6: \20 must not be the first or last character of an escaped localpart.
  if (s.startsWith(' ') || s.endsWith(' ')) throw fail(s, 'space at the start or end (XEP-0106 §4.2)');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\' && /^(20|22|26|27|2f|3a|3c|3e|40|5c)/.test(s.slice(i + 1, i + 3))) out += '\\5c';
    else out += ESCAPES[ch] ?? ch;
  }
  return out;
}

/** XEP-0106 unescaping: only the ten sequences, left to right (§4.2 rule 3). */
export function unescapeLocal(s: string): string {
  return s.replace(SEQUENCE, (_m, hex: string) => UNESCAPES[hex] as string);
}

// JIDs (RFC 7622): ./jid, the one module that parses and compares them.

// ── Numbers ─────────────────────────────────────────────────────────────────────────────────

/** Removes the visual separators and tests the E.164 pattern; the number, or undefined. */
export function normaliseNumber(
  input: string,
  rules: Pick<AddressRules, 'e164' | 'separators'>,
): string | undefined {
  let out = '';
  for (const ch of input) if (!rules.separators.includes(ch)) out += ch;
  return rules.e164.test(out) ? out : undefined;
}

// ── SIP URIs ────────────────────────────────────────────────────────────────────────────────

/** RFC 3261 §25.1 `user`: unreserved / user-unreserved stay, all else is %XX (UTF-8). `;?/` are
 * escaped too, although allowed, because naive URI parsers split on them. */
const USER_SAFE = /[A-Za-z0-9\-_.!~*'()&=+$,]/;

export function encodeSipUser(s: string): string {
  return percentEncode(s, USER_SAFE);
}

export function decodeSipUser(s: string, address: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw fail(address, 'bad percent-encoding in user part');
  }
}

function parseParams(s: string, sep: string): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const part of s.split(sep)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out[part.toLowerCase()] = true;
    else out[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1);
  }
  return out;
}

/**
 * Splits a sip:, sips: or tel: URI (RFC 3261 §19.1.1, RFC 3966) far enough for address mapping;
 * `user` stays percent-encoded. A tel: URI has its number in `user` and an empty `host`.
 */
export function splitSipUri(uri: string): SipUri {
  const m = /^(sips?|tel):(.+)$/i.exec(uri.trim());
  if (!m) throw fail(uri, 'not a sip:, sips: or tel: URI');
  const scheme = (m[1] as string).toLowerCase() as SipUri['scheme'];
  let rest = m[2] as string;
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (!/^\+?[0-9A-Fa-f*#\-.()]+$/.test(number)) throw fail(uri, 'bad telephone number');
    return {
      scheme,
      user: number,
      host: '',
      params: semi < 0 ? {} : parseParams(rest.slice(semi + 1), ';'),
      headers: {},
    };
  }
  const result: SipUri = { scheme, host: '', params: {}, headers: {} };
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    result.user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) result.password = userinfo.slice(colon + 1);
    if (result.user === '') throw fail(uri, 'empty user part');
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    result.headers = parseParams(rest.slice(q + 1), '&') as Record<string, string>;
    rest = rest.slice(0, q);
  }
  const semi = rest.indexOf(';');
  if (semi >= 0) {
    result.params = parseParams(rest.slice(semi + 1), ';');
    rest = rest.slice(0, semi);
  }
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::([0-9]{1,5}))?$/.exec(rest);
  if (!hp) throw fail(uri, 'bad host or port');
  result.host = (hp[1] as string).toLowerCase();
  if (hp[2] !== undefined) {
    const port = Number(hp[2]);
    if (port < 1 || port > 65535) throw fail(uri, 'port out of range');
    result.port = port;
  }
  checkDomain(result.host, uri);
  return result;
}

function hostPort(u: SipUri): string {
  return u.port === undefined ? u.host : `${u.host}:${u.port}`;
}

function paramString(params: Record<string, string | true>): string {
  return Object.entries(params)
    .map(([k, v]) => (v === true ? `;${k}` : `;${k}=${v}`))
    .join('');
}

/** `<scheme>:<user>@<host:port of target><;params of target>`; `user` already encoded. */
function uriAt(target: string, user: string): string {
  const t = splitSipUri(target);
  if (t.scheme === 'tel') throw fail(target, 'a trunk must be a sip: or sips: URI');
  return `${t.scheme}:${user}@${hostPort(t)}${paramString(t.params)}`;
}

function isOurHost(host: string, ctx: AddressContext): boolean {
  const h = host.toLowerCase();
  return h === ctx.gatewayDomain.toLowerCase() || h === ctx.sipHost.toLowerCase();
}

// ── XMPP → SIP ──────────────────────────────────────────────────────────────────────────────

/**
 * The SIP request-URI for a callee JID at the gateway (`local@<gatewayDomain>`): an address in
 * the local part goes straight to its host; a number goes to the first matching route's trunk,
 * else to `outbound`; any other user goes to `outbound`.
 */
export function jidToSipUri(jid: string, ctx: AddressContext): string {
  const { local, domain } = parseJid(jid);
  if (domain.toLowerCase() !== ctx.gatewayDomain.toLowerCase()) throw fail(jid, 'not at the gateway domain');
  if (local === undefined) throw fail(jid, 'no local part: nobody to call');
  const target = unescapeLocal(local);
  const at = target.lastIndexOf('@');
  if (at >= 0) {
    // alice\40pbx.example.org → sip:alice@pbx.example.org
    const user = target.slice(0, at);
    const host = target.slice(at + 1);
    if (user === '') throw fail(jid, 'empty user before @');
    const uri = `sip:${encodeSipUser(user)}@${host}`;
    splitSipUri(uri); // validates the host and port
    return uri;
  }
  const number = normaliseNumber(target, ctx.rules);
  if (number !== undefined) {
    const route = ctx.rules.routes.find((r) => r.match.test(number));
    if (route === undefined) return uriAt(ctx.outbound, encodeSipUser(number));
    const routed = route.prepend + number.slice(route.strip);
    if (routed === '') throw fail(jid, 'route leaves an empty number');
    return uriAt(route.trunk, encodeSipUser(routed));
  }
  return uriAt(ctx.outbound, encodeSipUser(target));
}

/**
 * The From: URI for an XMPP caller (RFC 7247 §5.2), resource dropped. `escaped`:
 * `sip:romeo%40montague.lit@<gatewayDomain>`; `direct`: `sip:romeo@montague.lit`. The display
 * name is the caller's business (it goes in the name-addr, not here).
 */
export function callerJidToSipFrom(
  jid: string,
  ctx: AddressContext,
  style: FromStyle = ctx.fromStyle,
): string {
  const { local, domain } = parseJid(jid);
  if (local === undefined) throw fail(jid, 'no local part');
  const user = unescapeLocal(local);
  if (style === 'direct') return `sip:${encodeSipUser(user)}@${domain}`;
  return `sip:${encodeSipUser(`${user}@${domain}`)}@${ctx.gatewayDomain}`;
}

// ── SIP → XMPP ──────────────────────────────────────────────────────────────────────────────

function jidOf(local: string, domain: string, address: string): string {
  const jid = `${escapeLocal(local)}@${domain}`;
  try {
    return formatJid(parseJid(jid));
  } catch (e) {
    if (e instanceof InputError) throw fail(address, `maps to an invalid JID ${jid}: ${e.detail}`);
    throw e;
  }
}

/**
 * The callee JID for a request-URI or To: URI. `sip:juliet@capulet.lit` → `juliet@capulet.lit`;
 * at our own host (gateway domain or SIP host), `sip:juliet%40capulet.lit@…` →
 * `juliet@capulet.lit` and a plain `sip:alice@…` (or a tel: URI) → `alice@<xmppDefaultDomain>`.
 */
export function sipUriToJid(uri: string, ctx: AddressContext): string {
  const u = splitSipUri(uri);
  if (u.scheme === 'tel') {
    const number = normaliseNumber(u.user ?? '', ctx.rules);
    if (number === undefined) throw fail(uri, 'not a number');
    return jidOf(number, ctx.xmppDefaultDomain, uri);
  }
  if (u.user === undefined) throw fail(uri, 'no user part');
  const user = decodeSipUser(u.user, uri);
  if (!isOurHost(u.host, ctx)) return jidOf(user, u.host, uri);
  const at = user.lastIndexOf('@');
  if (at < 0) return jidOf(user, ctx.xmppDefaultDomain, uri);
  return jidOf(user.slice(0, at), user.slice(at + 1), uri);
}

/**
 * The caller JID for a From: URI. Always at the gateway's domain, so replies come back through
 * the gateway and no SIP peer can pose as an XMPP user elsewhere: a number →
 * `+15551234@<gw>`; a user at our own host → `alice@<gw>`; any other → `bob\40pbx.example.org@<gw>`.
 */
export function sipCallerToJid(uri: string, ctx: AddressContext): string {
  const u = splitSipUri(uri);
  const raw = u.scheme === 'tel' ? (u.user ?? '') : u.user;
  if (raw === undefined) throw fail(uri, 'no user part');
  const user = decodeSipUser(raw, uri);
  const number = normaliseNumber(user, ctx.rules);
  if (number !== undefined) return jidOf(number, ctx.gatewayDomain, uri);
  if (u.scheme === 'tel') throw fail(uri, 'not a number');
  if (isOurHost(u.host, ctx)) return jidOf(user, ctx.gatewayDomain, uri);
  return jidOf(`${user}@${u.host}`, ctx.gatewayDomain, uri);
}
