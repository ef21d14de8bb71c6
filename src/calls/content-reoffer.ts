/**
 * Streams added, removed and redirected during a call (docs/midcall.md §Streams), both ways,
 * on top of the pure translation in src/translate/content.ts:
 *
 * ```
 * client                          gateway                               SIP peer
 *   content-add/-remove/-modify ──▶ IQ result; re-INVITE (new m-line / port 0 / direction) ──▶
 *   ◀── content-accept / content-reject ◀──────────── 200 (port ≠ 0 / port 0), or 4xx–6xx
 *   ◀── content-add ◀──────────────────────────────── re-INVITE adding an m-line
 *   content-accept / content-reject ──▶ 200: every m-line answered, the refused one at port 0
 *   ◀── content-remove ◀───────────────────────────── re-INVITE disabling an m-line (port 0)
 *   ◀── content-modify ◀───────────────────────────── re-INVITE redirecting a stream (not a hold)
 *   ◀── transport-info + content-add ◀─────────────── re-INVITE adding a stream, restarting ICE
 * ```
 *
 * One offer at a time (RFC 3261 §14.1): a client's change while another offer is out is refused
 * with `<conflict/>` + `<tie-break/>` (XEP-0166 §7.2, the Jingle form of a 491), a peer's
 * re-offer while one of ours is out gets 491; our change's own 491 is offered again after the
 * glare wait (./glare.ts), content-reject once the retries run out. Every SDP written here takes
 * the client's current candidates (no candidate is dropped, docs/midcall.md §Streams). A peer's
 * new stream never costs it the call: what the client refuses or does not answer within
 * CONTENT_WAIT_MS is answered with port 0 (RFC 3264 §6), never a 488 for the whole re-INVITE; a
 * peer's direction change that is not a hold is content-modify, answered at once (§6.1).
 * Anchored calls (media through rtpengine, placed by either side): a new stream goes through
 * the anchor both ways with the whole new SDP (./anchored-reoffer.ts carries the ng
 * offer/answer; the Jingle side is written by the same src/translate/content.ts functions, the
 * anchor standing where the SIP peer stood): the client's content-add → content-accept with
 * the anchor's transport, the peer's new m-line → content-add with the anchor's transport. The
 * Jingle side's description is the client's own (`clientSide`: the XMPP caller's
 * session-initiate, or the device's session-accept answering the anchor's first offer, with
 * the contents added since after its m-lines), laid out on the anchor's m-lines (`anchorLayout`).
 * What is not carried yet (docs/midcall.md §Streams) keeps the old answer: the peer's new
 * m-line at port 0 next to the anchor's answer.
 */
import { isInputError } from '../errors';
import type { Content, Creator, Group, Jingle, JingleIq } from '../jingle/types';
import { parseSdp, writeSdp } from '../sdp';
import { isHeld, offerChange } from '../sdp/offer-change';
import type { Sdp, SdpMedia } from '../sdp/types';
import { sdpOf } from '../sip/message/body';
import type { SipResponse } from '../sip/message/types';
import {
  contentAddToReoffer,
  contentModifyToReoffer,
  contentRemoveToReoffer,
  disabledMedia,
  initialSlots,
  reanswer,
  reanswerToJingle,
  reofferRefused,
  reofferToJingle,
  type ClientReply,
  type MidCallSession,
  type Reoffer,
  type ReofferOutcome,
  type ReofferToJingle,
  sendersChanges,
  type Slot,
  withTransports,
} from '../translate/content';
import { mediaToContent } from '../translate/media';
import { offeredNames } from '../translate/session';
import type { Tables } from '../translate/tables';
import { AnchoredReoffers } from './anchored-reoffer';
import { mergeCandidates } from './candidates';
import type { Effect } from './events';
import { refusalText } from './sip-offers';

/**
 * How long a SIP peer's re-INVITE adding a stream waits for the client's content-accept or
 * content-reject; then the stream is answered with port 0 (RFC 3264 §6) and the client hears a
 * content-remove. A person may have to say yes to video, but the re-INVITE must be answered well
 * within the peer's transaction timeout (RFC 3261 §17.1.1.2, Timer B: 32 s).
 */
export const CONTENT_WAIT_MS = 10000;

const CHANGES = new Set(['content-add', 'content-remove', 'content-modify']);
const REPLIES = new Set(['content-accept', 'content-reject']);
const BUNDLE = (semantics: string): boolean => semantics.toUpperCase() === 'BUNDLE';

export abstract class ContentReoffers extends AnchoredReoffers {
  /** One entry per m-line of the SIP session, once a stream change was asked for. */
  private slots?: (Slot | undefined)[];
  /** Our re-INVITE for the client's content-add/-remove/-modify. */
  private ours?: {
    reoffer: Reoffer;
    session: MidCallSession;
    /** The SDP sent; undefined while the change waits for the `glare` timer (RFC 3261 §14.1). */
    body: string | undefined;
    request: Jingle;
    /** The hold state the offer said (RFC 3264 §8.4). */
    hold: boolean;
    /** It carried candidates that were waiting for an offer (`lateCandidates`). */
    late: boolean;
  };
  /** The SIP peer's re-INVITE adding streams, waiting for the client's content-accept/-reject. */
  private theirs?: {
    id: number;
    offer: Sdp;
    change: ReofferToJingle;
    session: MidCallSession;
    reply: ClientReply;
    /** Names of the added contents the client has not answered yet. */
    waiting: Set<string>;
    /** Contents the offer restarts ICE on, with the client's ufrag then: the 200 waits for new ones. */
    restarting: Map<string, string> | undefined;
    /** The BUNDLE groups of the client's content-accepts (XEP-0338): which new streams are bundled. */
    acceptGroups: Group[];
    /**
     * Anchored: streams the client accepted without candidates and not bundled, whose first
     * trickled candidates the answer waits for (`candidatesForAccepted`).
     */
    gathering: Set<string>;
  };

  /**
   * The Jingle that describes the client's side of the media (the XMPP caller's offer, the
   * device's session-accept), kept in step with every stream change so that the SDP written
   * from it later (candidates, hold, the peer's re-offers) has every m-line.
   */
  protected abstract clientSide(): Jingle | undefined;

  private get clientRole(): Creator {
    return this.origin === 'xmpp' ? 'initiator' : 'responder';
  }

  private get sipRole(): Creator {
    return this.origin === 'xmpp' ? 'responder' : 'initiator';
  }

  /**
   * The session's slots, laid out from the first exchange when first needed: content i is m-line
   * i, and a stream either side disabled (RFC 3264 §6: the answer's port 0) is not in the session.
   * Undefined before the first answer.
   */
  private ensureSlots(): (Slot | undefined)[] | undefined {
    if (this.slots) return this.slots;
    const side = this.clientSide();
    const remote = this.sipRemote;
    if (!side || this.sipLocal === undefined || !remote) return undefined;
    const local = parseSdp(this.sipLocal, this.ctx.tables.hashes);
    const names =
      side.contents.length === local.media.length ? side.contents.map((c) => c.name) : offeredNames(local);
    this.slots = initialSlots(local, names, 'initiator').map((s, i) =>
      (remote.media[i]?.port ?? 0) === 0 ? undefined : s,
    );
    return this.slots;
  }

  /**
   * The call's SIP session is a new one (a transfer's new dialog, ./transfers.ts): its m-lines
   * are laid out again from its first exchange, and what the old peer's offers said is forgotten.
   */
  protected newSipSession(): void {
    this.slots = undefined;
    this.anchorLayout = undefined;
    this.forgetPeerLast();
    this.preHold = undefined;
    this.modified.clear();
    // Its offer was the client's whole description: every candidate so far.
    this.candidatesRefused = false;
  }

