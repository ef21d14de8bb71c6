/**
 * Wire debugging: what goes over the component stream, with credentials masked. The XEP-0114
 * handshake carries SHA-1(stream id + secret), which proves knowledge of the secret for that
 * stream; it is masked like the secret itself (as xmpp.js's debug module does).
 */

const HANDSHAKE = /(<handshake(?:\s[^>]*)?>)[^<]*(<\/handshake>)/g;

/** `data` with the handshake digest and any occurrence of `secret` replaced by `***`. */
export function maskWire(data: string, secret: string): string {
  let out = data.replace(HANDSHAKE, '$1***$2');
  if (secret !== '') out = out.split(secret).join('***');
  return out;
}
