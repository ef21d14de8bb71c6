/**
 * What a SIP INFO (RFC 6086) carries, from its Info-Package and Content-Type. The gateway takes
 * the `trickle-ice` package (RFC 8840 §7) and the legacy DTMF bodies (src/translate/dtmf.ts);
 * another package is answered 469 Bad Info Package with our Recv-Info (RFC 6086 §5.2.5), a
 * legacy INFO with another body 415 (RFC 3261 §21.4.13), an empty one 200.
 */
import { header, mediaType } from '../sip/message';
import type { SipHeader, SipMessage, SipRequest } from '../sip/message/types';
import { DTMF, DTMF_RELAY, parseDtmfBody } from './dtmf';

/**
 * What a SIP INFO carries (RFC 6086), read from its Info-Package and Content-Type: a DTMF digit,
 * trickled candidates (RFC 8840), or something else — a package we do not take (469) or a
 * legacy INFO with an unknown body (415). The call acts on it and answers.
 */
export type SipInfo =
  | { kind: 'dtmf'; code: string; durationMs?: number }
  | { kind: 'trickle'; frag: string }
  | { kind: 'empty' }
  /** A body of a type we take that does not parse → 400. */
  | { kind: 'invalid'; text: string }
  | { kind: 'other'; infoPackage?: string; contentType?: string };

/** RFC 8840 §7: the Info-Package and body type of trickled candidates. */
export const TRICKLE_PACKAGE = 'trickle-ice';
export const SDPFRAG = 'application/trickle-ice-sdpfrag';

/** The Info-Packages we receive (the value of our Recv-Info, RFC 6086 §5.2.3). */
export const RECV_INFO = [TRICKLE_PACKAGE];

/**
 * Our Recv-Info with `packages` (RFC 6086 §5.2.2): an empty one (`Recv-Info: `) says we take no
 * package but speak the mechanism — legacy INFO (DTMF) needs no Recv-Info and is not affected.
 */
export function recvInfoHeader(packages: readonly string[]): SipHeader {
  return { name: 'Recv-Info', value: packages.join(', ') };
}

/**
 * Whether a request carried a Recv-Info, an empty one included: our reliable 18x/2xx to it must
 * carry ours, and must not when it did not (RFC 6086 §5.2.3). Recv-Info is not split as a list
 * header (src/sip/message/headers.ts), so an empty one is still seen.
 */
export function hasRecvInfo(msg: Pick<SipMessage, 'headers'>): boolean {
  return header(msg, 'recv-info') !== undefined;
}

/** The body types a legacy INFO may carry (our 415's Accept). */
export const INFO_BODY_TYPES = [DTMF_RELAY, DTMF, SDPFRAG];

export function sipInfoOf(req: SipRequest): SipInfo {
  const pkg = header(req, 'info-package')?.split(';')[0]?.trim().toLowerCase();
  const type = mediaType(header(req, 'content-type'));
  if (pkg !== undefined && pkg !== TRICKLE_PACKAGE) return { kind: 'other', infoPackage: pkg };
  if (req.body.trim() === '') return { kind: 'empty' };
  if (type === SDPFRAG) return { kind: 'trickle', frag: req.body };
  // A package we take with a body of another type is no package we know (RFC 6086 §4.2.2).
  if (pkg !== undefined) return { kind: 'other', infoPackage: pkg, ...(type ? { contentType: type } : {}) };
  if (type === DTMF_RELAY || type === DTMF) {
    try {
      const t = parseDtmfBody(type, req.body);
      return t.durationMs === undefined
        ? { kind: 'dtmf', code: t.code }
        : { kind: 'dtmf', code: t.code, durationMs: t.durationMs };
    } catch (e) {
      return { kind: 'invalid', text: (e as Error).message };
    }
  }
  return type === undefined ? { kind: 'other' } : { kind: 'other', contentType: type };
}
