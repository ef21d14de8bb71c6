/**
 * Stateless answers to requests that cannot be parsed (RFC 3261 §8.2.2, §16.7; sipgo does the
 * same): a 400 (513 when too large, 505 for another SIP version: RFC 4475 §3.1.2.16) built from
 * whatever Via, From, To, Call-ID and CSeq lines can be found in the raw text, so the sender stops
 * retransmitting. Via and CSeq are what the sender's transaction matches a response by (§17.1.3);
 * a request missing From, To or Call-ID still gets its 400 without them (RFC 4475 §3.3.1). Returns
 * undefined when the bytes are not a request or lack Via or CSeq (then the message is dropped).
 */
import { statusText } from './status-text';

const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;
const NEEDED = ['via', 'cseq'] as const;
const REQUEST_LINE = /^[A-Za-z0-9.!%*_+`'~-]+ .* SIP\/[0-9]{1,5}\.[0-9]{1,5}[ \t]*$/i;
const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };

export function statelessReply(raw: Buffer, status: number, detail: string): string | undefined {
  const text = raw.subarray(0, 16384).toString('latin1');
  const lines = text.split(/\r?\n/);
  const first = lines[0] ?? '';
  // A request line, malformed ones included (LWS in the URI, extra SP: RFC 4475 §3.1.2.8-10).
  if (/^SIP\//i.test(first) || !REQUEST_LINE.test(first)) return undefined;
  if (/^ACK /i.test(first)) return undefined; // §17.2.1: an ACK is never answered.
  const found: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const m = /^([A-Za-z-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const lower = m[1].toLowerCase();
    const key = COMPACT[lower] ?? lower;
    if (!(COPIED as readonly string[]).includes(key)) continue;
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(m[2])) continue;
    (found[key] ??= []).push(m[2].trim());
  }
  if (NEEDED.some((k) => found[k] === undefined)) return undefined;
  let to = found.to?.[0];
  if (to !== undefined && !/;\s*tag=/i.test(to)) to += ';tag=' + Math.random().toString(36).slice(2, 10);
  const reason = `${statusText(status)}`;
  const safeDetail = detail
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/"/g, "'")
    .slice(0, 120);
  const hs = [
    ...found.via.map((v) => `Via: ${v}`),
    ...(found.from ? [`From: ${found.from[0]}`] : []),
    ...(to !== undefined ? [`To: ${to}`] : []),
    ...(found['call-id'] ? [`Call-ID: ${found['call-id'][0]}`] : []),
    `CSeq: ${found.cseq[0]}`,
    `Warning: 399 - "${safeDetail}"`,
    'Content-Length: 0',
  ];
  return `SIP/2.0 ${status} ${reason}\r\n${hs.join('\r\n')}\r\n\r\n`;
}
