/**
 * The SIP message codec (RFC 3261 §7, §18.3, §25): text or datagram bytes ⇄ {@link SipMessage}.
 *
 * Parsing is strict and total: any defect gives an InputError that names the start line, the
 * header or the body, never a raw exception. Header lines keep their order and the names as
 * received, with folding undone (LWS → one SP, §7.3.1) and compact forms expanded (§7.3.3).
 * Values of list headers stay as received; `headers()` splits them. The start line and headers
 * must be UTF-8; a body need not be (RFC 3261 §7.4: any MIME type, binary parts of multipart
 * bodies, RFC 4475 §3.1.1.11): one that is not is kept byte for byte, flagged `binaryBody`, and
 * judged by whoever reads it (src/sip/message/body.ts).
 */
import { InputError } from '../../errors';
import { findBadControl, hasWsp, isDigits, isToken, isWsp, trimLws } from './grammar';
import { expandCompactName, headerKey } from './headers';
import { validateMessage } from './message-rules';
import type { SipHeader, SipMessage } from './types';
import { hasUriScheme, parseSipUri } from './uri';

/** Largest message accepted, in bytes: a UDP datagram's practical ceiling. */
export const MAX_SIP_BYTES = 64 * 1024;
/** Most header lines accepted in one message. */
export const MAX_SIP_HEADERS = 1024;

const SIP_VERSION = 'SIP/2.0';

/** One decoder for every message: `decode` without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new InputError('sip', where, 'not valid UTF-8');
  }
}

const UNSUPPORTED_VERSION = 'unsupported SIP version';

/** Whether a parse error is a well-formed but other SIP version: answered 505, not 400. */
export function isUnsupportedVersion(e: InputError): boolean {
  return e.domain === 'sip' && e.where === 'start line' && e.detail.startsWith(UNSUPPORTED_VERSION);
}

function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decodeUtf8(bytes, 'body');
  } catch {
    return undefined;
  }
}

function checkVersion(version: string): void {
  if (version.toUpperCase() === SIP_VERSION) return;
  // A well-formed other version deserves 505 rather than 400 (RFC 3261 §21.5.6, RFC 4475 §3.1.2.16).
  if (/^SIP\/[0-9]{1,5}\.[0-9]{1,5}$/i.test(version)) {
    throw new InputError('sip', 'start line', `${UNSUPPORTED_VERSION} ${version} (505)`);
  }
  throw new InputError('sip', 'start line', `invalid SIP version "${version.slice(0, 20)}"`);
}

function checkRequestUri(uri: string): void {
  if (uri.startsWith('<'))
    throw new InputError('sip', 'start line', 'Request-URI must not be enclosed in <>');
  if (!hasUriScheme(uri)) throw new InputError('sip', 'start line', 'Request-URI has no scheme');
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips' || scheme === 'tel') {
    const parsed = parseSipUri(uri, 'start line');
    // RFC 3261 §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (Object.keys(parsed.headers).length > 0) {
      throw new InputError('sip', 'start line', 'Request-URI must not contain headers');
    }
  } else if (/[<>"]/.test(uri)) {
    throw new InputError('sip', 'start line', 'invalid character in Request-URI');
  }
}

type StartLine =
  { kind: 'request'; method: string; uri: string } | { kind: 'response'; status: number; reason: string };

function parseStartLine(line: string): StartLine {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f)
      throw new InputError('sip', 'start line', 'control character');
  }
  if (line.slice(0, 4).toUpperCase() === 'SIP/') {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const sp = line.indexOf(' ');
    if (sp < 0) throw new InputError('sip', 'start line', 'missing status code');
    checkVersion(line.slice(0, sp));
    const code = line.slice(sp + 1, sp + 4);
    if (!isDigits(code) || (line.length > sp + 4 && line[sp + 4] !== ' ')) {
      throw new InputError('sip', 'start line', 'status code must be 3 digits');
    }
    if (line.length === sp + 4) throw new InputError('sip', 'start line', 'missing SP after status code');
    const status = Number(code);
    if (status < 100 || status > 699)
      throw new InputError('sip', 'start line', `status ${code} out of range`);
    return { kind: 'response', status, reason: line.slice(sp + 5) };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP each (RFC 4475 §3.1.2.9).
  const parts = line.split(' ');
  if (parts.length !== 3 || parts.some((p) => p === '' || hasWsp(p))) {
    throw new InputError(
      'sip',
      'start line',
      'expected "Method SP Request-URI SP SIP/2.0" with single spaces',
    );
  }
  const [method, uri, version] = parts;
  if (!isToken(method)) throw new InputError('sip', 'start line', 'invalid method');
  checkVersion(version);
  checkRequestUri(uri);
  return { kind: 'request', method, uri };
}

