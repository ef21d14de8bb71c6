/**
 * Message bodies (RFC 3261 §7.4, §20.11, §20.12, §20.15): the session description a request or
 * response carries. That is an `application/sdp` body, or the `application/sdp` part of a
 * `multipart/mixed` or `multipart/alternative` body (RFC 2046 §5.1, RFC 5621 §3); the other parts
 * (text, an image, a signature, binary data: RFC 4475 §3.1.1.11) are ignored. Pure.
 */
import { InputError } from '../../errors';
import { isWsp, trimLws } from './grammar';
import { header, headers } from './headers';
import { parseParams, unquoteParam } from './params';
import type { SipHeader, SipMessage } from './types';

/** The body types the gateway takes in an INVITE, re-INVITE or UPDATE (its 415 `Accept`). */
export const SESSION_BODY_TYPES = ['application/sdp', 'multipart/mixed', 'multipart/alternative'];

export type SessionBody =
  | { kind: 'none' }
  | { kind: 'sdp'; sdp: string }
  /** §8.2.3: a type or encoding we don't take → 415. */
  | { kind: 'unsupported'; why: string; encoding?: true }
  /** A body that is broken (a bad Content-Type, a multipart without its boundary, SDP not UTF-8) → 400. */
  | { kind: 'malformed'; why: string };

/** `type/subtype` of a Content-Type value, lower-cased, without parameters. */
export function mediaType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const t = trimLws(semi < 0 ? value : value.slice(0, semi)).toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+*-]+$/.test(t) ? t : undefined;
}

interface Part {
  headers: SipHeader[];
  /** Text as in the enclosing body (a latin1 reading when that body is binary). */
  body: string;
}

/** MIME part headers (RFC 2045 §3): `Name: value` lines, folded lines joined. */
function partHeaders(text: string): SipHeader[] {
  const out: SipHeader[] = [];
  for (const line of text.split('\r\n')) {
    if (isWsp(line[0]) && out.length > 0) {
      out[out.length - 1].value += ' ' + trimLws(line);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InputError('sip', 'body', 'multipart part header without ":"');
    out.push({ name: trimLws(line.slice(0, colon)), value: trimLws(line.slice(colon + 1)) });
  }
  return out;
}

/** RFC 2046 §5.1.1: the parts between `--boundary` lines, up to `--boundary--`. */
function splitMultipart(body: string, boundary: string): Part[] {
  const dash = `--${boundary}`;
  const delimiter = `\r\n${dash}`;
  // The first delimiter may open the body (its CRLF is then absent); a preamble is ignored.
  const opens = body.startsWith(dash);
  const first = opens ? 0 : body.indexOf(delimiter);
  if (first < 0) throw new InputError('sip', 'body', 'multipart boundary not found');
  let at = opens ? 0 : first + 2;
  const parts: Part[] = [];
  for (;;) {
    const after = at + dash.length;
    if (body.startsWith('--', after)) return parts; // close-delimiter; the epilogue is ignored
    const eol = body.indexOf('\r\n', after);
    if (eol < 0 || !/^[ \t]*$/.test(body.slice(after, eol)))
      throw new InputError('sip', 'body', 'bad multipart delimiter line');
    const start = eol + 2;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new InputError('sip', 'body', 'multipart body without its closing boundary');
    parts.push(part(body.slice(start, next)));
    at = next + 2;
  }
}

/** One body part: headers, an empty line, the content; no headers: it opens with the empty line. */
function part(text: string): Part {
  if (text === '') return { headers: [], body: '' };
  if (text.startsWith('\r\n')) return { headers: [], body: text.slice(2) };
  const sep = text.indexOf('\r\n\r\n');
  if (sep < 0) return { headers: partHeaders(text), body: '' };
  return { headers: partHeaders(text.slice(0, sep)), body: text.slice(sep + 4) };
}

const IDENTITY = new Set(['binary', '7bit', '8bit']);

/** The first usable SDP part of a multipart body, nested multiparts included (depth ≤ 3). */
function sdpPart(parts: Part[], depth: number): Part | undefined {
  for (const p of parts) {
    const value = header(p, 'content-type');
    const type = mediaType(value);
    const cte = header(p, 'content-transfer-encoding')?.toLowerCase();
    if (cte !== undefined && !IDENTITY.has(cte)) continue; // base64 or quoted-printable SDP: not ours
    if (type === 'application/sdp') return p;
    if (depth < 3 && (type === 'multipart/mixed' || type === 'multipart/alternative')) {
      const found = sdpPart(splitMultipart(p.body, boundaryOf(value as string)), depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function boundaryOf(contentType: string): string {
  const semi = contentType.indexOf(';');
  const params = semi < 0 ? {} : parseParams(contentType.slice(semi), 'header Content-Type');
  const b = params.boundary;
  if (typeof b !== 'string') throw new InputError('sip', 'header Content-Type', 'multipart without boundary');
  const boundary = unquoteParam(b, 'header Content-Type');
  // RFC 2046 §5.1.1: 1 to 70 characters.
  if (boundary.length < 1 || boundary.length > 70)
    throw new InputError('sip', 'header Content-Type', 'bad multipart boundary');
  return boundary;
}

/** SDP is UTF-8 text (RFC 8866 §5); a binary body's latin1 reading is decoded here. */
function sdpText(text: string, binary: boolean): string | undefined {
  if (!binary) return text;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(text, 'latin1'));
  } catch {
    return undefined;
  }
}

/** What the session body of `msg` is: none, its SDP, or why it is refused. */
export function sessionBody(msg: SipMessage): SessionBody {
  if (msg.body === '') return { kind: 'none' };
  // §20.12: only the identity coding (none at all) is understood.
  const encodings = headers(msg, 'content-encoding').map((e) => e.toLowerCase());
  if (encodings.some((e) => e !== 'identity')) {
    return { kind: 'unsupported', why: `Content-Encoding ${encodings.join(', ')}`, encoding: true };
  }
  const value = header(msg, 'content-type');
  // §20.15: a body that is not empty has a Content-Type; one without is read as SDP (liberal in
  // what we accept: if it is not SDP, the call layer refuses it with 488).
  const type = value === undefined ? 'application/sdp' : mediaType(value);
  if (type === undefined) return { kind: 'malformed', why: 'Content-Type is not a media type' };
  let text: string;
  if (type === 'application/sdp') {
    text = msg.body;
  } else if (type === 'multipart/mixed' || type === 'multipart/alternative') {
    let part: Part | undefined;
    try {
      part = sdpPart(splitMultipart(msg.body, boundaryOf(value as string)), 1);
    } catch (e) {
      return { kind: 'malformed', why: (e as Error).message };
    }
    if (!part) return { kind: 'unsupported', why: `${type} without an application/sdp part` };
    text = part.body;
  } else {
    return { kind: 'unsupported', why: `Content-Type ${type}` };
  }
  const sdp = sdpText(text, msg.binaryBody === true);
  if (sdp === undefined) return { kind: 'malformed', why: 'the SDP is not valid UTF-8' };
  return { kind: 'sdp', sdp };
}

/** The SDP a message carries, '' when it has none we can read (the callers' "no offer"). */
export function sdpOf(msg: SipMessage): string {
  const b = sessionBody(msg);
  return b.kind === 'sdp' ? b.sdp : '';
}