  /** The negotiated session the next change starts from; undefined before the first answer. */
  private session(): MidCallSession | undefined {
    const slots = this.ensureSlots();
    if (!slots || this.sipLocal === undefined || !this.sipRemote) return undefined;
    const local = parseSdp(this.sipLocal, this.ctx.tables.hashes);
    // The candidates the client trickled since (and any a refused re-INVITE carried) go in
    // whatever SDP is written from this session next (docs/midcall.md §Streams).
    let current: Sdp | undefined;
    try {
      current = this.currentOffer(this.sdpVersion + 1);
    } catch (e) {
      if (!isInputError(e)) throw e;
    }
    if (current) withTransports(local, current);
    return { sid: this.sid, clientRole: this.clientRole, local, remote: this.sipRemote, slots };
  }

  /**
   * An SDP of ours written from the client's Jingle (./xmpp-call.ts, ./sip-call.ts), laid out
   * on the session's m-lines: a removed stream keeps its m-line at port 0, since an m-line is
   * never removed (RFC 3264 §8), and one the first answer refused stays at port 0.
   */
  protected fitSlots(sdp: Sdp): Sdp {
    if (this.anchored) return sdp;
    const slots = this.ensureSlots();
    if (!slots) return sdp;
    const last = this.sipLocal === undefined ? undefined : parseSdp(this.sipLocal, this.ctx.tables.hashes);
    const media = slots.map((s, i): SdpMedia | undefined => {
      const at = sdp.media[i];
      if (s === undefined) {
        const like = last?.media[i] ?? at;
        return like && disabledMedia(like);
      }
      return sdp.media.find((m) => m.mid === s.name) ?? at;
    });
    if (media.some((m) => m === undefined)) return sdp;
    return keepBundled({ ...sdp, media: media as SdpMedia[] });
  }

  /**
   * The client's content-* IQ (XEP-0166 §7.2); false for any other action. Answered here:
   * changes go to SIP as a re-offer, replies answer the SIP peer's re-offer.
   */
  protected onContentAction(out: Effect[], iq: JingleIq): boolean {
    const action = iq.jingle.action;
    if (!CHANGES.has(action) && !REPLIES.has(action)) return false;
    if (this.jingle.state !== 'active' || this.sip.dialog !== 'confirmed') {
      out.push(
        this.iqErrorEffect(iq, 'unexpected-request', 'out-of-order', `${action} before the session is up`),
      );
      return true;
    }
    if (REPLIES.has(action)) this.clientReply(out, iq);
    else this.clientChange(out, iq);
    return true;
  }

