/**
 * Adding, removing and changing streams during a call (docs/midcall.md §Streams):
 *
 * | Jingle (XEP-0166 §7.2)         | SIP offer/answer (RFC 3264 §8)                               |
 * |--------------------------------|--------------------------------------------------------------|
 * | content-add                    | re-offer with a new m-section: appended, or in a disabled    |
 * |                                | (port 0) slot of the same media type (§8.1)                  |
 * | content-accept (of an add)     | the answer's m-section for it, port ≠ 0 (§6)                 |
 * | content-reject (of an add)     | the answer's m-section for it with port 0 (§6)               |
 * | content-remove                 | re-offer with that m-section's port 0 (§8.2)                 |
 * | content-modify `senders`       | re-offer with that m-section's direction (§8.3, §6.1)        |
 *
 * Both directions keep the m-line order for the whole call: an m-line is never removed or moved
 * (RFC 3264 §8), so the session is a list of slots, one per m-line, with the content each carries.
 * With BUNDLE (RFC 8843), an added m-section joins the group and a disabled one leaves it
 * (§7.5.3: an m-section with port 0 is not in a BUNDLE group).
 *
 * Pure: the call layer passes the negotiated session in and keeps what comes out.
 */
import { InputError } from '../errors';
import type { Content, Creator, Group, Jingle, JingleAction } from '../jingle/types';
import { isHeld } from '../sdp/offer-change';
import type { Sdp, SdpMedia } from '../sdp/types';
import { contentToMedia, mediaToContent } from './media';
import type { Tables } from './tables';
import { directionToSenders, sendersToDirection, type Direction, type Perspective } from './roles';

/** What one m-line carries: the Jingle content (XEP-0166 §7.3 names a content by creator and name). */
export interface Slot {
  name: string;
  creator: Creator;
}

/** The negotiated session a mid-call change starts from. */
export interface MidCallSession {
  sid: string;
  /** The XMPP client's role in the Jingle session; the gateway, speaking for the SIP peer, has the other. */
  clientRole: Creator;
  /** The SDP the gateway last sent the SIP peer (offer or answer): the client's side of the media. */
  local: Sdp;
  /** The SDP the SIP peer last sent. */
  remote: Sdp;
  /** One entry per m-line, in m-line order; undefined for a disabled (port 0) m-line. */
  slots: (Slot | undefined)[];
}

/** A re-offer to the SIP peer and the slots it leads to once answered. */
export interface Reoffer {
  action: 'content-add' | 'content-remove' | 'content-modify';
  /** The new offer: the session version one up (RFC 3264 §8), every earlier m-line in its place. */
  offer: Sdp;
  slots: (Slot | undefined)[];
  /** The m-line of each content the offer adds, removes or changes. */
  changed: Array<{ name: string; index: number }>;
  /** XEP-0166 §7.2.5: no content would be left, so the session ends (BYE) instead of a re-offer. */
  terminate?: true;
}

const other = (r: Creator): Creator => (r === 'initiator' ? 'responder' : 'initiator');
const fail = (where: string, why: string): never => {
  throw new InputError('translate', where, why);
};

/** The slots of a first negotiation: every m-line's a=mid (or media type), disabled lines left empty. */
export function initialSlots(sdp: Sdp, names: readonly string[], creator: Creator): (Slot | undefined)[] {
  return sdp.media.map((m, i) => (m.port === 0 ? undefined : { name: names[i] ?? m.mid ?? m.type, creator }));
}

/** A copy with the o= session version one up (RFC 3264 §8: every new SDP of a session increments it). */
export function nextVersion(sdp: Sdp): Sdp {
  const out = structuredClone(sdp);
  out.origin.sessionVersion = Number(out.origin.sessionVersion) + 1;
  return out;
}

/**
 * A disabled m-section (RFC 3264 §8.2, §6): port 0, the same media and protocol, one format, no
 * other attributes but a=mid (RFC 8843 §7.5.3 keeps the mid of a disabled bundled section), and
 * a c= line (RFC 4566 §5.7: every m-section needs one when the session has none).
 */