function parseHeaderLines(lines: string[]): SipHeader[] {
  const out: SipHeader[] = [];
  let name: string | undefined;
  let pieces: string[] = [];
  const flush = (): void => {
    if (name === undefined) return;
    // Folding and the LWS around it count as one SP (RFC 3261 §7.3.1).
    const value = pieces.filter((p) => p !== '').join(' ');
    const bad = findBadControl(value);
    if (bad >= 0) throw new InputError('sip', `header ${name}`, 'control character in value');
    out.push({ name: expandCompactName(name), value });
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (isWsp(line[0])) {
      if (name === undefined)
        throw new InputError('sip', 'header line 1', 'continuation line before any header');
      pieces.push(trimLws(line));
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon < 0) throw new InputError('sip', `header line ${i}`, 'missing ":"');
    name = trimLws(line.slice(0, colon));
    if (!isToken(name))
      throw new InputError('sip', `header line ${i}`, `invalid header name "${name.slice(0, 40)}"`);
    pieces = [trimLws(line.slice(colon + 1))];
    if (out.length >= MAX_SIP_HEADERS) {
      throw new InputError('sip', 'message', `more than ${MAX_SIP_HEADERS} header lines`);
    }
  }
  flush();
  return out;
}

function toBuffer(input: string | Buffer): Buffer {
  if (typeof input === 'string') {
    // Cheap early rejection: a string never has more characters than UTF-8 bytes.
    if (input.length > MAX_SIP_BYTES)
      throw new InputError('sip', 'message', `larger than ${MAX_SIP_BYTES} bytes`);
    return Buffer.from(input, 'utf8');
  }
  if (!Buffer.isBuffer(input)) throw new InputError('sip', 'message', 'not a string or Buffer');
  return input;
}

