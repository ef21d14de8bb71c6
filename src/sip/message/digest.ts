/**
 * HTTP Digest for SIP (RFC 3261 §22, RFC 7616 as applied by RFC 8760): MD5 and SHA-256 (and
 * their -sess forms), qop=auth or no qop. Pure functions; the client side answers 401/407, the
 * server side (inbound trust) challenges and verifies.
 */
import { createHash, randomBytes, createHmac, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  scheme: string;
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  qop: string[];
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  password: string;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** `key=value, key="quoted"` pairs after the scheme; keys lower-cased. */
export function parseAuthParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]+)\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out[m[1].toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
  }
  return out;
}

/** A WWW-/Proxy-Authenticate value, or undefined when it is not a usable Digest challenge. */
export function parseChallenge(value: string): DigestChallenge | undefined {
  const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(value);
  if (!m || m[1].toLowerCase() !== 'digest') return undefined;
  const p = parseAuthParams(m[2]);
  // Own keys only: `algorithm=constructor` must not find Object.prototype's.
  const name = (p.algorithm ?? 'MD5').toLowerCase();
  const algorithm = Object.hasOwn(ALGORITHMS, name) ? ALGORITHMS[name] : undefined;
  if (p.realm === undefined || p.nonce === undefined || algorithm === undefined) return undefined;
  return {
    scheme: 'Digest',
    realm: p.realm,
    nonce: p.nonce,
    opaque: p.opaque,
    algorithm,
    qop: (p.qop ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ''),
    stale: (p.stale ?? '').toLowerCase() === 'true',
  };
}

/** RFC 8760 §2.1: prefer SHA-256 over MD5 when a peer offers both. */
export function pickChallenge(values: string[]): DigestChallenge | undefined {
  const parsed = values.map(parseChallenge).filter((c): c is DigestChallenge => c !== undefined);
  return parsed.find((c) => c.algorithm.startsWith('SHA-256')) ?? parsed[0];
}

function h(alg: DigestAlgorithm, s: string): string {
  return createHash(alg.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(s, 'utf8')
    .digest('hex');
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The `response` value (RFC 7616 §3.4.1, §3.4.2; RFC 2617 without qop). */
export function digestResponse(i: DigestInput): string {
  let ha1 = h(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  if (i.algorithm.endsWith('-sess')) ha1 = h(i.algorithm, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const ha2 = h(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop === undefined) return h(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
  return h(i.algorithm, `${ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
}

const quote = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** The Authorization / Proxy-Authorization value answering `c` for `method uri`. */
export function authorizationValue(
  c: DigestChallenge,
  creds: DigestCredentials,
  method: string,
  uri: string,
  nc = 1,
  cnonce = randomBytes(8).toString('hex'),
): string {
  const qop = c.qop.includes('auth') ? 'auth' : undefined;
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = digestResponse({
    algorithm: c.algorithm,
    username: creds.username,
    realm: c.realm,
    password: creds.password,
    method,
    uri,
    nonce: c.nonce,
    qop,
    nc: ncHex,
    cnonce,
  });
  // Parameter order is free (RFC 7616 §3.4); this one suits naive parsers that find a name by
  // substring (SIPp 3.6.1's verifyauth): `nc` before `nonce` (which contains "nc"), `cnonce` after.
  const parts: string[] = [];
  if (qop !== undefined) parts.push(`nc=${ncHex}`);
  parts.push(
    `username=${quote(creds.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    `algorithm=${c.algorithm}`,
  );
  if (qop !== undefined) parts.push(`qop=${qop}`, `cnonce=${quote(cnonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * The server side: stateless nonces (an HMAC of a timestamp) so a challenge needs no table, and
 * a verifier for the answer. Nonces expire after `maxAgeMs`.
 */
export class DigestServer {
  private readonly key = randomBytes(32);

  constructor(
    readonly realm: string,
    private readonly now: () => number,
    private readonly maxAgeMs = 300_000,
  ) {}

  nonce(): string {
    const ts = this.now().toString(16);
    const mac = createHmac('sha256', this.key).update(ts).digest('hex').slice(0, 32);
    return `${ts}.${mac}`;
  }

  private nonceOk(nonce: string): boolean {
    const [ts, mac] = nonce.split('.');
    if (ts === undefined || mac === undefined) return false;
    const want = createHmac('sha256', this.key).update(ts).digest('hex').slice(0, 32);
    if (want.length !== mac.length || !timingSafeEqual(Buffer.from(want), Buffer.from(mac))) return false;
    return this.now() - parseInt(ts, 16) <= this.maxAgeMs;
  }

  /** Challenges, SHA-256 first then MD5 (RFC 8760 §2.4). */
  challenges(stale = false): string[] {
    const nonce = this.nonce();
    const s = stale ? ', stale=true' : '';
    return ['SHA-256', 'MD5'].map(
      (alg) => `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${alg}, qop="auth"${s}`,
    );
  }

  /** 'ok', 'stale' (good password, old nonce) or 'bad'. */
  verify(
    value: string,
    method: string,
    lookup: (username: string) => string | undefined,
  ): { result: 'ok' | 'stale' | 'bad'; username?: string } {
    const m = /^\s*Digest\s+([\s\S]*)$/i.exec(value);
    if (!m) return { result: 'bad' };
    const p = parseAuthParams(m[1]);
    // Own keys only: `algorithm=constructor` must not find Object.prototype's.
    const name = (p.algorithm ?? 'MD5').toLowerCase();
    const algorithm = Object.hasOwn(ALGORITHMS, name) ? ALGORITHMS[name] : undefined;
    if (!algorithm || !p.username || !p.nonce || !p.uri || !p.response || p.realm !== this.realm) {
      return { result: 'bad' };
    }
    const password = lookup(p.username);
    if (password === undefined) return { result: 'bad' };
    const want = digestResponse({
      algorithm,
      username: p.username,
      realm: this.realm,
      password,
      method,
      uri: p.uri,
      nonce: p.nonce,
      qop: p.qop,
      nc: p.nc,
      cnonce: p.cnonce,
    });
    if (want !== p.response.toLowerCase()) return { result: 'bad' };
    return { result: this.nonceOk(p.nonce) ? 'ok' : 'stale', username: p.username };
  }
}