export function disabledMedia(m: SdpMedia): SdpMedia {
  const out: SdpMedia = {
    type: m.type,
    port: 0,
    protocol: m.protocol,
    payloads: String(m.payloads ?? '').split(' ')[0] || '0',
    rtp: [],
    fmtp: [],
    fingerprints: [],
    capneg: { tcap: [], acap: [], pcfg: [], acfg: [], csup: [], creq: [] },
    xtlsMethods: [],
    connection: { version: 4, ip: '0.0.0.0' },
  };
  if (m.mid !== undefined) out.mid = m.mid;
  return out;
}

/** The DTLS role that answered `actpass`: the opposite of the peer's (RFC 4145 §4, RFC 5763 §5). */
function settled(setup: string | undefined, peer: string | undefined): string | undefined {
  if (setup !== 'actpass') return setup;
  if (peer === 'active') return 'passive';
  if (peer === 'passive') return 'active';
  return setup;
}

/**
 * The gateway's next SDP of the session: its last one, version one up, with `actpass` replaced
 * by the role the exchange settled. A subsequent offer or answer that keeps the DTLS association
 * keeps the roles (RFC 8842 §5.5), and an answer never says `actpass` (RFC 5763 §5).
 */
export function subsequentSdp(session: Pick<MidCallSession, 'local' | 'remote'>): Sdp {
  const out = nextVersion(session.local);
  const r = session.remote;
  const top = settled(out.setup, r.setup ?? r.media[0]?.setup);
  if (top !== undefined) out.setup = top;
  out.media.forEach((m, i) => {
    if (m.setup !== undefined) m.setup = settled(m.setup, r.media[i]?.setup ?? r.setup);
  });
  return out;
}

/**
 * `sdp` with the ICE transport of `current` (the client's side as it is now: every candidate
 * trickled so far, new credentials after an ICE restart) in each live m-section both share —
 * same place, media type and mid. So an SDP written from the last one sent never leaves out a
 * candidate the client gave since (docs/midcall.md §Streams: no candidate is ever dropped;
 * RFC 8839 §4.4.1.1: a subsequent offer carries the candidates in use). In place; returns it.
 */
export function withTransports(sdp: Sdp, current: Sdp): Sdp {
  const ice = (m: SdpMedia, s: Sdp): boolean =>
    (m.iceUfrag ?? s.iceUfrag) !== undefined || (m.candidates?.length ?? 0) > 0;
  sdp.media.forEach((m, i) => {
    const c = current.media[i];
    if (!c || m.port === 0 || c.port === 0 || c.type !== m.type || !ice(c, current)) return;
    if (m.mid !== undefined && c.mid !== undefined && m.mid !== c.mid) return;
    const ufrag = c.iceUfrag ?? current.iceUfrag;
    const pwd = c.icePwd ?? current.icePwd;
    const restarted = ufrag !== undefined && ufrag !== (m.iceUfrag ?? sdp.iceUfrag);
    // Same credentials and no candidates of its own (a bundled section): nothing newer to take.
    if (!restarted && (c.candidates?.length ?? 0) === 0) return;
    m.port = c.port;
    const connection = c.connection ?? current.connection;
    if (connection) m.connection = connection;
    if (ufrag !== undefined) m.iceUfrag = ufrag;
    if (pwd !== undefined) m.icePwd = pwd;
    if (c.candidates) m.candidates = structuredClone(c.candidates);
    else delete m.candidates;
    if (c.endOfCandidates) m.endOfCandidates = c.endOfCandidates;
    else delete m.endOfCandidates;
    if (c.rtcp) m.rtcp = c.rtcp;
  });
  // Credentials now per m-section: a stale session-level pair would shadow them (RFC 8839 §5.4).
  if (sdp.media.every((m) => m.port === 0 || m.iceUfrag !== undefined)) {
    delete sdp.iceUfrag;
    delete sdp.icePwd;
  }
  return sdp;
}

const BUNDLE = (g: { type: string }): boolean => g.type.toUpperCase() === 'BUNDLE';

