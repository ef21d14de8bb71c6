/**
 * Stateless answers to requests that cannot be parsed (RFC 3261 §8.2.2, §16.7; sipgo does the
 * same): a 400 (or 513 when too large) built from whatever Via, From, To, Call-ID and CSeq lines
 * can be found in the raw text, so the sender stops retransmitting. Returns undefined when the
 * bytes are not a request or lack what a response needs (then the message is dropped and logged).
 */
import { statusText } from './status-text';

const NEEDED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;
const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };

export function statelessReply(raw: Buffer, status: number, detail: string): string | undefined {
  const text = raw.subarray(0, 16384).toString('latin1');
  const lines = text.split(/\r?\n/);
  const first = lines[0] ?? '';
  if (/^SIP\//i.test(first) || !/^[A-Za-z]+ \S+ SIP\/2\.0$/i.test(first)) return undefined;
  if (/^ACK /i.test(first)) return undefined; // §17.2.1: an ACK is never answered.
  const found: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const m = /^([A-Za-z-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const lower = m[1].toLowerCase();
    const key = COMPACT[lower] ?? lower;
    if (!(NEEDED as readonly string[]).includes(key)) continue;
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(m[2])) continue;
    (found[key] ??= []).push(m[2].trim());
  }
  if (NEEDED.some((k) => found[k] === undefined)) return undefined;
  let to = found.to[0];
  if (!/;\s*tag=/i.test(to)) to += ';tag=' + Math.random().toString(36).slice(2, 10);
  const reason = `${statusText(status)}`;
  const safeDetail = detail
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/"/g, "'")
    .slice(0, 120);
  const hs = [
    ...found.via.map((v) => `Via: ${v}`),
    `From: ${found.from[0]}`,
    `To: ${to}`,
    `Call-ID: ${found['call-id'][0]}`,
    `CSeq: ${found.cseq[0]}`,
    `Warning: 399 - "${safeDetail}"`,
    'Content-Length: 0',
  ];
  return `SIP/2.0 ${status} ${reason}\r\n${hs.join('\r\n')}\r\n\r\n`;
}
