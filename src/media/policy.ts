/**
 * The media policy of one call (docs/media.md §Config): the global `media` settings, overridden
 * by the trunk whose host is the call's SIP target (XMPP → SIP), and whether an anchor exists.
 */
import type { AnchorMode, GatewayConfig, OfferProfile, PeerMedia } from '../config/config';

export interface MediaPolicy {
  mode: AnchorMode;
  /** rtpengine is configured: anchoring is possible (it may still fail at run time). */
  available: boolean;
  /** What the SIP peer is declared to do; undefined: not declared. */
  peer?: PeerMedia;
  offer: OfferProfile[];
}

/** Host (and port, when written) of a sip:/sips: URI, lower-cased. */
function hostOf(uri: string): string {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^;?>]+)/i.exec(uri);
  return (m?.[1] ?? '').toLowerCase();
}

/** The policy for a call to (XMPP → SIP) or from (SIP → XMPP, no `target`) the SIP side. */
export function mediaPolicy(config: GatewayConfig, target?: string): MediaPolicy {
  const m = config.media;
  const host = target === undefined ? undefined : hostOf(target);
  const trunk =
    host === undefined
      ? undefined
      : (config.sip.trunks ?? []).find((t) => {
          const h = t.host.toLowerCase();
          return h === host || (!h.includes(':') && host.replace(/:\d+$/, '') === h);
        });
  const p: MediaPolicy = {
    mode: trunk?.media?.anchor ?? m.anchor,
    available: m.rtpengine !== undefined,
    offer: trunk?.media?.offer ?? m.offer,
  };
  const peer = trunk?.media?.peer ?? m.peer;
  if (peer !== undefined) p.peer = peer;
  return p;
}