/** Sets the BUNDLE group to the live mids of `want` (in m-line order), or drops it when none is left. */
function setBundle(sdp: Sdp, want: ReadonlySet<string>): void {
  const mids = sdp.media
    .filter((m) => m.port !== 0 && m.mid !== undefined && want.has(m.mid))
    .map((m) => m.mid);
  const others = (sdp.groups ?? []).filter((g) => !BUNDLE(g));
  const groups = mids.length > 0 ? [{ type: 'BUNDLE', mids: mids.join(' ') }, ...others] : others;
  if (groups.length > 0) sdp.groups = groups;
  else delete sdp.groups;
}

function bundled(sdp: Sdp): Set<string> | undefined {
  const g = (sdp.groups ?? []).find(BUNDLE);
  return g === undefined ? undefined : new Set(g.mids.split(' ').filter((s) => s !== ''));
}

function slotOf(session: MidCallSession, c: Pick<Content, 'name'>, action: JingleAction): number {
  const i = session.slots.findIndex((s) => s?.name === c.name);
  if (i < 0)
    fail(`<jingle action='${action}'> <content name='${c.name}'>`, 'is not a content of this session');
  return i;
}

function expect(j: Jingle, action: JingleAction): void {
  if (j.action !== action) fail(`<jingle action='${j.action}'>`, `is not a ${action}`);
  if (j.contents.length === 0) fail(`<jingle action='${action}'>`, 'has no <content>');
}

// ── XMPP → SIP ──────────────────────────────────────────────────────────────────────────────

/**
 * The client's content-add → the re-offer. Each new content takes the first disabled slot of
 * the same media type (RFC 3264 §8.1 allows reusing a slot; a different type in it confuses
 * peers), else a new m-line at the end. Its BUNDLE membership follows the content-add's
 * XEP-0338 group when it has one, else the session's group.
 */
export function contentAddToReoffer(session: MidCallSession, j: Jingle, tables: Tables): Reoffer {
  expect(j, 'content-add');
  const offer = subsequentSdp(session);
  const slots = [...session.slots];
  const changed: Reoffer['changed'] = [];
  const p: Perspective = { author: session.clientRole, type: 'offer' };
  for (const c of j.contents) {
    if (slots.some((s) => s?.name === c.name))
      fail(
        `<jingle action='content-add'> <content name='${c.name}'>`,
        'a content of that name is already in the session',
      );
    const m = contentToMedia(c, p, tables);
    let index = slots.findIndex((s, i) => s === undefined && offer.media[i]?.type === m.type);
    if (index < 0) index = offer.media.length;
    offer.media[index] = m;
    slots[index] = { name: c.name, creator: c.creator };
    changed.push({ name: c.name, index });
  }
  const before = bundled(session.local);
  const asked = j.groups.find((g) => BUNDLE({ type: g.semantics }));
  if (asked || before) {
    const want = new Set(asked ? asked.contents : [...(before ?? []), ...changed.map((c) => c.name)]);
    setBundle(offer, want);
  }
  return { action: 'content-add', offer, slots, changed };
}

/** The client's content-remove → the re-offer with those m-lines disabled (RFC 3264 §8.2). */
export function contentRemoveToReoffer(session: MidCallSession, j: Jingle): Reoffer {
  expect(j, 'content-remove');
  const offer = subsequentSdp(session);
  const slots = [...session.slots];
  const changed: Reoffer['changed'] = [];
  for (const c of j.contents) {
    const index = slotOf(session, c, 'content-remove');
    offer.media[index] = disabledMedia(offer.media[index] as SdpMedia);
    slots[index] = undefined;
    changed.push({ name: c.name, index });
  }
  const before = bundled(session.local);
  if (before) setBundle(offer, before);
  const out: Reoffer = { action: 'content-remove', offer, slots, changed };
  if (slots.every((s) => s === undefined)) out.terminate = true;
  return out;
}

/**
 * The client's content-modify → the re-offer with those m-lines' direction attribute. The
 * gateway's SDP speaks for the client, so `senders` is read from the client's side
 * (src/translate/roles.ts): the client alone sending is a=sendonly.
 */
