/**
 * Secrets masked out of wire text before it is logged (`log.trace`, `xmpp.debugWire`): a trace
 * shows every SIP message and stanza, and must not hand whoever reads the log what it needs to
 * log in, answer a challenge or decrypt a call. Pure: text in, text out; the rest of the text is
 * left byte for byte, so a trace still shows what was on the wire.
 *
 * Masked, each to `***`:
 * - the XEP-0114 §3 `<handshake>`: SHA-1(stream id + secret) proves the secret for that stream;
 * - RFC 3261 §22.2/§22.3 `Authorization` / `Proxy-Authorization`: the digest `response=` (RFC
 *   2617 §3.2.2; with `qop=auth` it can be replayed within the nonce's life and guessed offline),
 *   and the whole credentials of any other scheme (Basic carries the password);
 * - SDES keys (RFC 4568 §6.1 `inline:<key||salt>`): in `a=crypto`, in RFC 5939 `a=acap:… crypto:`
 *   and in XEP-0167 §7 `<crypto key-params='inline:…'/>` — whoever has them decrypts the media;
 * - RFC 4567 `a=key-mgmt` data (MIKEY keys);
 * - ICE passwords (RFC 8839 §5.4 `a=ice-pwd`, XEP-0176 `<transport pwd='…'>`): with the ufrag
 *   they authenticate connectivity checks, i.e. let a third party hijack the media path;
 * - any literal secret the caller names (the component secret, should it ever be echoed).
 */

export const MASK = '***';

const HANDSHAKE = /(<handshake(?:\s[^>]*)?>)[^<]*(<\/handshake>)/g;
/** A header line and its folded continuation lines (RFC 3261 §7.3.1 LWS). */
const AUTH_HEADER = /^((?:Proxy-)?Authorization[ \t]*:[ \t]*)([^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*)/gim;
const DIGEST_RESPONSE = /(\bresponse[ \t]*=[ \t]*)("[^"]*"|[^\s,]+)/gi;
/** RFC 4568 §9.2: `inline:` key-salt (base64) with optional `|lifetime|MKI:length`; only the key is masked. */
const SDES_INLINE = /(\binline:)[A-Za-z0-9+/=]+/g;
const KEY_MGMT = /^(a=key-mgmt:[ \t]*\S+[ \t]+)[^\r\n]+/gm;
const ICE_PWD_SDP = /^(a=ice-pwd:)[^\r\n]*/gm;
const ICE_PWD_XML = /(\spwd[ \t]*=[ \t]*)(['"])[^'"]*\2/g;

function maskAuthorization(_all: string, name: string, value: string): string {
  const scheme = /^\S+/.exec(value)?.[0] ?? '';
  if (scheme.toLowerCase() !== 'digest') return `${name}${scheme}${scheme === '' ? '' : ' '}${MASK}`;
  return `${name}${value.replace(DIGEST_RESPONSE, (_m, key: string, v: string) =>
    v.startsWith('"') ? `${key}"${MASK}"` : `${key}${MASK}`,
  )}`;
}

/**
 * `text` (a SIP message, an XML stream chunk, an SDP) with its secrets replaced by `***`.
 * `literals`: further strings to mask wherever they appear (empty strings are ignored).
 */
export function maskSecrets(text: string, literals: readonly string[] = []): string {
  let out = text
    .replace(HANDSHAKE, `$1${MASK}$2`)
    .replace(AUTH_HEADER, maskAuthorization)
    .replace(SDES_INLINE, `$1${MASK}`)
    .replace(KEY_MGMT, `$1${MASK}`)
    .replace(ICE_PWD_SDP, `$1${MASK}`)
    .replace(ICE_PWD_XML, `$1$2${MASK}$2`);
  for (const s of literals) if (s !== '') out = out.split(s).join(MASK);
  return out;
}
