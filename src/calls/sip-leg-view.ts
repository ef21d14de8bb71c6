/**
 * What a call knows of its SIP leg's INVITE dialog and offer/answer (RFC 3261 §12–§14,
 * RFC 3264). It is not a machine of the call's own: the SIP leg owns both (src/sip/dialog:
 * the UAC/UAS tables, the dialog and its offer table, which decides glare, §14.2) and refuses
 * what is illegal there. The call only needs to know where the leg stands, and derives it —
 * no table, no guard — from the facts the leg reported (the call's SIP events: a 1xx, the 2xx,
 * a failure, CANCEL, BYE, the dialog lost, the peer's offer, the answer to ours) and the
 * requests the call made of the leg (its SIP effects: INVITE, 18x, 2xx, a rejection, CANCEL,
 * BYE, a re-INVITE, the answer to a peer's offer). docs/architecture.md §Machines has the picture.
 *
 * Effects are read as the call writes them: {@link SipLegView.track} hands the view the list
 * being filled, and every read first catches up with what was added since.
 */
import type { CallEvent, Effect } from './events';
import { sdpOf } from '../sip/message/body';

/** Where the INVITE dialog stands, as the ops page shows it. */
export type DialogPhase = 'none' | 'calling' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
/** RFC 3264 / RFC 6337 §2: whose offer is outstanding, if any. */
export type OfferPhase = 'stable' | 'have-local' | 'have-remote';

/** A dialog only moves forward (RFC 3261 §12: early → confirmed → terminated), until a new INVITE. */
const RANK: Record<DialogPhase, number> = {
  none: 0,
  calling: 1,
  proceeding: 2,
  early: 3,
  confirmed: 4,
  terminated: 5,
};

export class SipLegView {
  private phase: DialogPhase;
  /** Our INVITE or re-INVITE is out, not yet answered. */
  private localOffer: boolean;
  /** The peer's offers (its INVITE: id 0; a re-INVITE/UPDATE: its id) we have not answered. */
  private readonly remoteOffers = new Set<number>();
  private effects?: readonly Effect[];
  private seen = 0;

  /** `initial`: a SIP-originated call starts from the peer's INVITE and its offer. */
  constructor(initial?: 'invited') {
    this.phase = initial === 'invited' ? 'calling' : 'none';
    this.localOffer = false;
    if (initial === 'invited') this.remoteOffers.add(0);
  }

  get dialog(): DialogPhase {
    this.catchUp();
    return this.phase;
  }

  get offer(): OfferPhase {
    this.catchUp();
    if (this.localOffer) return 'have-local';
    return this.remoteOffers.size > 0 ? 'have-remote' : 'stable';
  }

  /** An offer is outstanding other than the peer's offer `except` (the one being decided). */
  offerOutstanding(except?: number): boolean {
    this.catchUp();
    if (this.localOffer) return true;
    for (const id of this.remoteOffers) if (id !== except) return true;
    return false;
  }

  /** A fact from the SIP leg, before the call handles it. */
  heard(event: CallEvent): void {
    this.catchUp();
    switch (event.kind) {
      case 'sip-provisional':
        this.move(event.response.status === 100 ? 'proceeding' : 'early');
        // RFC 3261 §13.2.1: an SDP in a provisional response is the answer (RFC 3960 §2).
        if (sdpOf(event.response).trim() !== '') this.localOffer = false;
        return;
      case 'sip-answered':
        this.move('confirmed');
        this.localOffer = false;
        return;
      case 'sip-failed':
        this.move('terminated');
        this.localOffer = false;
        return;
      case 'sip-reinvite-done':
        this.localOffer = false;
        return;
      case 'sip-cancel':
      case 'sip-bye':
      case 'sip-ack-timeout':
      case 'sip-down':
        this.move('terminated');
        return;
      case 'sip-reoffer':
        // An offerless re-INVITE asks for our offer (§14.2); it starts no exchange of theirs.
        if (event.body.trim() !== '') this.remoteOffers.add(event.id);
        return;
      default:
        return;
    }
  }

  /** The list of effects the call is writing now; read as it grows. */
  track(effects: readonly Effect[]): void {
    this.catchUp();
    this.effects = effects;
    this.seen = 0;
  }

  private catchUp(): void {
    const out = this.effects;
    if (!out) return;
    // The call dropped what it wrote (it failed and starts over with its abort).
    if (this.seen > out.length) this.seen = 0;
    for (; this.seen < out.length; this.seen++) this.sent(out[this.seen] as Effect);
  }

  /** A request the call made of the SIP leg (or the anchor, for an INVITE being prepared). */
  private sent(e: Effect): void {
    switch (e.kind) {
      case 'sip-invite':
        // A new INVITE is a new dialog (RFC 3261 §12.1), after an offer profile was refused.
        this.phase = 'calling';
        this.localOffer = true;
        return;
      case 'media':
        // The anchor prepares the offer of a new INVITE: no dialog until it goes out.
        if (e.purpose === 'invite' && this.phase === 'terminated') this.phase = 'none';
        return;
      case 'sip-provisional':
        this.move('early');
        return;
      case 'sip-accept':
        this.move('confirmed');
        this.remoteOffers.delete(0);
        return;
      case 'sip-reject':
        this.move('terminated');
        this.remoteOffers.delete(0);
        return;
      case 'sip-reinvite':
        this.localOffer = true;
        return;
      case 'sip-reoffer-answer':
        this.remoteOffers.delete(e.id);
        return;
      case 'sip-bye':
      case 'sip-cancel':
      case 'ended':
        this.move('terminated');
        return;
      default:
        return;
    }
  }

  private move(to: DialogPhase): void {
    if (RANK[to] > RANK[this.phase]) this.phase = to;
  }
}
