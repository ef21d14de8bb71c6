/**
 * XEP-0353 Jingle Message Initiation (version 0.7, namespace urn:xmpp:jingle-message:0): one
 * state machine per proposal id, pure (no sockets, the clock injected). The leg feeds it the JMI
 * messages it receives and the call layer's decisions; it answers with the next state and the
 * effects to carry out (messages to send, notices for the call layer).
 *
 * Outgoing (the gateway is the initiator: a SIP call rings every device of a user):
 *
 *      local propose
 *           │          remote reject            remote proceed from another device:
 *           ▼        ──────────────► rejected   stay, send that device a private <finish>
 *       proposed ──┐                            ▲
 *        │  │      │ local retract /           │
 *        │  │      │ expire                    │
 *        │  │      └──────────────► retracted   │
 *        │  │ remote proceed (the first one wins)
 *        │  ▼                                   │
 *        │ proceeding(winner's full JID) ───────┘
 *        │  │ remote finish / reject (from the winner), local finish / retract, expire
 *        │  ▼
 *        └► finished      (remote finish while proposed: the callee gave up, also finished)
 *
 * Incoming (the gateway is the responder: an XMPP user calls a SIP address):
 *
 *       remote propose → proposed ── local proceed ──► proceeding ── remote/local finish ──► finished
 *                           │ local reject ─► rejected      │ remote retract ─► retracted
 *                           │ remote retract ─► retracted   │ expire ─► finished
 *                           │ expire ─► rejected
 *
 * A terminal record lingers (`lingerMs`) so that late messages are recognised: a `<proceed>`
 * that arrives after the call was retracted, rejected or answered elsewhere is answered with a
 * private `<finish>` to that device, so it stops waiting for a session-initiate that will never
 * come. "Private" means `<private xmlns='urn:xmpp:carbons:2'/>` and `<no-copy/>`: the winning
 * device must not see a carbon copy of it (XEP-0280 §6, XEP-0334 §4).
 *
 * XEP-0353 §3.4 leaves telling the responder's other devices about the winning `<proceed>` to
 * the responder's server (XEP-0280 carbons of the proceed); the gateway does not address them.
 */
import type { Reason } from '../../jingle/types';
import { normalBareJid, sameJid } from '../../translate/jid';

export enum JmiState {
  Proposed = 'proposed',
  Proceeding = 'proceeding',
  Rejected = 'rejected',
  Retracted = 'retracted',
  Finished = 'finished',
}

export const TERMINAL: ReadonlySet<JmiState> = new Set([
  JmiState.Rejected,
  JmiState.Retracted,
  JmiState.Finished,
]);

/** The JMI elements (XEP-0353 §3). `accept` is the pre-0.4 responder-to-self message. */
export type JmiKind = 'propose' | 'ringing' | 'proceed' | 'reject' | 'retract' | 'finish' | 'accept';
export type JmiDirection = 'out' | 'in';
export type Media = 'audio' | 'video';

/** One JMI element, as carried in a `<message>`. */
export interface JmiMessage {
  kind: JmiKind;
  id: string;
  /** propose: the media of its `<description>` children. */
  media?: string[];
  /** retract, reject, finish: XEP-0353 requires one; absent only when a peer left it out. */
  reason?: Reason;
  /** reject / retract in tie-breaking (§4.1). */
  tieBreak?: boolean;
  /** finish: `<migrated to>` (§4.2). */
  migratedTo?: string;
}

/** What the call layer hears (the leg's `'jmi'` event). */
export interface JmiNotice {
  kind: JmiKind | 'expired';
  id: string;
  direction: JmiDirection;
  /** The sender: a full JID for remote messages. */
  from: string;
  /** The addressee (for remote messages, our JID at the gateway domain). */
  to: string;
  media?: string[];
  reason?: Reason;
  tieBreak?: boolean;
  migratedTo?: string;
  /** propose: the caller's display name (XEP-0172 `<nick>` beside the JMI element). */
  nick?: string;
  /** The state after the message. */
  state: JmiState;
}

export type JmiEffect =
  | { type: 'send'; to: string; from: string; message: JmiMessage; private?: boolean }
  | { type: 'emit'; notice: JmiNotice }
  | { type: 'ignore'; why: string };

