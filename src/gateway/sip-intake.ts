/**
 * What the SIP leg brings to the gateway: an INVITE it let in starts a SIP-originated call
 * (XEP-0353: its sid is the id of the propose that rings the callee's devices), unless the
 * gateway is stopping or a limit is reached (RFC 3261 §21.5.4: 503 with Retry-After and a
 * Warning saying why). Refusals the call decides itself (403, 404, 488) are its effects.
 */
import { randomHex } from '../sip/common/random-hex';
import { SipCall } from '../calls';
import type { ServerInvite } from '../sip/dialog/server-invite';
import { header } from '../sip/message/headers';
import { parseNameAddr } from '../sip/message/name-addr';
import { sipToReason } from '../translate/reason';
import type { CallRunner } from './call-runner';
import type { CallInfo } from './observer';
import { limitName, type GatewayHost } from './xmpp-intake';

export interface SipIntakeHost extends GatewayHost {
  add(call: SipCall, limitKey: string): CallRunner;
}

export function onInvite(g: SipIntakeHost, inv: ServerInvite): void {
  if (g.draining()) {
    // RFC 3261 §21.5.4: the caller may try elsewhere at once (a restart takes seconds).
    inv.reject(503, 'Service Unavailable', [
      { name: 'Retry-After', value: '5' },
      { name: 'Warning', value: `399 ${g.config().sip.host} "the gateway is shutting down"` },
    ]);
    return;
  }
  const limitKey = `source:${inv.source.address}`;
  const refused = g.limits.admit(limitKey);
  if (refused) {
    g.observer?.limited?.('source', limitName(refused.why));
    g.logOnce(limitKey, refused.why, 'call refused by a limit', { source: inv.source.address });
    // RFC 3261 §21.5.4: 503 with Retry-After; the Warning says which limit.
    inv.reject(503, 'Service Unavailable', [
      { name: 'Retry-After', value: String(refused.retryAfter) },
      { name: 'Warning', value: `399 ${g.config().sip.host} "${refused.why}"` },
    ]);
    return;
  }
  // XEP-0353 §3.1: the propose id is the sid of the session that follows.
  const sid = randomHex(12);
  const { call, effects } = SipCall.start(inv.request, sid, g.ctx(), inv.source.address);
  const info: CallInfo = {
    sid,
    callId: call?.callId ?? header(inv.request, 'call-id') ?? sid,
    direction: 'sip-to-xmpp',
    from: uriOf(header(inv.request, 'from')),
    to: inv.request.uri,
    at: Date.now(),
  };
  g.observer?.callStarted?.(info);
  if (!call) {
    g.limits.ended(limitKey);
    const denied = effects.find((e) => e.kind === 'sip-reject' && e.status === 403);
    if (denied) {
      g.observer?.denied?.('source');
      g.log.warn('call denied by policy', { source: inv.source.address, to: inv.request.uri });
    }
    for (const e of effects) if (e.kind === 'sip-reject') inv.reject(e.status, e.reason, e.headers);
    // Refused before it began: 403 (policy.sources), 404 (no such user), 488 (an offer we cannot read).
    const status = effects.find((e) => e.kind === 'sip-reject');
    g.observer?.callEnded?.(
      sid,
      sipToReason(status?.kind === 'sip-reject' ? status.status : 500, g.ctx().tables.reasons),
      Date.now(),
    );
    return;
  }
  const runner = g.add(call, limitKey);
  runner.attachServer(inv);
  runner.run(effects);
}

/** The URI of a From header (its tag is no party), or the header as it is when it does not parse. */
function uriOf(from: string | undefined): string {
  try {
    return parseNameAddr(from ?? '').uri;
  } catch {
    return from ?? '';
  }
}