export function parseSipMessage(input: string | Buffer): SipMessage {
  const buf = toBuffer(input);
  if (buf.length > MAX_SIP_BYTES)
    throw new InputError('sip', 'message', `larger than ${MAX_SIP_BYTES} bytes`);
  // RFC 3261 §7.5: CRLFs before the start line SHOULD be ignored.
  let start = 0;
  while (buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
  if (start >= buf.length) throw new InputError('sip', 'message', 'empty message');
  const sep = buf.indexOf('\r\n\r\n', start, 'latin1');
  if (sep < 0) throw new InputError('sip', 'message', 'no empty line (CRLF CRLF) after the headers');
  const lines = decodeUtf8(buf.subarray(start, sep), 'message').split('\r\n');
  const first = parseStartLine(lines[0]);
  const hdrs = parseHeaderLines(lines);

  let bodyBytes = buf.subarray(sep + 4);
  const cls = hdrs.filter((h) => headerKey(h.name) === 'content-length');
  if (cls.length > 1) throw new InputError('sip', 'header Content-Length', 'appears more than once');
  if (cls.length === 1) {
    const v = cls[0].value;
    if (!isDigits(v) || v.length > 10) {
      throw new InputError('sip', 'header Content-Length', `not a non-negative number: "${v.slice(0, 20)}"`);
    }
    const n = Number(v);
    if (n > bodyBytes.length) {
      throw new InputError('sip', 'body', `shorter than Content-Length (${bodyBytes.length} < ${n} bytes)`);
    }
    // RFC 3261 §18.3: octets past Content-Length in a datagram are discarded.
    bodyBytes = bodyBytes.subarray(0, n);
  }
  const text = tryUtf8(bodyBytes);
  const body = text ?? bodyBytes.toString('latin1');
  const msg: SipMessage =
    first.kind === 'request'
      ? { kind: 'request', method: first.method, uri: first.uri, headers: hdrs, body }
      : { kind: 'response', status: first.status, reason: first.reason, headers: hdrs, body };
  if (text === undefined) msg.binaryBody = true;
  validateMessage(msg);
  return msg;
}

function checkLine(text: string, where: string): void {
  if (text.includes('\r') || text.includes('\n') || findBadControl(text) >= 0) {
    throw new InputError('sip', where, 'CR, LF or control character would corrupt the message');
  }
}

/**
 * The length in bytes of what {@link serializeSipMessage} writes for `msg` (same start line,
 * headers, recomputed Content-Length), counted without writing it: the router sizes every request
 * for RFC 3261 §18.1.1 before the bridge writes it, and writing it twice was ≈ 1.5 % of a call
 * (issue 12). It does not check the values: writing the message does, and refuses it then.
 */
export function serializedSize(msg: SipMessage, without?: string): number {
  // `without`: a header key (./headers headerKey) left out of the count, as if removed first.
  const skip = without === undefined ? undefined : headerKey(without);
  if (msg.binaryBody) throw new InputError('sip', 'body', 'a binary body cannot be written as text');
  const start =
    msg.kind === 'request'
      ? Buffer.byteLength(msg.method) + Buffer.byteLength(msg.uri, 'utf8') + 2
      : String(msg.status).length + Buffer.byteLength(msg.reason, 'utf8') + 2;
  let bytes = start + SIP_VERSION.length + 2; // CRLF
  for (const h of msg.headers) {
    const key = headerKey(h.name);
    if (key === 'content-length' || key === skip) continue;
    bytes += Buffer.byteLength(h.name, 'utf8') + 2 + Buffer.byteLength(h.value, 'utf8') + 2;
  }
  const body = Buffer.byteLength(msg.body, 'utf8');
  return bytes + 'Content-Length: '.length + String(body).length + 4 + body;
}

/**
 * Writes a message: CRLF line ends, headers in order, Content-Length recomputed in bytes and put
 * last (any existing one, compact or not, is dropped), an empty line, then the body. Values that
 * would break the framing (CR, LF, control characters) are refused, so a header cannot be injected.
 * A received binary body cannot be written as text and is refused too (the gateway never
 * forwards a body it received).
 */
export function serializeSipMessage(msg: SipMessage): string {
  if (msg.binaryBody) throw new InputError('sip', 'body', 'a binary body cannot be written as text');
  let startLine: string;
  if (msg.kind === 'request') {
    if (!isToken(msg.method)) throw new InputError('sip', 'start line', 'invalid method');
    if (msg.uri === '' || hasWsp(msg.uri)) throw new InputError('sip', 'start line', 'invalid Request-URI');
    checkLine(msg.uri, 'start line');
    startLine = `${msg.method} ${msg.uri} ${SIP_VERSION}`;
  } else {
    if (!Number.isInteger(msg.status) || msg.status < 100 || msg.status > 699) {
      throw new InputError('sip', 'start line', `status ${msg.status} out of range`);
    }
    checkLine(msg.reason, 'start line');
    startLine = `${SIP_VERSION} ${msg.status} ${msg.reason}`;
  }
  const lines = [startLine];
  for (const h of msg.headers) {
    if (headerKey(h.name) === 'content-length') continue;
    if (!isToken(h.name)) throw new InputError('sip', `header ${h.name.slice(0, 40)}`, 'invalid header name');
    checkLine(h.value, `header ${h.name}`);
    lines.push(`${h.name}: ${h.value}`);
  }
  lines.push(`Content-Length: ${Buffer.byteLength(msg.body, 'utf8')}`);
  return `${lines.join('\r\n')}\r\n\r\n${msg.body}`;
}