export interface JmiRecord {
  id: string;
  direction: JmiDirection;
  state: JmiState;
  /** Our JID (at the gateway domain), bare. */
  local: string;
  /** The other party's bare JID. */
  peer: string;
  /** Incoming: the initiator's full JID. Outgoing: the device that proceeded. */
  peerFull?: string;
  media: string[];
  createdAt: number;
  /** When it reached a terminal state. */
  endedAt?: number;
}

export type JmiEvent =
  | { by: 'remote'; from: string; message: JmiMessage }
  | { by: 'local'; kind: 'ringing' | 'proceed' | 'reject' | 'retract' | 'finish'; reason?: Reason }
  | { by: 'timer'; kind: 'expire' };

type EventKey =
  `remote:${JmiKind}` | `local:${'ringing' | 'proceed' | 'reject' | 'retract' | 'finish'}` | 'timer:expire';

/** The transition table: the state each event leads to; an absent entry is not allowed there. */
export const TRANSITIONS: Record<JmiDirection, Record<JmiState, Partial<Record<EventKey, JmiState>>>> = {
  out: {
    [JmiState.Proposed]: {
      'remote:ringing': JmiState.Proposed,
      'remote:accept': JmiState.Proposed,
      'remote:proceed': JmiState.Proceeding,
      'remote:reject': JmiState.Rejected,
      'remote:finish': JmiState.Finished,
      'local:retract': JmiState.Retracted,
      'local:finish': JmiState.Retracted,
      'timer:expire': JmiState.Retracted,
    },
    [JmiState.Proceeding]: {
      'remote:ringing': JmiState.Proceeding,
      'remote:accept': JmiState.Proceeding,
      'remote:proceed': JmiState.Proceeding,
      'remote:reject': JmiState.Finished,
      'remote:finish': JmiState.Finished,
      'local:retract': JmiState.Finished,
      'local:finish': JmiState.Finished,
      'timer:expire': JmiState.Finished,
    },
    [JmiState.Rejected]: {},
    [JmiState.Retracted]: {},
    [JmiState.Finished]: {},
  },
  in: {
    [JmiState.Proposed]: {
      'local:ringing': JmiState.Proposed,
      'local:proceed': JmiState.Proceeding,
      'local:reject': JmiState.Rejected,
      'local:retract': JmiState.Rejected,
      'local:finish': JmiState.Rejected,
      'remote:retract': JmiState.Retracted,
      'remote:finish': JmiState.Retracted,
      'timer:expire': JmiState.Rejected,
    },
    [JmiState.Proceeding]: {
      'local:finish': JmiState.Finished,
      'local:retract': JmiState.Finished,
      'local:reject': JmiState.Finished,
      'remote:retract': JmiState.Retracted,
      'remote:finish': JmiState.Finished,
      'timer:expire': JmiState.Finished,
    },
    [JmiState.Rejected]: {},
    [JmiState.Retracted]: {},
    [JmiState.Finished]: {},
  },
};

/** The bare JID's normal form (RFC 7622), as the records keep it. */
const bare = normalBareJid;

const reason = (condition: Reason['condition'], text: string): Reason => ({ condition, text });

/** What a local decision sends, per direction and state: the element kind and default reason. */
function localMessage(
  rec: JmiRecord,
  kind: 'ringing' | 'proceed' | 'reject' | 'retract' | 'finish',
  given: Reason | undefined,
): JmiMessage {
  const { id } = rec;
  if (rec.direction === 'out') {
    // §3.3: before anyone proceeded, the initiator disavows with <retract> (reason SHOULD be
    // <cancel/>); after, the session is ended with <finish> (§3.6, SHOULD be success/expired).
    if (rec.state === JmiState.Proposed)
      return { kind: 'retract', id, reason: given ?? reason('cancel', 'Retracted') };
    return { kind: 'finish', id, reason: given ?? reason('success', 'Success') };
  }
  if (kind === 'ringing' || kind === 'proceed') return { kind, id };
  // §3.5: <reject> SHOULD use <busy/>.
  if (rec.state === JmiState.Proposed) return { kind: 'reject', id, reason: given ?? reason('busy', 'Busy') };
  return { kind: 'finish', id, reason: given ?? reason('success', 'Success') };
}