export function contentModifyToReoffer(session: MidCallSession, j: Jingle): Reoffer {
  expect(j, 'content-modify');
  const offer = subsequentSdp(session);
  const changed: Reoffer['changed'] = [];
  for (const c of j.contents) {
    const index = slotOf(session, c, 'content-modify');
    (offer.media[index] as SdpMedia).direction = sendersToDirection(c.senders, session.clientRole);
    changed.push({ name: c.name, index });
  }
  return { action: 'content-modify', offer, slots: [...session.slots], changed };
}

/** The Jingle that tells the client how the SIP peer answered a re-offer. */
export interface ReofferOutcome {
  accept?: Jingle;
  reject?: Jingle;
  /** The slots after the answer (a rejected addition leaves its m-line disabled). */
  slots: (Slot | undefined)[];
}

function jingle(action: JingleAction, sid: string, contents: Content[], groups: Group[] = []): Jingle {
  return { action, sid, contents, groups };
}

/**
 * The SIP peer's answer to a re-offer → content-accept / content-reject for the client
 * (RFC 3264 §6: port 0 in the answer rejects that stream). An answer without the offer's
 * m-lines is refused (the call layer then treats the exchange as failed).
 */
export function reanswerToJingle(
  session: MidCallSession,
  reoffer: Reoffer,
  answer: Sdp,
  tables: Tables,
): ReofferOutcome {
  if (answer.media.length !== reoffer.offer.media.length)
    fail(
      'SDP answer',
      `has ${answer.media.length} m-lines for an offer of ${reoffer.offer.media.length} (RFC 3264 §6)`,
    );
  const slots = [...reoffer.slots];
  const sip = other(session.clientRole);
  const accepted: Content[] = [];
  const rejected: Content[] = [];
  for (const { name, index } of reoffer.changed) {
    const am = answer.media[index] as SdpMedia;
    const creator = (reoffer.slots[index] ?? session.slots[index])?.creator ?? session.clientRole;
    if (reoffer.action === 'content-remove') continue; // port 0 offered, port 0 answered: nothing to say
    if (am.port === 0) {
      rejected.push({ creator, name });
      if (reoffer.action === 'content-add') slots[index] = undefined;
      continue;
    }
    if (reoffer.action === 'content-add') {
      const c = mediaToContent(
        am,
        answer,
        { author: sip, type: 'answer' },
        name,
        `m-section ${index + 1}`,
        tables,
      );
      accepted.push({ ...c, creator });
    } else {
      // XEP-0166 §7.2.3: the content-accept of a content-modify carries the senders agreed.
      const d = (am.direction ?? answer.direction) as Direction | undefined;
      accepted.push({ creator, name, senders: directionToSenders(d, sip) });
    }
  }
  const out: ReofferOutcome = { slots };
  const groups = (answer.groups ?? [])
    .filter(BUNDLE)
    .map((g) => ({ semantics: 'BUNDLE', contents: g.mids.split(' ') }));
  if (accepted.length > 0) out.accept = jingle('content-accept', session.sid, accepted, groups);
  if (rejected.length > 0) out.reject = jingle('content-reject', session.sid, rejected);
  return out;
}

/** The SIP peer refused the re-offer (a 488, RFC 3264 §8): every change is rejected, the session stays. */
export function reofferRefused(session: MidCallSession, reoffer: Reoffer): ReofferOutcome {
  const contents = reoffer.changed.map(({ name, index }) => ({
    creator: (reoffer.slots[index] ?? session.slots[index])?.creator ?? session.clientRole,
    name,
  }));
  const out: ReofferOutcome = { slots: [...session.slots] };
  if (reoffer.action !== 'content-remove' && contents.length > 0)
    out.reject = jingle('content-reject', session.sid, contents);
  return out;
}

// ── SIP → XMPP ──────────────────────────────────────────────────────────────────────────────

/** What a SIP peer's re-offer adds, removes and changes, as Jingle for the client. */
export interface ReofferToJingle {
  /** content-add for the new m-sections only (creator: the gateway's role). */
  add?: Jingle;
  /** content-remove for the m-sections the offer disables. */
  remove?: Jingle;
  /**
   * content-modify for direction changes while the hold state stays (RFC 3264 §8.4 → `<hold/>`);
   * the call layer applies the full rule, a resume compared with the SDP before the hold
   * (src/calls/content-reoffer.ts `peerDirections`).
   */
  modify?: Jingle;
  /** The slots once the client accepts everything. */
  slots: (Slot | undefined)[];
  added: Array<{ name: string; index: number }>;
  /** XEP-0166 §7.2.5: the offer disables every stream. */
  terminate?: true;
}

