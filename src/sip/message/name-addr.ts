/**
 * name-addr / addr-spec values of To, From, Contact, Route, Record-Route, Refer-To
 * (RFC 3261 §20.10, §20.20, §20.39, §25.1):
 *
 *     [ display-name ] "<" addr-spec ">" *( ";" generic-param )
 *     addr-spec *( ";" generic-param )          (no <>: the params belong to the header)
 *
 * The display name is returned unquoted (quoted-pairs resolved); UTF-8 passes through untouched.
 */
import { InputError } from '../../errors';
import { hasWsp, isTokenChar, isWsp, quoteString, readQuotedString, trimLws } from './grammar';
import { formatParams, parseParams } from './params';
import type { NameAddr } from './types';
import { hasUriScheme, parseSipUri } from './uri';

/**
 * URIs that passed {@link validateAddrSpec} lately. The codec checks every From, To and Contact
 * of a message, and the dialog layer reads the same headers again (tags, remote target), each
 * read checking the URI in full once more (issue 12's profile: ≈ 4 parses of the From URI per
 * message). Only valid URIs enter, so a hit answers what a check would; bounded (cleared when
 * full), it keeps at most {@link VALID_URIS_MAX} strings alive.
 */
const validUris = new Set<string>();
const VALID_URIS_MAX = 128;

/** Checks an addr-spec: a sip/sips/tel URI in full, any other scheme loosely (RFC 4475 §3.3.15). */
export function validateAddrSpec(uri: string, where: string): void {
  if (validUris.has(uri)) return;
  checkAddrSpec(uri, where);
  if (validUris.size >= VALID_URIS_MAX) validUris.clear();
  validUris.add(uri);
}

function checkAddrSpec(uri: string, where: string): void {
  if (uri === '') throw new InputError('sip', where, 'empty URI');
  if (hasWsp(uri)) throw new InputError('sip', where, 'whitespace inside URI');
  if (!hasUriScheme(uri)) throw new InputError('sip', where, `URI has no scheme: "${uri.slice(0, 40)}"`);
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') parseSipUri(uri, where);
  else if (/[<>"]/.test(uri)) throw new InputError('sip', where, 'invalid character in URI');
}

function parseDisplayTokens(text: string, where: string): string | undefined {
  // display-name = *(token LWS): tokens separated by LWS, collapsed to one SP.
  const words: string[] = [];
  let cur = '';
  for (const c of text) {
    if (isWsp(c)) {
      if (cur) words.push(cur);
      cur = '';
    } else if (isTokenChar(c) || c.charCodeAt(0) > 0x7f) {
      // Non-ASCII is not token, but unquoted UTF-8 names are common and unambiguous here.
      cur += c;
    } else {
      throw new InputError('sip', where, `display name needs quotes (character "${c}")`);
    }
  }
  if (cur) words.push(cur);
  return words.length > 0 ? words.join(' ') : undefined;
}

export function parseNameAddr(value: string, where = 'name-addr'): NameAddr {
  const text = trimLws(value);
  let i = 0;
  let display: string | undefined;
  let lt: number;
  if (text.startsWith('"')) {
    const q = readQuotedString(text, 0, where);
    display = q.value;
    i = q.end;
    while (isWsp(text[i])) i++;
    if (text[i] !== '<') throw new InputError('sip', where, 'expected "<" after display name');
    lt = i;
  } else {
    lt = text.indexOf('<');
    if (lt >= 0) display = parseDisplayTokens(text.slice(0, lt), where);
  }
  if (lt < 0) {
    // addr-spec form: the URI ends at the first ";", which starts header parameters. A URI with
    // ",", "?" or ";" of its own MUST be written in name-addr form (RFC 3261 §20.10).
    const semi = text.indexOf(';');
    const uri = trimLws(semi < 0 ? text : text.slice(0, semi));
    if (uri.includes('?') || uri.includes(',')) {
      throw new InputError('sip', where, 'URI with headers or "," must be enclosed in <>');
    }
    validateAddrSpec(uri, where);
    return { uri, params: parseParams(semi < 0 ? '' : text.slice(semi), where) };
  }
  const gt = text.indexOf('>', lt);
  if (gt < 0) throw new InputError('sip', where, 'missing ">"');
  const uri = text.slice(lt + 1, gt);
  validateAddrSpec(uri, where);
  const out: NameAddr = { uri, params: parseParams(text.slice(gt + 1), where) };
  if (display !== undefined) out.display = display;
  return out;
}

/** Always writes the name-addr form; a display name is always quoted. */
export function formatNameAddr(na: NameAddr): string {
  const display = na.display !== undefined && na.display !== '' ? `${quoteString(na.display)} ` : '';
  return `${display}<${na.uri}>${formatParams(na.params)}`;
}
