/**
 * Secrets out of the messages the status page shows (docs/operations.md §Status page). What
 * would let a reader of the page join or take over a call, or replay credentials, becomes `***`:
 * - SIP digest `response=` (RFC 3261 §22.4; RFC 8760) in Authorization / Proxy-Authorization;
 * - SDES keys `inline:<key>` (RFC 4568 §6.1), in SDP `a=crypto` and in Jingle `key-params`
 *   (XEP-0262), and MIKEY data in `a=key-mgmt` (RFC 4567);
 * - ICE passwords: SDP `a=ice-pwd` (RFC 8839 §5.4) and Jingle `pwd` (XEP-0176 §5.1);
 * - the XEP-0114 component handshake (SHA-1 of the stream id and the secret).
 * ICE ufrags and DTLS fingerprints are no secrets (they are public by design) and stay.
 */

const RULES: Array<[RegExp, string]> = [
  [/(\bresponse\s*=\s*)("[^"]*"|[^\s,]+)/gi, '$1"***"'],
  [/(\binline:)[^\s"'|<]+/gi, '$1***'],
  [/(^a=key-mgmt:\s*\S+\s+)\S+/gim, '$1***'],
  [/(^a=ice-pwd:).*$/gim, '$1***'],
  [/(\spwd\s*=\s*)(["'])[^"']*\2/g, '$1$2***$2'],
  [/(<handshake(?:\s[^>]*)?>)[^<]*(<\/handshake>)/g, '$1***$2'],
];

/** `text` (a SIP message, a stanza, an ng request) with its secrets replaced by `***`. */
export function maskForLadder(text: string): string {
  let out = text;
  for (const [re, by] of RULES) out = out.replace(re, by);
  return out;
}
