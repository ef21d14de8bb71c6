/**
 * sip:, sips: and tel: URIs (RFC 3261 §19.1, §25.1; RFC 3966 for tel).
 *
 * Conventions: `user`, `password`, parameter values and header values stay percent-encoded as
 * written (RFC 4475 §3.1.1.3: "value%41" is not "valueA"); use {@link decodeSipUser} to compare or
 * display a user part. IPv6 hosts are stored without brackets and written with them. Parameter
 * names are lower-cased. For tel: the number is in `user` and `host` is empty.
 */
import { isIPv6 } from 'node:net';
import { InputError } from '../../errors';
import { isAlphaNum, isDigits, isEscapedText, MARK } from './grammar';
import { formatParams } from './params';
import type { SipUri } from './types';

const USER_CHARS = MARK + '&=+$,;?/';
const PASSWORD_CHARS = MARK + '&=+$,';
const PARAM_CHARS = MARK + '[]/:&+$';
const HEADER_CHARS = MARK + '[]/?:+$';
const TEL_CHARS = '+-.()*#' + 'ABCDEFabcdef';

function isHostname(h: string): boolean {
  // hostname = *( domainlabel "." ) toplabel [ "." ]; IPv4address has the same characters.
  if (h.length === 0 || h.length > 255) return false;
  let prev = '.';
  for (const c of h) {
    if (c === '.') {
      if (prev === '.' || prev === '-') return false;
    } else if (c === '-') {
      if (prev === '.') return false;
    } else if (!isAlphaNum(c)) return false;
    prev = c;
  }
  return prev !== '-';
}

/** Parses `host[:port]` where host may be an IPv6 reference `[…]`. Port 0–65535. */
export function parseHostPort(text: string, where: string): { host: string; port?: number } {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new InputError('sip', where, 'unterminated IPv6 reference');
    host = text.slice(1, close);
    if (!isIPv6(host)) throw new InputError('sip', where, `invalid IPv6 address "${host}"`);
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
    if (!isHostname(host)) throw new InputError('sip', where, `invalid host "${host}"`);
  }
  if (rest === '') return { host };
  const portText = rest.slice(1);
  if (rest[0] !== ':' || !isDigits(portText) || portText.length > 5 || Number(portText) > 65535) {
    throw new InputError('sip', where, `invalid port "${rest}"`);
  }
  return { host, port: Number(portText) };
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function parseUriParams(text: string, where: string): Record<string, string | true> {
  const params: Record<string, string | true> = Object.create(null) as Record<string, string | true>;
  if (text === '') return params;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? true : part.slice(eq + 1);
    if (name === '' || !isEscapedText(name, PARAM_CHARS)) {
      throw new InputError('sip', where, `invalid URI parameter "${part}"`);
    }
    if (value !== true && (value === '' || !isEscapedText(value, PARAM_CHARS))) {
      throw new InputError('sip', where, `invalid value of URI parameter ${name}`);
    }
    // RFC 3261 §19.1.1: any given parameter name MUST NOT appear more than once.
    if (name in params) throw new InputError('sip', where, `URI parameter ${name} repeated`);
    params[name] = value;
  }
  return params;
}

function parseUriHeaders(text: string, where: string): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (name === '' || !isEscapedText(name, HEADER_CHARS) || !isEscapedText(value, HEADER_CHARS)) {
      throw new InputError('sip', where, `invalid URI header "${part}"`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Parses a sip:, sips: or tel: URI. Whitespace anywhere is an error (RFC 4475 §3.1.2.8). */
export function parseSipUri(text: string, where = 'URI'): SipUri {
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? '' : text.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    throw new InputError('sip', where, `not a sip, sips or tel URI: "${text.slice(0, 40)}"`);
  }
  let rest = text.slice(colon + 1);
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (number === '' || !isEscapedText(number, TEL_CHARS)) {
      throw new InputError('sip', where, `invalid telephone number "${number}"`);
    }
    const params = parseUriParams(semi < 0 ? '' : rest.slice(semi + 1), where);
    return { scheme, user: number, host: '', params, headers: {} };
  }
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (rest.indexOf('@', at + 1) >= 0) throw new InputError('sip', where, 'more than one "@" in URI');
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    const user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (user === '' || !isEscapedText(user, USER_CHARS)) {
      throw new InputError('sip', where, `invalid user part "${user}"`);
    }
    uri.user = user;
    if (pc >= 0) {
      const password = userinfo.slice(pc + 1);
      if (!isEscapedText(password, PASSWORD_CHARS)) throw new InputError('sip', where, 'invalid password');
      uri.password = password;
    }
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf('?');
  const beforeHeaders = q < 0 ? rest : rest.slice(0, q);
  const semi = beforeHeaders.indexOf(';');
  const hostport = semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const hp = parseHostPort(hostport, where);
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  uri.params = parseUriParams(semi < 0 ? '' : beforeHeaders.slice(semi + 1), where);
  if (q >= 0) uri.headers = parseUriHeaders(rest.slice(q + 1), where);
  return uri;
}

export function formatSipUri(uri: SipUri): string {
  let out = `${uri.scheme}:`;
  if (uri.scheme === 'tel') out += uri.user ?? '';
  else {
    if (uri.user !== undefined) {
      out += uri.user;
      if (uri.password !== undefined) out += `:${uri.password}`;
      out += '@';
    }
    out += formatHost(uri.host);
    if (uri.port !== undefined) out += `:${uri.port}`;
  }
  out += formatParams(uri.params);
  let sep = '?';
  for (const k in uri.headers) {
    out += `${sep}${k}=${uri.headers[k]}`;
    sep = '&';
  }
  return out;
}

/**
 * RFC 3261 §25.1 `escaped`: every character that `safe` does not match becomes its UTF-8 bytes
 * as %XX (upper-case hex). The one encoder for URI users and URI header values.
 */
export function percentEncode(text: string, safe: RegExp): string {
  let out = '';
  for (const ch of text) {
    if (safe.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Undoes {@link percentEncode}: %XX read as UTF-8 bytes; `%00` gives U+0000 (RFC 4475 §3.1.1.4:
 * don't cut the name short). A bad escape or invalid UTF-8 is an InputError naming `where`.
 */
export function percentDecode(text: string, where: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new InputError('sip', where, `bad escape "%${hex}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const cp = text.codePointAt(i) as number;
      if (cp > 0xffff) i++; // the second half of a surrogate pair
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new InputError('sip', where, 'escapes are not valid UTF-8');
  }
}

/** Percent-decodes a user part (RFC 3261 §19.1.4: compare users after unescaping). */
export function decodeSipUser(user: string): string {
  return percentDecode(user, 'URI user');
}

/** True if `text` starts like an absolute URI (`scheme ":"`), RFC 3986 §3.1. */
export function hasUriScheme(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon < 1) return false;
  for (let i = 0; i < colon; i++) {
    const c = text[i];
    if (!(isAlphaNum(c) || (i > 0 && (c === '+' || c === '-' || c === '.')))) return false;
  }
  return !(text[0] >= '0' && text[0] <= '9');
}