function uniqueName(base: string, used: ReadonlySet<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  return name;
}

function directionOf(m: SdpMedia, sdp: Sdp): Direction {
  return (m.direction ?? sdp.direction ?? 'sendrecv') as Direction;
}

/**
 * A SIP re-offer → the Jingle the client must hear. The offer must keep every m-line of the
 * session in its place (RFC 3264 §8) and a live m-line its media type; a new m-line, or a new
 * stream in a disabled slot (§8.1), is a content-add.
 */
export function reofferToJingle(session: MidCallSession, offer: Sdp, tables: Tables): ReofferToJingle {
  const before = session.remote;
  if (offer.media.length < session.slots.length)
    fail(
      'SDP offer',
      `has ${offer.media.length} m-lines where the session has ${session.slots.length} (RFC 3264 §8)`,
    );
  const sip = other(session.clientRole);
  const p: Perspective = { author: sip, type: 'offer' };
  const slots = [...session.slots];
  const used = new Set(session.slots.filter((s) => s !== undefined).map((s) => s.name));
  const adds: Content[] = [];
  const removes: Content[] = [];
  const modifies: Content[] = [];
  const added: ReofferToJingle['added'] = [];
  // A hold (every live stream sendonly or inactive, RFC 3264 §8.4) is <hold/>, not content-modify.
  const holdChanged = isHeld(offer) !== isHeld(before);
  offer.media.forEach((m, i) => {
    const slot = session.slots[i];
    const where = `m-section ${i + 1} (m=${m.type})`;
    if (slot === undefined) {
      if (m.port === 0) return;
      const name = uniqueName(m.mid ?? m.type, used);
      used.add(name);
      const c = mediaToContent(m, offer, p, name, where, tables);
      adds.push({ ...c, creator: sip });
      slots[i] = { name, creator: sip };
      added.push({ name, index: i });
      return;
    }
    const was = before.media[i];
    if (m.port === 0) {
      removes.push({ creator: slot.creator, name: slot.name });
      slots[i] = undefined;
      return;
    }
    if (was && was.type !== m.type)
      fail(where, `changes the media type of a live stream (was m=${was.type})`);
  });
  if (!holdChanged) modifies.push(...directionChanges(session.slots, before, offer, sip));
  const out: ReofferToJingle = { slots, added };
  const groups: Group[] = (offer.groups ?? [])
    .filter(BUNDLE)
    .map((g) => ({ semantics: 'BUNDLE', contents: g.mids.split(' ').filter((s) => s !== '') }));
  if (adds.length > 0) out.add = jingle('content-add', session.sid, adds, groups);
  if (removes.length > 0) out.remove = jingle('content-remove', session.sid, removes);
  if (modifies.length > 0) out.modify = jingle('content-modify', session.sid, modifies);
  if (slots.every((s) => s === undefined)) out.terminate = true;
  return out;
}

/**
 * The streams of `offer` whose direction differs from the one they had in `base` (an earlier SDP
 * of the SIP peer's), as the contents of a content-modify (XEP-0166 §7.2): each with the senders
 * the peer now proposes, read from the peer's side (src/translate/roles.ts). Only live streams
 * the session already has; new and disabled ones are content-add / content-remove.
 */
export function directionChanges(
  slots: ReadonlyArray<Slot | undefined>,
  base: Sdp,
  offer: Sdp,
  sipRole: Creator,
): Content[] {
  const out: Content[] = [];
  offer.media.forEach((m, i) => {
    const slot = slots[i];
    const was = base.media[i];
    if (!slot || !was || m.port === 0 || was.port === 0 || was.type !== m.type) return;
    const d = directionOf(m, offer);
    if (d !== directionOf(was, base))
      out.push({ creator: slot.creator, name: slot.name, senders: directionToSenders(d, sipRole) });
  });
  return out;
}

