/**
 * What the user agent checks in every request before acting on it (RFC 3261 §8.2), in the RFC's
 * order; the first failure is the answer. Pure: a request in, the refusing response (or
 * undefined) out. The dialog layer and the call layer see only requests that passed.
 *
 * 1. §8.2.1 method: one we know but don't take → 405, one we don't know → 501, both with Allow.
 * 2. §8.2.2.1 Request-URI: a scheme other than sip, sips, tel → 416 (RFC 4475 §3.3.2, §3.3.3).
 * 3. §8.2.2.3 Require: an option tag we don't support → 420 + Unsupported; never for ACK or
 *    CANCEL (RFC 4475 §3.3.5). Proxy-Require is for proxies and ignored (§20.29).
 * 4. §8.2.3 body of an INVITE or UPDATE (a re-INVITE too): a type or encoding we don't take →
 *    415 + Accept (+ Accept-Encoding) (RFC 4475 §3.3.6); a broken one → 400.
 * 5. §21.4.7 Accept: an INVITE, or an UPDATE with an offer, whose Accept allows no SDP answer →
 *    406 (RFC 4475 §3.3.15): our 2xx would carry application/sdp.
 */
import { SESSION_BODY_TYPES, sessionBody } from '../message/body';
import { ALLOW, refusal, SUPPORTED } from '../dialog/core';
import { headerKey, headers } from '../message/headers';
import type { SipHeader, SipRequest, SipResponse } from '../message/types';

/** Methods taken (ALLOW, plus PRACK, answered 481/405 since we never send reliable provisionals). */
const TAKEN = new Set([...ALLOW.split(/\s*,\s*/), 'PRACK']);
/** Methods we know (RFC 3261, 3265, 3428, 3903) but don't take: 405 rather than 501 (§21.4.6). */
const KNOWN = new Set(['REGISTER', 'SUBSCRIBE', 'MESSAGE', 'PUBLISH']);
/** URI schemes the gateway routes (src/policy/inbound.ts; tel: RFC 3966). */
const SCHEMES = new Set(['sip', 'sips', 'tel']);

/** The option tags in Require that we don't support (§8.2.2.3). */
export function unsupportedRequire(req: SipRequest): string[] {
  const known = new Set(SUPPORTED.split(/\s*,\s*/));
  return headers(req, 'require')
    .map((t) => t.trim())
    .filter((t) => !known.has(t.toLowerCase()));
}

/**
 * Whether an `Accept` list admits application/sdp (§20.1: media ranges, `q=0` excludes). No
 * Accept header means application/sdp (§20.1); an empty one means nothing is acceptable.
 */
export function acceptsSdp(req: SipRequest): boolean {
  if (!req.headers.some((h) => headerKey(h.name) === 'accept')) return true;
  return headers(req, 'accept').some((range) => {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => /^q\s*=/.test(p));
    if (q !== undefined && Number(q.split('=')[1]) === 0) return false;
    return type === '*/*' || type === 'application/*' || type === 'application/sdp';
  });
}

/** §20.43: a Warning with our reason, as a quoted-string. */
const warning = (text: string): SipHeader => ({
  name: 'Warning',
  value: `399 - "${text.replace(/["\\]/g, "'").slice(0, 160)}"`,
});

/** §8.2.6.2: with a To tag (kept when the request had one). */
const refuse = (req: SipRequest, status: number, hs: SipHeader[] = []): SipResponse =>
  refusal(req, status, { headers: hs });

export function inspectRequest(req: SipRequest): SipResponse | undefined {
  if (!TAKEN.has(req.method))
    return refuse(req, KNOWN.has(req.method) ? 405 : 501, [{ name: 'Allow', value: ALLOW }]);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(req.uri)?.[1]?.toLowerCase();
  if (scheme === undefined || !SCHEMES.has(scheme)) return refuse(req, 416);
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const unsupported = unsupportedRequire(req);
    // RFC 3262 §3: we do not do PRACK; never ignore Require: 100rel.
    if (unsupported.length > 0)
      return refuse(req, 420, [{ name: 'Unsupported', value: unsupported.join(', ') }]);
  }
  if (req.method !== 'INVITE' && req.method !== 'UPDATE') return undefined;
  const body = sessionBody(req);
  if (body.kind === 'unsupported') {
    const hs = [{ name: 'Accept', value: SESSION_BODY_TYPES.join(', ') }];
    if (body.encoding) hs.push({ name: 'Accept-Encoding', value: 'identity' });
    return refuse(req, 415, [...hs, warning(`${body.why} is not taken`)]);
  }
  if (body.kind === 'malformed') return refuse(req, 400, [warning(body.why)]);
  if ((req.method === 'INVITE' || body.kind === 'sdp') && !acceptsSdp(req)) {
    return refuse(req, 406, [warning('the answer would be application/sdp, which Accept excludes')]);
  }
  return undefined;
}
