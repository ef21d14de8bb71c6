/**
 * What a SIP peer's new offer (a re-INVITE or UPDATE, RFC 3264 §8) changes against its last
 * description, as the XMPP side must hear it:
 * - hold: every stream it still has is `sendonly` or `inactive` (RFC 3264 §8.4) where before
 *   one was not, or the other way round → XEP-0167 §7 `<hold/>` / `<active/>`;
 * - a moved transport (c=/m= address, candidates, ICE credentials) → XEP-0176 transport-info;
 * - new ICE credentials are an ICE restart (RFC 8839 §4.4.1.1.1): the answer needs the other
 *   side's new credentials too.
 */
import type { Sdp, SdpMedia } from './types';

export interface OfferChange {
  hold?: 'hold' | 'active';
  /** The m-section indexes whose transport changed. */
  moved: number[];
  /** The m-section indexes with new ICE credentials. */
  restarted: number[];
}

function direction(m: SdpMedia, session: Sdp): string {
  return m.direction ?? session.direction ?? 'sendrecv';
}

/** RFC 3264 §8.4: the offerer holds when it asks not to receive: sendonly or inactive. */
export function isHeld(sdp: Sdp): boolean {
  const live = sdp.media.filter((m) => m.port !== 0);
  if (live.length === 0) return false;
  return live.every((m) => {
    const d = direction(m, sdp);
    const c = m.connection?.ip ?? sdp.connection?.ip;
    // RFC 3264 §8.4: c=0.0.0.0 is RFC 2543's hold — but not with ICE, where it is the
    // placeholder of a description whose candidates come by trickle (RFC 8840 §4.1.1).
    const ice = (m.iceUfrag ?? sdp.iceUfrag) !== undefined || (m.candidates?.length ?? 0) > 0;
    return d === 'sendonly' || d === 'inactive' || (c === '0.0.0.0' && !ice);
  });
}

function transportKey(m: SdpMedia, sdp: Sdp): string {
  const ufrag = m.iceUfrag ?? sdp.iceUfrag ?? '';
  const pwd = m.icePwd ?? sdp.icePwd ?? '';
  const ip = m.connection?.ip ?? sdp.connection?.ip ?? '';
  const candidates = (m.candidates ?? [])
    .map((c) => `${c.component} ${c.transport} ${c.ip} ${c.port}`)
    .sort()
    .join(',');
  return `${ufrag} ${pwd} ${ip} ${m.port} ${candidates}`;
}

export function offerChange(before: Sdp | undefined, after: Sdp): OfferChange {
  const change: OfferChange = { moved: [], restarted: [] };
  if (!before) return change;
  const held = isHeld(after);
  if (held !== isHeld(before)) change.hold = held ? 'hold' : 'active';
  after.media.forEach((m, i) => {
    const b = before.media[i];
    if (!b || m.port === 0) return;
    if (transportKey(m, after) !== transportKey(b, before)) change.moved.push(i);
    const ufrag = m.iceUfrag ?? after.iceUfrag;
    const old = b.iceUfrag ?? before.iceUfrag;
    if (ufrag !== undefined && old !== undefined && ufrag !== old) change.restarted.push(i);
  });
  return change;
}