/**
 * The live streams whose agreed senders (XEP-0166 §7.3) an answer of ours to a SIP re-offer
 * changes, as the contents of a content-modify for the client: each with the senders the answer
 * agrees (its direction read from the client's side, src/translate/roles.ts). What was agreed
 * before is the peer's earlier SDP `before` answered as RFC 3264 §6.1 does it (a sendrecv stream
 * takes the client's own senders, `wish`; any other direction its counterpart), so a peer's
 * change that the client's own senders absorb (it offers sendrecv where the client only sends)
 * changes nothing. Only streams the session already has; new and disabled ones are content-add
 * / content-remove.
 */
export function sendersChanges(
  slots: ReadonlyArray<Slot | undefined>,
  before: Sdp,
  answer: Sdp,
  clientRole: Creator,
  wish: (name: string) => Content['senders'],
): Content[] {
  const out: Content[] = [];
  answer.media.forEach((m, i) => {
    const slot = slots[i];
    const was = before.media[i];
    if (!slot || !was || m.port === 0 || was.port === 0 || was.type !== m.type) return;
    const offered = directionOf(was, before);
    const agreed =
      offered === 'sendrecv' ? sendersToDirection(wish(slot.name), clientRole) : DEFAULT_ANSWER[offered];
    const senders = directionToSenders(directionOf(m, answer), clientRole);
    if (senders !== directionToSenders(agreed, clientRole))
      out.push({ creator: slot.creator, name: slot.name, senders });
  });
  return out;
}

/** RFC 3264 §6.1: the directions an answer may give a stream offered with each direction. */
const ALLOWED: Record<Direction, readonly Direction[]> = {
  sendrecv: ['sendrecv', 'sendonly', 'recvonly', 'inactive'],
  sendonly: ['recvonly', 'inactive'],
  recvonly: ['sendonly', 'inactive'],
  inactive: ['inactive'],
};
const DEFAULT_ANSWER: Record<Direction, Direction> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/** The answer's direction: `wanted` when §6.1 allows it for `offered`, else the §6.1 counterpart. */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  return ALLOWED[offered].includes(wanted) ? wanted : DEFAULT_ANSWER[offered];
}

/** The client's reply to a SIP re-offer, gathered from its content-accept / content-reject. */
export interface ClientReply {
  /** Contents of the client's content-accept(s): new contents with their description, modified ones with senders. */
  accepted: Content[];
  /** Names of the contents the client rejected (content-reject). */
  rejected: string[];
}

/**
 * The SDP answer to a SIP re-offer, from the client's reply: every offered m-line answered in
 * place (RFC 3264 §6). An added content accepted → its m-section; rejected or not answered →
 * port 0. A live stream keeps the gateway's last m-section with the direction §6.1 allows (the
 * client's new senders when it accepted a content-modify). BUNDLE: the accepted mids of the
 * offer's group (RFC 8843 §7.3).
 */
export function reanswer(
  session: MidCallSession,
  offer: Sdp,
  change: ReofferToJingle,
  reply: ClientReply,
  tables: Tables,
): Sdp {
  const answer = subsequentSdp(session);
  const byName = new Map(reply.accepted.map((c) => [c.name, c]));
  const rejected = new Set(reply.rejected);
  const p: Perspective = { author: session.clientRole, type: 'answer' };
  answer.media = offer.media.map((om, i) => {
    const slot = change.slots[i];
    const isNew = change.added.some((a) => a.index === i);
    if (om.port === 0 || slot === undefined) return disabledMedia(om);
    const c = byName.get(slot.name);
    if (isNew) {
      if (!c || rejected.has(slot.name)) return disabledMedia(om);
      return contentToMedia(c, p, tables, { media: om, session: offer });
    }
    const last = answer.media[i];
    if (!last || last.port === 0) return disabledMedia(om);
    const m = structuredClone(last);
    const wanted =
      c?.senders !== undefined
        ? sendersToDirection(c.senders, session.clientRole)
        : directionOf(last, session.local);
    m.direction = answerDirection(directionOf(om, offer), wanted);
    return m;
  });
  const offered = bundled(offer);
  if (offered) setBundle(answer, offered);
  else delete answer.groups;
  return answer;
}
