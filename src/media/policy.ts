/**
 * The media policy of one call (docs/media.md §Config): the global `media` settings, overridden
 * by the first `routing.outbound` route with `media` whose trunk host is the call's SIP target
 * (XMPP → SIP), else by the `sip.trunks` entry with that host; and whether an anchor exists.
 * Media is a property of the peer, so two routes to one host share the first one's `media`.
 * `earlyMedia` is looked up the same way, separately (a route may set one and not the other).
 */
import type { AnchorMode, GatewayConfig, OfferProfile, PeerMedia } from '../config/config';

export interface MediaPolicy {
  mode: AnchorMode;
  /** rtpengine is configured: anchoring is possible (it may still fail at run time). */
  available: boolean;
  /** What the SIP peer is declared to do; undefined: not declared. */
  peer?: PeerMedia;
  offer: OfferProfile[];
  /** Whether a 183 with SDP is early media for the XMPP caller (docs/media.md §Early media); absent: yes. */
  earlyMedia?: boolean;
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
  const sameHost = (h: string): boolean =>
    host !== undefined && (h === host || (!h.includes(':') && host.replace(/:\d+$/, '') === h));
  const trunk =
    host === undefined
      ? undefined
      : (config.routing.outbound.find((r) => r.media !== undefined && sameHost(hostOf(r.trunk))) ??
        (config.sip.trunks ?? []).find((t) => sameHost(t.host.toLowerCase())));
  // The same lookup for early media: the first route that says, else the trunk; on by default.
  const early =
    host === undefined
      ? undefined
      : (config.routing.outbound.find((r) => r.earlyMedia !== undefined && sameHost(hostOf(r.trunk))) ??
        (config.sip.trunks ?? []).find((t) => t.earlyMedia !== undefined && sameHost(t.host.toLowerCase())));
  const p: MediaPolicy = {
    mode: trunk?.media?.anchor ?? m.anchor,
    available: m.rtpengine !== undefined,
    offer: trunk?.media?.offer ?? m.offer,
    earlyMedia: early?.earlyMedia ?? true,
  };
  const peer = trunk?.media?.peer ?? m.peer;
  if (peer !== undefined) p.peer = peer;
  return p;
}
