/**
 * Wire debugging: what goes over the component stream, with credentials masked. The XEP-0114
 * handshake carries SHA-1(stream id + secret), which proves knowledge of the secret for that
 * stream; it is masked like the secret itself (as xmpp.js's debug module does), and so are the
 * SDES keys and ICE passwords of Jingle stanzas (src/mask.ts).
 */
import { maskSecrets } from '../../mask';

/** `data` with the handshake digest, media keys and any occurrence of `secret` replaced by `***`. */
export function maskWire(data: string, secret: string): string {
  return maskSecrets(data, [secret]);
}
