/**
 * The offer profiles an anchored INVITE toward a SIP peer walks (docs/media.md §Profiles): the
 * route's `media.offer` list made concrete (`as-offered` = the security form of the Jingle side's
 * description), one after another while the peer refuses the offer's media (488/415/606,
 * RETRY_STATUSES). Used by the call's own INVITE (./xmpp-call-base.ts) and by the INVITE a SIP
 * peer's REFER asks for (./transfers.ts), so both fall back the same way. Pure.
 */
import type { OfferProfile } from '../config/config';
import type { Mappings } from '../config/mappings';
import { toCapNegOffer } from '../media/capneg-offer';
import { RETRY_STATUSES } from '../media/decide';
import { concreteProfile, towardSip } from '../media/flags';
import type { NgFlags } from '../media/ng-client';
import type { MediaShape } from '../media/shape';
import { parseSdp, writeSdp } from '../sdp';

export type ConcreteProfile = Exclude<OfferProfile, 'as-offered'>;

export class OfferProfiles {
  private index = 0;

  private constructor(private readonly list: readonly ConcreteProfile[]) {}

  /** The route's list for a Jingle side of this shape, each profile once, in order. */
  static of(offer: readonly OfferProfile[], jingleSide: MediaShape): OfferProfiles {
    return new OfferProfiles([...new Set(offer.map((p) => concreteProfile(p, jingleSide)))]);
  }

  /** The profile the INVITE out now offers. */
  get current(): ConcreteProfile {
    return this.list[this.index] ?? 'rtp';
  }

  /** The ng flags of the anchor's offer in the current profile (src/media/flags.ts). */
  flags(): NgFlags {
    return towardSip(this.current);
  }

  /** The anchor's offer as the INVITE carries it: `capneg` rewritten as RFC 5939 (src/media/capneg-offer.ts). */
  body(anchorSdp: string, hashes: Mappings['hashes']): string {
    return this.current === 'capneg' ? writeSdp(toCapNegOffer(parseSdp(anchorSdp, hashes))) : anchorSdp;
  }

  /**
   * The peer refused the INVITE with `status`: on to the next profile if `status` refuses the
   * offer's media and one is left; false otherwise (the refusal is final).
   */
  next(status: number): boolean {
    if (!RETRY_STATUSES.has(status) || this.index + 1 >= this.list.length) return false;
    this.index += 1;
    return true;
  }
}