export interface ApplyResult {
  next: JmiState;
  effects: JmiEffect[];
  /** False when the event is not allowed in this state (nothing was sent or changed). */
  accepted: boolean;
}

export function notice(
  rec: JmiRecord,
  next: JmiState,
  from: string,
  to: string,
  m: Omit<Partial<JmiMessage>, 'kind'> & { kind: JmiNotice['kind'] },
): JmiNotice {
  const n: JmiNotice = { kind: m.kind, id: rec.id, direction: rec.direction, from, to, state: next };
  if (m.media !== undefined) n.media = m.media;
  if (m.reason !== undefined) n.reason = m.reason;
  if (m.tieBreak) n.tieBreak = true;
  if (m.migratedTo !== undefined) n.migratedTo = m.migratedTo;
  return n;
}

/**
 * One step of the machine for `rec` (not modified): the next state and the effects. Never
 * throws; an event that is not allowed comes back with `accepted: false` and an `ignore`.
 */
export function applyJmi(rec: JmiRecord, ev: JmiEvent): ApplyResult {
  const stay = (why: string): ApplyResult => ({
    next: rec.state,
    effects: [{ type: 'ignore', why }],
    accepted: false,
  });

  if (ev.by === 'timer') {
    const next = TRANSITIONS[rec.direction][rec.state]['timer:expire'];
    if (next === undefined) return stay('already ended');
    const msg = localMessage(rec, 'finish', reason('expired', 'Expired'));
    const to = rec.peer;
    return {
      next,
      accepted: true,
      effects: [
        { type: 'send', to, from: rec.local, message: msg },
        { type: 'emit', notice: notice(rec, next, rec.local, to, { kind: 'expired', reason: msg.reason }) },
      ],
    };
  }

  if (ev.by === 'local') {
    const next = TRANSITIONS[rec.direction][rec.state][`local:${ev.kind}`];
    if (next === undefined) return stay(`local ${ev.kind} not allowed in state ${rec.state}`);
    const message = localMessage(rec, ev.kind, ev.reason);
    // An incoming proposal is answered (ringing, proceed, reject) at the full JID that sent it, as
    // XEP-0353's examples (§3.2–§3.4) do and clients act on: Dino takes a <proceed> only when it
    // is addressed to its own full JID. Our own proposals go to the callee's bare JID (every device).
    const to = rec.direction === 'in' ? (rec.peerFull ?? rec.peer) : rec.peer;
    return { next, accepted: true, effects: [{ type: 'send', to, from: rec.local, message }] };
  }

  // A remote message: only the other party may speak in this proposal (the server stamps `from`).
  const { from, message } = ev;
  if (bare(from) !== rec.peer) return stay(`from ${from}, not ${rec.peer}`);
  const key: EventKey = `remote:${message.kind}`;
  const fromWinner = rec.peerFull === undefined || sameJid(rec.peerFull, from);

  if (rec.direction === 'out' && message.kind === 'proceed') {
    if (rec.state === JmiState.Proceeding && rec.peerFull !== undefined && sameJid(rec.peerFull, from))
      return stay('repeated proceed');
    if (rec.state !== JmiState.Proposed) {
      // A device that proceeded too late: the call went elsewhere or is over. Tell that device
      // alone, privately, so the winner does not take it for the end of its own call.
      const text =
        rec.state === JmiState.Proceeding
          ? 'Answered on another device'
          : rec.state === JmiState.Retracted
            ? 'Call was cancelled'
            : 'Call is over';
      return {
        next: rec.state,
        accepted: false,
        effects: [
          {
            type: 'send',
            to: from,
            from: rec.local,
            private: true,
            message: { kind: 'finish', id: rec.id, reason: reason('cancel', text) },
          },
        ],
      };
    }
  }
  if (rec.direction === 'out' && rec.state === JmiState.Proceeding && !fromWinner) {
    return stay(`${message.kind} from ${from}, not the device that proceeded`);
  }
  const next = TRANSITIONS[rec.direction][rec.state][key];
  if (next === undefined) return stay(`${message.kind} not allowed in state ${rec.state}`);
  return {
    next,
    accepted: true,
    effects: [{ type: 'emit', notice: notice(rec, next, from, rec.local, message) }],
  };
}