  /** The client's content-* as a re-offer of `session`; undefined (IQ bad-request sent) when it cannot be one. */
  private readChange(out: Effect[], iq: JingleIq, session: MidCallSession, j: Jingle): Reoffer | undefined {
    try {
      return changeToReoffer(session, j, this.ctx.tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      out.push(this.iqErrorEffect(iq, 'bad-request', undefined, e.message));
      return undefined;
    }
  }

  private clientChange(out: Effect[], iq: JingleIq): void {
    const j = iq.jingle;
    const party = this.jingleParty();
    if (this.anchored) return this.anchoredChange(out, iq);
    // RFC 3261 §14.1: one offer at a time; XEP-0166 §7.2 answers a crossing request with tie-break.
    if (this.ours || this.theirs || this.sip.offer !== 'stable' || this.anchorReinviteBusy()) {
      out.push(this.iqErrorEffect(iq, 'conflict', 'tie-break', 'another offer/answer exchange is under way'));
      return;
    }
    const session = this.session();
    if (!session || !party) {
      out.push(this.iqErrorEffect(iq, 'unexpected-request', 'out-of-order', 'no negotiated session yet'));
      return;
    }
    const reoffer = this.readChange(out, iq, session, j);
    if (!reoffer) return;
    this.result(out, iq);
    if (this.glareWait) {
      // A hold's retry is due (RFC 3261 §14.1): the change waits for the same timer and goes
      // in its place, carrying the hold (contentGlareOver).
      this.ours = {
        reoffer,
        session,
        body: undefined,
        request: structuredClone(j),
        hold: this.localHold,
        late: false,
      };
      return;
    }
    this.sendOurs(out, reoffer, session, structuredClone(j));
  }

  /** Our re-INVITE for the client's change (or, XEP-0166 §7.2.5, the end of the session). */
  private sendOurs(out: Effect[], reoffer: Reoffer, session: MidCallSession, request: Jingle): void {
    if (reoffer.terminate) {
      this.ours = undefined;
      // XEP-0166 §7.2.5: removing the last content ends the session.
      return this.abort(out, 'success', 'every content was removed');
    }
    keepDtlsRole(reoffer.offer, reoffer.changed);
    const body = writeSdp(this.nextVersion(this.applyHold(reoffer.offer)));
    // It carries every candidate of the client's so far (session(): withTransports); the late
    // ones get their own re-INVITE again if this one is refused.
    const late = this.lateCandidates;
    this.lateCandidates = false;
    this.ours = { reoffer, session, body, request, hold: this.localHold, late };
    out.push({ kind: 'sip-reinvite', body, headers: this.recvInfoHeaders() });
  }

  /**
   * The `glare` timer fired and our stream change waits for it (RFC 3261 §14.1): a new offer
   * from the session as it is now (the peer's own offer may have been taken meanwhile), the
   * next o= version. A change that no longer fits the session (its content gone, its name
   * taken) is refused as the peer's refusal would be; a peer's offer still being answered
   * counts as another 491. False when no stream change waits.
   */
  protected contentGlareOver(out: Effect[]): boolean {
    if (this.anchoredOurs?.waiting) {
      this.anchoredGlareOver(out, this.anchoredOurs);
      return true;
    }
    const r = this.ours;
    if (!r || r.body !== undefined) return false;
    const session = this.session();
    const busy = this.theirs !== undefined || this.sip.offer !== 'stable' || this.anchorReinviteBusy();
    const reoffer = this.retried(out, session, busy, r.request, (why, resume) =>
      this.oursRefused(out, r, why, resume),
    );
    if (reoffer && session) this.sendOurs(out, reoffer, session, r.request);
    return true;
  }

  /**
   * The `glare` timer for a stream change that waits (RFC 3261 §14.1), end to end or anchored:
   * the change recomputed from `session`, the session as it is now; undefined when it is
   * refused (`refuse`, with whether what waited goes now) or waits again (`busy`: a peer's
   * offer is still being answered, which counts as another 491).
   */
  private retried(
    out: Effect[],
    session: MidCallSession | undefined,
    busy: boolean,
    request: Jingle,
    refuse: (why: string, resume: boolean) => void,
  ): Reoffer | undefined {
    this.glareWait = false;
    if (this.sip.dialog !== 'confirmed' || !session) {
      refuse('no session to change', false);
      return undefined;
    }
    if (busy) {
      const late = this.lateCandidates;
      if (this.glareRetry(out)) this.lateCandidates = late;
      else refuse('the SIP peer kept offering', true);
      return undefined;
    }
    try {
      return changeToReoffer(session, request, this.ctx.tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      refuse(e.message, true);
      return undefined;
    }
  }

  /** Our stream change is not carried out: the client hears content-reject (XEP-0166 §7.2.3). */
  private oursRefused(
    out: Effect[],
    r: NonNullable<ContentReoffers['ours']>,
    why: string,
    resume = true,
  ): void {
    this.ours = undefined;
    this.glareRetries = 0;
    this.ctx.log?.(`the SIP peer refused a stream change: ${why}`, { sid: this.sid });
    // The candidates it carried that were waiting go in an offer of their own.
    if (r.late) this.lateCandidates = true;
    const refused = reofferRefused(r.session, r.reoffer);
    if (refused.reject) this.tell(out, refused.reject);
    // XEP-0166 §7.2.5 has no refusal of a content-remove: the client has dropped the stream, so
    // our side drops it too and our next SDP disables its m-line (port 0, RFC 3264 §8.2); no
    // offer goes for it alone, as the peer refused one. A peer's offer still carrying it is a
    // new stream to the client (content-add), which it may reject.
    if (r.reoffer.action === 'content-remove' && !r.reoffer.terminate) this.dropLocally(r.reoffer);
    // What waited for this exchange (a hold, candidates) goes now.
    if (resume) this.sendWaiting(out);
  }

  /**
   * The client's change as the SIP peer took it (its answer's `slots`), on the client's side:
   * the contents added, removed or redirected; the BUNDLE group that of `sdp`, our offer.
   */
  private sideTakes(r: { reoffer: Reoffer; request: Jingle }, slots: (Slot | undefined)[], sdp: Sdp): void {
    const side = this.clientSide();
    if (!side) return;
    const live = new Set(slots.filter((s) => s !== undefined).map((s) => s.name));
    if (r.reoffer.action === 'content-add')
      for (const c of r.request.contents) if (live.has(c.name)) side.contents.push(structuredClone(c));
    if (r.reoffer.action === 'content-remove') side.contents = side.contents.filter((c) => live.has(c.name));
    if (r.reoffer.action === 'content-modify')
      for (const c of r.request.contents) {
        const known = side.contents.find((k) => k.name === c.name);
        if (known && c.senders !== undefined) known.senders = c.senders;
      }
    side.groups = bundleOf(sdp, live, side.groups);
  }

  /** The removed contents leave the slots and the client's side (ours, not the SIP session). */
  private dropLocally(reoffer: Reoffer): void {
    this.slots = reoffer.slots;
    const side = this.clientSide();
    if (!side) return;
    const live = new Set(reoffer.slots.filter((s) => s !== undefined).map((s) => s.name));
    side.contents = side.contents.filter((c) => live.has(c.name));
    side.groups = bundleOf(reoffer.offer, live, side.groups);
  }

  /**
   * The SIP peer answered our re-INVITE: if it was a stream change of the client's, the client
   * hears content-accept / content-reject (RFC 3264 §6: port 0 refuses that stream). A 491 is
   * offered again after the glare wait, up to MAX_GLARE_RETRIES times (./glare.ts); a refusal
   * (488, the 491s run out, no answer) leaves the session as it was (RFC 3261 §14.1) and the
   * client hears content-reject. Then what waited goes. True when it was ours.
   */
  protected contentReinviteDone(out: Effect[], response?: SipResponse): boolean {
    const r = this.ours;
    if (!r || r.body === undefined) return false;
    // RFC 3261 §14.1 glare: the change is offered again after the wait (contentGlareOver), as
    // a hold is; what else the refused offer carried rides on the retry, nothing more.
    const late = this.lateCandidates;
    if (response?.status === 491 && this.glareRetry(out)) {
      this.lateCandidates = late || r.late;
      this.ours = { ...r, body: undefined };
      return true;
    }
    this.ours = undefined;
    this.glareRetries = 0;
    const answerText = response && response.status < 300 ? sdpOf(response) : '';
    let answer: Sdp | undefined;
    let outcome: ReofferOutcome | undefined;
    try {
      answer = answerText.trim() === '' ? undefined : parseSdp(answerText, this.ctx.tables.hashes);
      outcome = answer && reanswerToJingle(r.session, r.reoffer, answer, this.ctx.tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.ctx.log?.(`unusable answer to a stream change: ${e.message}`, { sid: this.sid });
      answer = undefined;
    }
    if (!answer || !outcome) {
      this.oursRefused(out, r, refusalText(response));
      return true;
    }
    // The offer said our hold as it stood (RFC 3264 §8.4) and every candidate: the peer has them.
    this.offerTaken(out, r.hold);
    this.candidatesRefused = false;
    this.sipLocal = r.body;
    this.sipRemote = answer;
    this.slots = outcome.slots;
    this.sideTakes(r, outcome.slots, parseSdp(r.body, this.ctx.tables.hashes));
    if (outcome.accept) this.tell(out, outcome.accept);
    if (outcome.reject) this.tell(out, outcome.reject);
    // What waited for this exchange (a hold, candidates) goes now.
    this.sendWaiting(out);
    return true;
  }

  /**
   * The SIP peer's re-offer, if it adds or disables a stream (RFC 3264 §8.1, §8.2); false leaves
   * it to the other re-offer layers (hold, moved transport, ICE restart).
   */
  protected peerContentReoffer(out: Effect[], id: number, body: string): boolean {
    if (body.trim() === '' || (!this.sipRemote && !this.anchored)) return false;
    let offer: Sdp;
    try {
      offer = parseSdp(body, this.ctx.tables.hashes);
    } catch {
      return false; // the other layers answer 488
    }
    if (this.anchored) return this.anchoredPeerContent(out, id, body, offer);
    const before = this.sipRemote;
    if (!before) return false;
    const isNew = (m: SdpMedia, i: number): boolean =>
      m.port !== 0 && (this.slots ? this.slots[i] === undefined : (before.media[i]?.port ?? 0) === 0);
    const added = offer.media.some(isNew);
    const removed = offer.media.some((m, i) => m.port === 0 && (before.media[i]?.port ?? 0) !== 0);
    if (!added && !removed) return false;
    const party = this.jingleParty();
    const session = this.session();
    if (!party || !session) return false;
    // Our change waiting for the glare timer does not block the peer's offer (RFC 3261 §14.1).
    if (this.sip.offerOutstanding(id) || this.ours?.body !== undefined || this.theirs) {
      out.push({ kind: 'sip-reoffer-answer', id, status: 491 });
      return true;
    }
    let change: ReofferToJingle;
    try {
      change = reofferToJingle(session, offer, this.ctx.tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.ctx.log?.(`a re-offer we cannot take: ${e.message}`, { sid: this.sid });
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return true;
    }
    // The streams kept may have moved or restarted ICE in the same offer: the client hears it as
    // for an offer that only does that (./plain-reoffer.ts), and an ICE restart waits for the
    // client's new credentials before the 200 (RFC 8839 §4.4.1.1.2).
    let restarting: Map<string, string> | undefined;
    const moved: Effect[] = [];
    try {
      restarting = this.tellMoved(moved, session, before, offer);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.ctx.log?.(`a re-offer we cannot take: ${e.message}`, { sid: this.sid });
      out.push({ kind: 'sip-reoffer-answer', id, status: 488 });
      return true;
    }
    if (change.remove) this.tell(out, change.remove);
    out.push(...moved);
    if (isHeld(offer) !== isHeld(before))
      this.tell(out, {
        action: 'session-info',
        sid: this.sid,
        contents: [],
        groups: [],
        info: { kind: isHeld(offer) ? 'hold' : 'active' },
      });
    const waiting = new Set(change.added.map((a) => a.name));
    this.theirs = {
      id,
      offer,
      change,
      session,
      reply: { accepted: [], rejected: [] },
      waiting,
      restarting,
      acceptGroups: [],
      gathering: new Set(),
    };
    if (change.add && !change.terminate) this.tell(out, change.add);
    if (change.terminate || (!change.add && !restarting)) {
      this.answerTheirs(out);
      return true;
    }
    this.startTimer(out, 'content', CONTENT_WAIT_MS);
    return true;
  }

  /**
   * transport-info to the client for the live streams whose transport `offer` changes
   * (XEP-0176 §2.2: new candidates, or new credentials — an ICE restart). Returns the restarted
   * contents with the client's credentials (ufrag) then, undefined when none restarted.
   */
  private tellMoved(
    out: Effect[],
    session: MidCallSession,
    before: Sdp,
    offer: Sdp,
  ): Map<string, string> | undefined {
    const party = this.jingleParty();
    if (!party) return undefined;
    const change = offerChange(before, offer);
    const kept = (i: number): boolean => session.slots[i] !== undefined && (before.media[i]?.port ?? 0) !== 0;
    const contents: Content[] = [];
    const restarting = new Map<string, string>();
    for (const i of change.moved.filter(kept)) {
      const slot = session.slots[i] as Slot;
      const known = party.contents.find((c) => c.name === slot.name);
      const m = offer.media[i] as SdpMedia;
      const p = { author: this.sipRole, type: 'offer' as const };
      // An InputError (a transport Jingle cannot say) refuses the whole offer: 488.
      const t = mediaToContent(m, offer, p, slot.name, `m-section ${i + 1}`, this.ctx.tables).transport;
      if (!known || !t) continue;
      contents.push({ creator: known.creator, name: known.name, transport: t });
      const mine = known.transport;
      if (change.restarted.includes(i) && mine?.kind === 'ice-udp' && mine.ufrag !== undefined)
        restarting.set(known.name, mine.ufrag);
    }
    if (contents.length > 0)
      this.tell(out, { action: 'transport-info', sid: this.sid, contents, groups: [] });
    return restarting.size > 0 ? restarting : undefined;
  }

  /** The plain re-offer's moved transports (./plain-reoffer.ts), named by the session's slots. */
  protected tellTransports(out: Effect[], offer: Sdp): boolean {
    const before = this.sipRemote;
    const session = this.session();
    if (!before || !session) return true;
    try {
      this.tellMoved(out, session, before, offer);
      return true;
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.ctx.log?.(`a moved transport we cannot take: ${e.message}`, { sid: this.sid });
      return false;
    }
  }

  /**
   * The client's transport-info came (its candidates merged): a peer's re-offer adding streams
   * and restarting ICE is answered once every restarted content has new credentials and every
   * new one is accepted or rejected. True when it was, else the plain re-offer's restart.
   */
  protected override clientTransportChanged(out: Effect[]): boolean {
    const t = this.theirs;
    if (!t?.restarting) return super.clientTransportChanged(out);
    const party = this.jingleParty();
    const renewed = [...t.restarting].every(([name, old]) => {
      const tr = party?.contents.find((c) => c.name === name)?.transport;
      return tr?.kind !== 'ice-udp' || tr.ufrag !== old;
    });
    if (!renewed) return false;
    t.restarting = undefined;
    if (t.waiting.size > 0 || t.gathering.size > 0) return false;
    this.answerTheirs(out);
    return true;
  }

  /** The client's content-accept / content-reject of the peer's new streams. */
  private clientReply(out: Effect[], iq: JingleIq): void {
    const t = this.theirs;
    const j = iq.jingle;
    if (!j.contents.some((c) => t?.waiting.has(c.name)) && this.modifyReply(out, iq)) return;
    if (!t) {
      out.push(this.iqErrorEffect(iq, 'unexpected-request', 'out-of-order', `no content-add to ${j.action}`));
      return;
    }
    const stray = j.contents.find((c) => !t.waiting.has(c.name));
    if (stray) {
      out.push(
        this.iqErrorEffect(iq, 'bad-request', undefined, `no content named '${stray.name}' awaits an answer`),
      );
      return;
    }
    if (j.action === 'content-accept') {
      const bare = j.contents.find((c) => !c.description);
      if (bare) {
        out.push(
          this.iqErrorEffect(
            iq,
            'bad-request',
            undefined,
            `<content name='${bare.name}'> has no <description>`,
          ),
        );
        return;
      }
      t.reply.accepted.push(...j.contents.map((c) => ({ ...structuredClone(c), creator: this.sipRole })));
      t.acceptGroups.push(...structuredClone(j.groups));
      if (this.anchored) {
        const groups = [...(this.clientSide()?.groups ?? []), ...t.acceptGroups];
        for (const name of unplaced(j, groups)) t.gathering.add(name);
      }
    } else t.reply.rejected.push(...j.contents.map((c) => c.name));
    for (const c of j.contents) t.waiting.delete(c.name);
    this.result(out, iq);
    // An ICE restart in the same offer waits for the client's new credentials too.
    if (t.waiting.size === 0 && !t.restarting && t.gathering.size === 0) this.answerTheirs(out);
  }

  /**
   * Anchored: the client's transport-info for streams it accepted without candidates (XEP-0176
   * §6, trickle). Written without one, such an m-line says port 9 and c=0.0.0.0, which
   * rtpengine takes for a hold (RFC 3264 §8.4's old form): its 200 to the peer would offer that
   * stream sendonly, and the peer's media would never come (docs/midcall.md §Streams). So the
   * answer waits for the first candidates of each, within the content wait; they are merged
   * into the accepted contents, which the answer is written from. Returns the IQ with the
   * contents left for the session's own handling (the IQ as it came when it names none of those
   * streams), or undefined when it named only those and was answered here.
   */
  protected candidatesForAccepted(out: Effect[], iq: JingleIq): JingleIq | undefined {
    const t = this.theirs;
    const j = iq.jingle;
    if (j.action !== 'transport-info' || !t || t.gathering.size === 0) return iq;
    const pending = new Set(t.reply.accepted.map((c) => c.name));
    const mine = j.contents.filter((c) => pending.has(c.name));
    if (mine.length === 0) return iq;
    mergeCandidates(t.reply.accepted, mine);
    for (const c of t.reply.accepted) if (hasCandidates(c)) t.gathering.delete(c.name);
    const rest = j.contents.filter((c) => !pending.has(c.name));
    // The session's own streams in the same IQ: their candidates join the client's side first,
    // so the answer, written from it, carries them too. The IQ then goes on as any
    // transport-info (nothing left to merge), which answers it.
    const side = this.clientSide();
    if (rest.length > 0 && side) mergeCandidates(side.contents, rest);
    if (rest.length === 0) this.result(out, iq);
    if (t.gathering.size === 0 && t.waiting.size === 0 && !t.restarting) this.answerTheirs(out);
    return rest.length === 0 ? undefined : { ...iq, jingle: { ...j, contents: rest } };
  }

  /** The client refused our content-add with an IQ error: every stream it adds is declined. */
  protected contentAddFailed(out: Effect[]): boolean {
    const t = this.theirs;
    if (!t) return false;
    t.reply.rejected.push(...t.waiting);
    t.waiting.clear();
    if (!t.restarting) this.answerTheirs(out);
    return true;
  }

  /** No answer from the client in time: its unanswered streams are declined and removed. */
  protected contentTimedOut(out: Effect[]): void {
    const t = this.theirs;
    if (!t) return;
    if (t.restarting) {
      // No new ICE credentials: the offer cannot be answered (RFC 8839 §4.4.1.1.2). 488 leaves
      // the session as it was (RFC 3261 §14.1); the streams the client heard of are gone again.
      this.theirs = undefined;
      this.ctx.log?.('the client did not restart ICE for the SIP peer in time', { sid: this.sid });
      const creator = this.sipRole;
      if (t.change.added.length > 0)
        this.tell(out, {
          action: 'content-remove',
          sid: this.sid,
          contents: t.change.added.map((a) => ({ creator, name: a.name })),
          groups: [],
          reason: { condition: 'timeout', text: 'the ICE restart did not complete' },
        });
      out.push({ kind: 'sip-reoffer-answer', id: t.id, status: 488 });
      return;
    }
    if (t.waiting.size > 0) {
      const creator = this.sipRole;
      this.tell(out, {
        action: 'content-remove',
        sid: this.sid,
        contents: [...t.waiting].map((name) => ({ creator, name })),
        groups: [],
        reason: { condition: 'timeout', text: 'no content-accept in time' },
      });
    }
    t.reply.rejected.push(...t.waiting);
    t.waiting.clear();
    if (t.gathering.size > 0) {
      // Accepted, but no candidate came: ICE cannot run on it, and through the anchor it would
      // be a stream the peer holds sendonly. Declined cleanly instead, both ways.
      const creator = this.sipRole;
      const names = [...t.gathering];
      this.ctx.log?.(`no candidates in time for the accepted stream(s) ${names.join(', ')}`, {
        sid: this.sid,
      });
      this.tell(out, {
        action: 'content-remove',
        sid: this.sid,
        contents: names.map((name) => ({ creator, name })),
        groups: [],
        reason: { condition: 'timeout', text: 'no candidates in time' },
      });
      t.reply.accepted = t.reply.accepted.filter((c) => !t.gathering.has(c.name));
      t.reply.rejected.push(...names);
      t.gathering.clear();
    }
    this.answerTheirs(out);
  }

  /** The 200 to the peer's re-offer: every m-line answered in place (RFC 3264 §6). */
  private answerTheirs(out: Effect[]): void {
    const t = this.theirs;
    if (!t) return;
    this.theirs = undefined;
    this.stopTimer(out, 'content');
    const tables = this.ctx.tables;
    // Candidates the client trickled while it decided go in the answer too.
    const session = (this.anchored ? this.anchorSession() : this.session()) ?? t.session;
    let answer: Sdp;
    try {
      answer = reanswer(session, t.offer, t.change, t.reply, tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      // The client's description of a new stream has no SDP form: that stream is declined.
      this.ctx.log?.(`a content-accept we cannot answer with: ${e.message}`, { sid: this.sid });
      const accepted = t.reply.accepted.filter((c) => !t.change.added.some((a) => a.name === c.name));
      t.reply = { accepted, rejected: t.change.added.map((a) => a.name) };
      answer = reanswer(session, t.offer, t.change, t.reply, tables);
    }
    settleAnswer(answer, t.offer);
    if (this.anchored) return this.anchoredAnswered(out, t, answer);
    // The directions it agrees before our own hold (RFC 3264 §8.4), for peerDirections.
    const agreed = structuredClone(answer);
    const body = writeSdp(this.nextVersion(this.applyHold(answer)));
    const live = new Set<string>();
    const slots = t.change.slots.map((s, i) => {
      const ok = s !== undefined && (answer.media[i]?.port ?? 0) !== 0;
      if (ok) live.add(s.name);
      return ok ? s : undefined;
    });
    this.slots = slots;
    this.sipLocal = body;
    if (!t.change.terminate) this.peerDirections(out, t.offer, agreed);
    this.sipRemote = t.offer;
    const side = this.clientSide();
    if (side) {
      side.contents = side.contents.filter((c) => live.has(c.name));
      for (const c of t.reply.accepted)
        if (live.has(c.name) && !side.contents.some((k) => k.name === c.name)) side.contents.push(c);
      side.groups = bundleOf(answer, live, side.groups);
    }
    // The answer carries every candidate of the client's so far (session(): withTransports).
    this.lateCandidates = false;
    this.candidatesRefused = false;
    out.push({ kind: 'sip-reoffer-answer', id: t.id, status: 200, body, ...this.okHeaders(t.id) });
    // XEP-0166 §7.2.5: the peer disabled every stream: the session is over.
    if (t.change.terminate) this.abort(out, 'success', 'the SIP peer disabled every stream');
  }

  /** The SIP peer's last SDP before it put the call on hold: what its resume is compared with. */
  private preHold?: Sdp;
  /** Contents of our last content-modify to the client: its content-accept/-reject of them is taken. */
  private modified = new Set<string>();

  /**
   * The SIP peer's offer, about to be answered with 200 (`answer`, before our own hold), changes
   * the agreed senders of streams the session has (RFC 3264 §8.3, §6.1) → content-modify to the
   * client with the senders now agreed (XEP-0166 §7.2). The rule (docs/midcall.md §Streams): an
   * offer in which every live stream is sendonly or inactive is a hold — said as `<hold/>`
   * (./plain-reoffer.ts), and no stream's senders change; an offer that is not a hold is compared
   * with the peer's last SDP, or, when it ends a hold, with the peer's last SDP before the hold.
   * The answer goes at once: the peer's offer bounds what it can say, the client may content-reject.
   */
  protected peerDirections(out: Effect[], offer: Sdp, answer: Sdp): void {
    // Anchored (./anchored-reoffer.ts): the peer's SDPs pass through rtpengine with their
    // directions, and its m-lines are the Jingle side's in the anchor's layout.
    const before = this.anchored ? this.anchorPeerSdp() : this.sipRemote;
    if (!before) return;
    if (isHeld(offer)) {
      if (!isHeld(before)) this.preHold = before;
      return;
    }
    const base = isHeld(before) ? this.preHold : before;
    this.preHold = undefined;
    const slots = this.anchored ? this.anchorSession()?.slots : this.ensureSlots();
    const side = this.clientSide();
    if (!base || !slots || !side) return;
    const wish = (name: string) => side.contents.find((c) => c.name === name)?.senders;
    const contents = sendersChanges(slots, base, answer, this.clientRole, wish);
    if (contents.length === 0) return;
    this.modified = new Set(contents.map((c) => c.name));
    this.tell(out, { action: 'content-modify', sid: this.sid, contents, groups: [] });
  }

  /**
   * The client's content-accept / content-reject of our content-modify (XEP-0166 §7.2): the
   * 200 went with the peer's offer already, so there is nothing left to answer — a rejection
   * leaves the client's own direction, which the answer said as far as RFC 3264 §6.1 let it.
   * True when the IQ named only such contents.
   */
  private modifyReply(out: Effect[], iq: JingleIq): boolean {
    const names = iq.jingle.contents.map((c) => c.name);
    if (names.length === 0 || !names.every((n) => this.modified.has(n))) return false;
    for (const n of names) this.modified.delete(n);
    if (iq.jingle.action === 'content-reject')
      this.ctx.log?.("the client refused the SIP peer's direction change", { sid: this.sid });
    this.result(out, iq);
    return true;
  }

  /** Anchored: how many m-lines the anchor's session has (new ones never reach it). */
  private anchorLines?: number;

  /**
   * Anchored: the peer's new m-lines are answered with port 0 and never reach the anchor; its
   * other m-lines go through the anchor as any re-offer does (./anchored-reoffer.ts), and the
   * anchor's answer gets the disabled m-lines back in their places (RFC 3264 §6). False when the
   * offer adds nothing.
   */
  private anchoredAddRefused(out: Effect[], id: number, offer: Sdp): boolean {
    if (this.sipLocal === undefined) return false;
    const known = parseSdp(this.sipLocal, this.ctx.tables.hashes);
    const keep = (this.anchorLines ??= known.media.length);
    // A stream in an m-line the anchor knows as disabled stays disabled toward it.
    const reused = offer.media
      .slice(0, keep)
      .some((m, i) => m.port !== 0 && (known.media[i]?.port ?? 0) === 0);
    if (offer.media.length <= keep && !reused) return false;
    const toAnchor: Sdp = {
      ...offer,
      media: offer.media
        .slice(0, keep)
        .map((m, i) => (m.port !== 0 && (known.media[i]?.port ?? 0) === 0 ? disabledMedia(m) : m)),
    };
    this.ctx.log?.('anchored call: a new stream from the SIP peer is answered with port 0', {
      sid: this.sid,
    });
    this.onPeerReoffer(out, id, writeSdp(keepBundled(toAnchor)), offer.media.slice(keep).map(disabledMedia));
    return true;
  }

  /** The client's content-add carried through the anchor, until the peer's answer is back. */
  private anchoredOurs?: {
    reoffer: Reoffer;
    session: MidCallSession;
    request: Jingle;
    /** It got 491 and waits for the `glare` timer (RFC 3261 §14.1); the anchor has it undone. */
    waiting?: true;
  };

  /**
   * The Jingle side of the anchor's session as a stream change's starting point: the client's
   * description as the anchor last had it (`local`, DTLS role settled) and its contents as the
   * slots. The pure functions of src/translate/content.ts then write the new description as
   * they write a re-offer to a SIP peer (the anchor stands where the peer stood); `remote` is
   * only read for roles, so `local` stands in for it. Undefined before the answer, or when the
   * description and the contents do not line up (a stream was dropped: not supported yet).
   */
  private anchorSession(): MidCallSession | undefined {
    const side = this.clientSide();
    const local = this.jingleSide();
    if (!side || !local) return undefined;
    const slots = this.anchorLayout
      ? this.anchorLayout.map((l) => ('disabled' in l ? undefined : { name: l.name, creator: l.creator }))
      : side.contents.map((c): Slot => ({ name: c.name, creator: c.creator }));
    if (slots.length !== local.media.length) return undefined;
    return { sid: this.sid, clientRole: this.clientRole, local, remote: local, slots };
  }

  /**
   * Anchored: the Jingle side's m-lines as the anchor has them — the live contents, and the
   * disabled m-line (port 0, RFC 3264 §8.2) of a stream removed or refused, kept in its place;
   * undefined while they are the client's contents one to one.
   */
  private anchorLayout?: Array<Slot | { disabled: SdpMedia }>;

  /** The Jingle side's description on the anchor's m-lines (./anchored-reoffer.ts `jingleSide`). */
  protected override onAnchorLayout(sdp: Sdp): Sdp {
    const layout = this.anchorLayout;
    if (!layout) return sdp;
    // An m-line without a=mid (the device's answer to an offer that had none, a call the SIP
    // peer placed) is its content by the name sdpToJingle gave it: the media type.
    const names = offeredNames(sdp);
    const media = layout.map((l) =>
      'disabled' in l ? l.disabled : sdp.media.find((m, i) => (m.mid ?? names[i]) === l.name),
    );
    if (media.some((m) => m === undefined)) return sdp;
    return keepBundled({ ...sdp, media: media as SdpMedia[] });
  }

  /** The anchor's m-lines after an exchange: `slots` over `sdp`, the empty ones disabled. */
  private setAnchorLayout(slots: ReadonlyArray<Slot | undefined>, sdp: Sdp): void {
    this.anchorLayout = slots.map((s, i) => s ?? { disabled: disabledMedia(sdp.media[i] as SdpMedia) });
    // The SIP side's m-lines follow (anchoredAddRefused counts them again).
    this.anchorLines = undefined;
  }

  /** The contents the layout no longer has leave the client's side, and its BUNDLE group. */
  private dropFromSide(slots: ReadonlyArray<Slot | undefined>, sdp: Sdp): void {
    const side = this.clientSide();
    if (!side) return;
    const live = new Set(slots.filter((s) => s !== undefined).map((s) => s.name));
    side.contents = side.contents.filter((c) => live.has(c.name));
    side.groups = bundleOf(sdp, live, side.groups);
  }

  /**
   * Anchored: the client's content-add → the Jingle side's new description through the anchor
   * (./anchored-reoffer.ts `anchoredStreamOffer`) → the re-INVITE with the anchor's SIP-side SDP;
   * the peer's answer goes back through the anchor and the content-accept carries the anchor's
   * transport for the new content (anchoredStreamDone). content-remove goes the same way with
   * the m-line at port 0 (RFC 3264 §8.2), content-modify with its direction (§8.3; rtpengine
   * passes direction attributes through), answered by content-accept with the senders the
   * peer's answer agreed. On a call either side placed: on one the SIP peer placed the client
   * is the Jingle responder (`clientRole`), its description the device's session-accept.
   */
  private anchoredChange(out: Effect[], iq: JingleIq): void {
    const j = iq.jingle;
    if (this.anchoredOurs || this.theirs || this.anchorReinviteBusy() || this.anchorPeerOfferBusy()) {
      out.push(this.iqErrorEffect(iq, 'conflict', 'tie-break', 'another offer/answer exchange is under way'));
      return;
    }
    const session = this.anchorSession();
    if (!session || this.sip.dialog !== 'confirmed' || this.sip.offer !== 'stable' || this.glareWait) {
      out.push(this.iqErrorEffect(iq, 'conflict', 'tie-break', 'another offer/answer exchange is under way'));
      return;
    }
    const reoffer = this.readChange(out, iq, session, j);
    if (!reoffer) return;
    this.result(out, iq);
    this.anchoredSend(out, reoffer, session, structuredClone(j));
  }

  /** The anchored change's offer through the anchor (or, XEP-0166 §7.2.5, the end of the session). */
  private anchoredSend(out: Effect[], reoffer: Reoffer, session: MidCallSession, request: Jingle): void {
    if (reoffer.terminate) {
      this.anchoredOurs = undefined;
      // XEP-0166 §7.2.5: removing the last content ends the session.
      return this.abort(out, 'success', 'every content was removed');
    }
    keepDtlsRole(reoffer.offer, reoffer.changed);
    onBundleTransport(reoffer.offer, reoffer.changed, request);
    const r = { reoffer, session, request };
    this.anchoredOurs = r;
    if (!this.anchoredStreamOffer(out, reoffer.offer)) this.anchoredRefused(out, r, 'another offer is out');
  }

  /**
   * Our anchored stream change got 491 (RFC 3261 §14.1): it is offered again after the glare
   * wait, as end to end (contentGlareOver). Meanwhile rtpengine is given the Jingle side's
   * description without the change (a `refresh` offer, as for a refusal) rather than left on
   * our unanswered offer: the peer's own offer, the one that crossed ours, goes through the
   * anchor in the wait and is answered from the Jingle side as it is, and trickled candidates
   * refresh the anchor from that same description (anchorRefreshed), so an anchor still holding
   * our offer would carry a stream neither side has. The retry is a new ng offer of the whole
   * description (as every ng offer is), recomputed from the session as it is then.
   */
  protected anchoredStreamGlare(out: Effect[]): void {
    const r = this.anchoredOurs;
    if (!r) return;
    r.waiting = true;
    this.anchorRestore(out, r.session.local);
  }

  /** The `glare` timer for our anchored change: offered again, or refused (retried). */
  private anchoredGlareOver(out: Effect[], r: NonNullable<ContentReoffers['anchoredOurs']>): void {
    const session = this.anchorSession();
    const busy = this.theirs !== undefined || this.sip.offer !== 'stable' || this.anchorPeerOfferBusy();
    const reoffer = this.retried(out, session, busy, r.request, (why, resume) => {
      this.anchoredRefused(out, r, why);
      // What waited for this exchange (a hold) goes now.
      if (resume) this.anchoredHoldToSip(out);
      this.settleHolds(out);
    });
    if (reoffer && session) this.anchoredSend(out, reoffer, session, r.request);
  }

  /**
   * Our anchored change is out (RFC 3261 §14.1: the peer's offer gets 491); one waiting for the
   * glare timer does not block the peer's offer, as end to end (peerContentReoffer).
   */
  private anchoredOut(): boolean {
    return this.anchoredOurs !== undefined && !this.anchoredOurs.waiting;
  }

  /** The anchor is given `sdp`, the Jingle side's description, again (nothing goes to SIP). */
  private anchorRestore(out: Effect[], sdp: Sdp): void {
    this.refreshOffer(out, writeSdp(this.nextVersion(this.applyHold(sdp))));
  }

  /**
   * The anchored content-add's outcome: the anchor's answer toward the client (`answer`) → the
   * content-accept with the anchor's ICE credentials, candidates, fingerprint and setup for the
   * new content, its BUNDLE group (or content-reject where the peer answered port 0, RFC 3264
   * §6: the anchor's answer says port 0 as well, so the anchor knows the stream is refused);
   * no answer (the peer refused the re-INVITE, the 491s run out, or the anchor failed) →
   * content-reject, and the anchor is given the Jingle side's description without the stream
   * again (a `refresh` offer), so its session is the one the SIP peer still has.
   */
  protected anchoredStreamDone(out: Effect[], answer: string | undefined, why: string): void {
    const r = this.anchoredOurs;
    if (!r) return;
    this.anchoredOurs = undefined;
    if (r.reoffer.action === 'content-remove') {
      if (answer === undefined) return this.anchoredRefused(out, r, why);
      this.setAnchorLayout(r.reoffer.slots, r.reoffer.offer);
      this.sideTakes(r, r.reoffer.slots, r.reoffer.offer);
      return;
    }
    let outcome: ReofferOutcome | undefined;
    try {
      outcome =
        answer === undefined
          ? undefined
          : reanswerToJingle(r.session, r.reoffer, parseSdp(answer, this.ctx.tables.hashes), this.ctx.tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.ctx.log?.(`unusable anchor answer to a stream change: ${e.message}`, { sid: this.sid });
    }
    if (!outcome) return this.anchoredRefused(out, r, why);
    this.sideTakes(r, outcome.slots, r.reoffer.offer);
    // A refused stream keeps its m-line at port 0 on the Jingle side, as the SIP side does.
    this.setAnchorLayout(outcome.slots, r.reoffer.offer);
    if (outcome.accept) this.tell(out, outcome.accept);
    if (outcome.reject) this.tell(out, outcome.reject);
  }

  /**
   * Our anchored change is not carried out (a refusal, the 491s run out): the client hears
   * content-reject (XEP-0166 §7.2.3) and the anchor is given the Jingle side's description
   * without the change again, so its session is the one the SIP peer still has. XEP-0166
   * §7.2.5 has no reply to a content-remove: refused or not, the stream is gone on our side (as
   * on a call that is not anchored, oursRefused); the anchor has its m-line at port 0 from our
   * offer, or, when the change waited after a 491 (anchoredStreamGlare undid it), again now.
   */
  private anchoredRefused(out: Effect[], r: NonNullable<ContentReoffers['anchoredOurs']>, why: string): void {
    this.anchoredOurs = undefined;
    this.glareRetries = 0;
    if (r.reoffer.action === 'content-remove') {
      this.ctx.log?.(`the SIP peer refused a stream removal: ${why}`, { sid: this.sid });
      this.setAnchorLayout(r.reoffer.slots, r.reoffer.offer);
      this.sideTakes(r, r.reoffer.slots, r.reoffer.offer);
      if (r.waiting) this.anchorRestore(out, r.reoffer.offer);
      return;
    }
    this.ctx.log?.(`the SIP peer refused a stream change: ${why}`, { sid: this.sid });
    const refused = reofferRefused(r.session, r.reoffer);
    if (refused.reject) this.tell(out, refused.reject);
    this.anchorRestore(out, r.session.local);
  }

  /** The SIP peer's re-offer adding streams, at the anchor until its rewrite comes back. */
  private anchoredPending?: { id: number; session: MidCallSession };

  /**
   * Anchored: the SIP peer's re-INVITE adding streams (m-lines after the session's) → the whole
   * offer to the anchor (from the SIP side, flags toward the client), whose rewrite becomes the
   * client's content-add (anchoredPeerStreams); the client's reply is answered as on a call
   * that is not anchored (`theirs`, answerTheirs) and goes back through the anchor
   * (anchoredAnswered), on calls either side placed. What this does not carry — a stream in a
   * disabled m-line, an offer also disabling one, a session whose two sides no longer have the
   * same m-lines — is answered as before: the new m-lines at port 0 next to the anchor's answer.
   */
  private anchoredPeerContent(out: Effect[], id: number, body: string, offer: Sdp): boolean {
    const session = this.anchorSession();
    const lines = session?.slots.length ?? 0;
    const sipLines =
      this.sipLocal === undefined ? -1 : parseSdp(this.sipLocal, this.ctx.tables.hashes).media.length;
    if (!session || lines !== sipLines) return this.anchoredAddRefused(out, id, offer);
    const live = (i: number): boolean => session.slots[i] !== undefined;
    const kept = offer.media.slice(0, lines);
    const reused = kept.some((m, i) => !live(i) && m.port !== 0);
    const removed = kept.flatMap((m, i) => (live(i) && m.port === 0 ? [i] : []));
    const adds = offer.media.length > lines;
    if (reused || (adds && removed.length > 0)) return this.anchoredAddRefused(out, id, offer);
    if (!adds) {
      // Every stream disabled, or none: the anchored re-offer as it is (./anchored-reoffer.ts).
      if (removed.length === 0 || removed.length === session.slots.filter((s) => s).length) return false;
      return this.anchoredPeerRemoved(out, id, body, session, removed);
    }
    // RFC 3261 §14.1: one offer at a time.
    if (
      this.theirs ||
      this.anchoredOut() ||
      this.sip.offerOutstanding(id) ||
      !this.anchoredPeerStreamOffer(out, id, body, offer)
    ) {
      out.push({ kind: 'sip-reoffer-answer', id, status: 491 });
      return true;
    }
    this.anchoredPending = { id, session };
    return true;
  }

  /**
   * Anchored: the SIP peer's re-offer disabling streams (RFC 3264 §8.2) → content-remove to the
   * client (XEP-0166 §7.2.5), the streams leave the Jingle side (their m-lines kept at port 0),
   * and the offer goes through the anchor as any re-offer does, answered from the Jingle side
   * as it is now.
   */
  private anchoredPeerRemoved(
    out: Effect[],
    id: number,
    body: string,
    session: MidCallSession,
    removed: number[],
  ): boolean {
    if (this.theirs || this.anchoredOut() || this.anchorReinviteBusy() || this.anchorPeerOfferBusy()) {
      out.push({ kind: 'sip-reoffer-answer', id, status: 491 });
      return true;
    }
    const gone = removed.map((i) => session.slots[i] as Slot);
    this.tell(out, {
      action: 'content-remove',
      sid: this.sid,
      contents: gone.map((s) => ({ creator: s.creator, name: s.name })),
      groups: [],
    });
    const slots = session.slots.map((s, i) => (removed.includes(i) ? undefined : s));
    this.setAnchorLayout(slots, session.local);
    this.dropFromSide(slots, session.local);
    this.onPeerReoffer(out, id, body);
    return true;
  }

  /**
   * The anchor's rewrite of the peer's offer toward the client (ICE, DTLS-SRTP, its own
   * candidates for the new m-lines) → content-add with the new contents (XEP-0166 §7.2.1), the
   * gateway speaking for the SIP peer; CONTENT_WAIT_MS for the client's reply. False when the
   * rewrite cannot be put in Jingle (the peer gets 488).
   */
  protected anchoredPeerStreams(out: Effect[], sdp: string): boolean {
    const p = this.anchoredPending;
    this.anchoredPending = undefined;
    if (!p) return false;
    let offer: Sdp;
    let change: ReofferToJingle;
    try {
      offer = parseSdp(sdp, this.ctx.tables.hashes);
      change = reofferToJingle(p.session, offer, this.ctx.tables);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.ctx.log?.(`the anchor's offer of new streams we cannot take: ${e.message}`, { sid: this.sid });
      return false;
    }
    if (!change.add || change.remove || change.terminate) return false;
    const waiting = new Set(change.added.map((a) => a.name));
    const reply: ClientReply = { accepted: [], rejected: [] };
    this.theirs = {
      id: p.id,
      offer,
      change,
      session: p.session,
      reply,
      waiting,
      restarting: undefined,
      acceptGroups: [],
      gathering: new Set(),
    };
    this.tell(out, change.add);
    this.startTimer(out, 'content', CONTENT_WAIT_MS);
    return true;
  }

  /**
   * Anchored: the Jingle side's answer to the anchor's offer (`answer`, every m-line in place,
   * a declined stream at port 0) → the anchor, whose rewrite is the 200 (./anchored-reoffer.ts);
   * the streams the client took join its side.
   */
  private anchoredAnswered(out: Effect[], t: NonNullable<ContentReoffers['theirs']>, answer: Sdp): void {
    const live = new Set<string>();
    t.change.slots.forEach((s, i) => {
      if (s !== undefined && (answer.media[i]?.port ?? 0) !== 0) live.add(s.name);
    });
    const side = this.clientSide();
    if (side) {
      for (const c of t.reply.accepted)
        if (live.has(c.name) && !side.contents.some((k) => k.name === c.name)) side.contents.push(c);
      side.groups = bundleOf(answer, live, side.groups);
    }
    // A bundled stream the client accepted without candidates is on its tag's transport (RFC 8843
    // §7.1), as for our own content-add: written port 9 / c=0.0.0.0, rtpengine would read it as a
    // hold and offer the peer a=sendonly at 0.0.0.0 for the new stream.
    onBundleTransport(answer, t.change.added, { groups: [...(side?.groups ?? []), ...t.acceptGroups] });
    this.setAnchorLayout(
      t.change.slots.map((s) => (s !== undefined && live.has(s.name) ? s : undefined)),
      answer,
    );
    this.anchoredPeerAnswer(out, answer);
  }

  /** The client hears a Jingle message from the gateway (for the SIP peer). */
  private tell(out: Effect[], jingle: Jingle): void {
    const party = this.jingleParty();
    if (party) out.push({ kind: 'send-jingle', from: party.from, to: party.to, jingle });
  }
}

/** The client's content-add / content-remove / content-modify → the re-offer (src/translate/content.ts). */
function changeToReoffer(session: MidCallSession, j: Jingle, tables: Tables): Reoffer {
  if (j.action === 'content-add') return contentAddToReoffer(session, j, tables);
  if (j.action === 'content-remove') return contentRemoveToReoffer(session, j);
  return contentModifyToReoffer(session, j);
}

/**
 * RFC 8842 §5.5: a new m-line bundled with live ones shares their DTLS association, so it keeps
 * the role they settled instead of a fresh actpass.
 */
function keepDtlsRole(offer: Sdp, changed: ReadonlyArray<{ index: number }>): void {
  const settled = offer.media.find((m, i) => m.port !== 0 && !changed.some((c) => c.index === i))?.setup;
  if (settled === undefined || settled === 'actpass') return;
  for (const { index } of changed) {
    const m = offer.media[index];
    if (m?.setup === 'actpass') m.setup = settled;
  }
}

/**
 * RFC 8843 §7.1: bundled m-lines share the transport of the group's tagged (first live) m-line.
 * A client bundling its new content may send it without candidates; written as it is, that
 * m-line says port 9 and c=0.0.0.0, which the anchor takes for a hold (RFC 3264 §8.4's old
 * form) and offers sendonly. So a new bundled m-line without candidates takes the tagged
 * m-line's address and candidates — in our offer (the client's content-add) and in our answer
 * (its content-accept of the peer's new stream). The group is the SDP's and the Jingle
 * side's (XEP-0338, by content name): on a call the SIP peer placed, the Jingle side's first m-lines answer an
 * offer without a=mid, so their contents are named by media type (`offeredNames`), not by mid.
 */
function onBundleTransport(
  offer: Sdp,
  changed: ReadonlyArray<{ index: number }>,
  request: Pick<Jingle, 'groups'>,
): void {
  const names = offeredNames(offer);
  const nameOf = (i: number): string | undefined => offer.media[i]?.mid ?? names[i];
  const members = new Set<string>();
  for (const g of offer.groups ?? [])
    if (BUNDLE(g.type)) for (const mid of g.mids.split(' ')) members.add(mid);
  for (const g of request.groups) if (BUNDLE(g.semantics)) for (const n of g.contents) members.add(n);
  if (members.size === 0) return;
  const isNew = (i: number): boolean => changed.some((c) => c.index === i);
  const inGroup = (i: number): boolean => {
    const n = nameOf(i);
    return n !== undefined && members.has(n);
  };
  const tag = offer.media.find((m, i) => !isNew(i) && m.port !== 0 && inGroup(i));
  if (!tag || (tag.candidates?.length ?? 0) === 0) return;
  for (const { index } of changed) {
    const m = offer.media[index];
    if (!m || !inGroup(index) || (m.candidates?.length ?? 0) > 0) continue;
    m.port = tag.port;
    if (tag.connection) m.connection = structuredClone(tag.connection);
    m.candidates = structuredClone(tag.candidates);
  }
}

function hasCandidates(c: Content): boolean {
  return c.transport?.kind === 'ice-udp' && c.transport.candidates.length > 0;
}

/**
 * The contents of a content-accept whose ICE-UDP transport has no candidate yet and that no
 * BUNDLE group of `groups` puts on another stream's transport (`onBundleTransport` places those).
 */
function unplaced(accept: Jingle, groups: readonly Group[]): string[] {
  const bundled = new Set(groups.filter((g) => BUNDLE(g.semantics)).flatMap((g) => g.contents));
  return accept.contents
    .filter((c) => c.transport?.kind === 'ice-udp' && !hasCandidates(c) && !bundled.has(c.name))
    .map((c) => c.name);
}

/** RFC 5763 §5, RFC 8842 §5.5: an answer never says actpass; it takes the role the offer left. */
function settleAnswer(answer: Sdp, offer: Sdp): void {
  if (answer.setup === 'actpass') answer.setup = 'active';
  answer.media.forEach((m, i) => {
    if (m.setup !== 'actpass') return;
    const offered = offer.media[i]?.setup ?? offer.setup;
    m.setup = offered === 'active' ? 'passive' : 'active';
  });
}

/** `sdp` with its BUNDLE group kept to the live m-lines (RFC 8843 §7.5.3: a disabled one leaves it). */
function keepBundled(sdp: Sdp): Sdp {
  const live = new Set(sdp.media.filter((m) => m.port !== 0 && m.mid !== undefined).map((m) => m.mid));
  if (!sdp.groups) return sdp;
  const groups = sdp.groups.map((g) =>
    BUNDLE(g.type)
      ? {
          ...g,
          mids: g.mids
            .split(' ')
            .filter((mid) => live.has(mid))
            .join(' '),
        }
      : g,
  );
  return { ...sdp, groups };
}

/** The Jingle BUNDLE group (XEP-0338) of an SDP's a=group, kept to the live contents. */
function bundleOf(sdp: Sdp, live: ReadonlySet<string>, groups: Group[]): Group[] {
  const others = groups.filter((g) => !BUNDLE(g.semantics));
  const g = (sdp.groups ?? []).find((x) => BUNDLE(x.type));
  if (!g) return others;
  const contents = g.mids.split(' ').filter((mid) => live.has(mid));
  return contents.length > 0 ? [{ semantics: 'BUNDLE', contents }, ...others] : others;
}
