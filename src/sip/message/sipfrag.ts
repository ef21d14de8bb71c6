/**
 * `message/sipfrag` (RFC 3420) as a REFER's NOTIFY carries it (RFC 3515 §2.4.5): the body begins
 * with the Status-Line of the latest response to the referred request — `SIP/2.0 100 Trying`,
 * `SIP/2.0 180 Ringing`, `SIP/2.0 200 OK`, `SIP/2.0 486 Busy Here` — optionally followed by header
 * lines (RFC 3420 §2: any subset of a message; a NOTIFY for REFER needs none).
 *
 *     Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF        (RFC 3261 §7.2, §25.1)
 */
import { InputError } from '../../errors';
import { isDigits, trimLws } from './grammar';
import type { SipHeader } from './types';

/** Content-Type of a REFER NOTIFY body, as RFC 3515 §2.4.5 and its examples write it. */
export const SIPFRAG_TYPE = 'message/sipfrag;version=2.0';

/** Largest sipfrag taken: a status line and a few headers (RFC 3515 §2.4.5: the status line suffices). */
export const MAX_SIPFRAG_BYTES = 8 * 1024;
/** Header lines kept from a sipfrag. */
export const MAX_SIPFRAG_HEADERS = 32;

export interface SipFrag {
  status: number;
  reason: string;
  headers: SipHeader[];
}

function fail(detail: string): never {
  throw new InputError('sip', 'message/sipfrag body', detail);
}

/** Parses a NOTIFY body of type message/sipfrag that begins with a Status-Line. */
export function parseSipFrag(body: string): SipFrag {
  if (body.length > MAX_SIPFRAG_BYTES) fail(`larger than ${MAX_SIPFRAG_BYTES} bytes`);
  // RFC 3420 §2 takes the message's own line ends; bare LF is taken too, as RFC 3261 §7.5 suggests.
  const lines = body.split(/\r?\n/);
  const first = lines[0] ?? '';
  const m = /^SIP\/2\.0 ([0-9]{3}) ?(.*)$/i.exec(first);
  if (!m) fail(`does not begin with a Status-Line ("SIP/2.0 <code> <reason>"): "${first.slice(0, 40)}"`);
  const status = Number(m[1]);
  if (status < 100 || status > 699) fail(`status ${status} is not 100-699`);
  const reason = m[2] as string;
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(reason)) fail('control character in the Reason-Phrase');
  const headers: SipHeader[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') break; // the end of the headers; a body of the fragment is not read
    const colon = line.indexOf(':');
    if (colon <= 0) fail(`header line without a name: "${line.slice(0, 40)}"`);
    if (headers.length >= MAX_SIPFRAG_HEADERS) fail(`more than ${MAX_SIPFRAG_HEADERS} header lines`);
    headers.push({ name: trimLws(line.slice(0, colon)), value: trimLws(line.slice(colon + 1)) });
  }
  return { status, reason, headers };
}

/** The body for a NOTIFY: the Status-Line, CRLF-terminated (RFC 3420 §2, RFC 3261 §7.2). */
export function formatSipFrag(frag: Pick<SipFrag, 'status' | 'reason'> & { headers?: SipHeader[] }): string {
  if (
    !Number.isInteger(frag.status) ||
    frag.status < 100 ||
    frag.status > 699 ||
    !isDigits(String(frag.status))
  )
    throw new InputError('sip', 'message/sipfrag', `status ${frag.status} is not 100-699`);
  if (/[\r\n]/.test(frag.reason)) throw new InputError('sip', 'message/sipfrag', 'line break in the reason');
  let out = `SIP/2.0 ${frag.status} ${frag.reason}\r\n`;
  for (const h of frag.headers ?? []) out += `${h.name}: ${h.value}\r\n`;
  return out;
}
