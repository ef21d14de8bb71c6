/**
 * XEP-0353 Jingle Message Initiation (version 0.7, namespace urn:xmpp:jingle-message:0): one
 * state machine per proposal id, run on the project's engine (src/fsm, `Machine`), pure (no
 * sockets, the clock injected). It is the one owner of a proposal's lifecycle
 * (docs/architecture.md §JMI): which device won, which element a local decision becomes, when
 * the proposal is over. The leg feeds it the JMI messages it receives and the call layer's
 * decisions; each table cell says the next state and what the transition does (`send` the
 * element the state calls for, `notify` the call layer), and {@link applyJmi} turns that into
 * the effects to carry out.
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
 * Tie-breaking (§Tie Breaking, "No existing session": the two parties proposed to each other
 * at once, ./tie-break.ts decides, ./table.ts finds the pair): the proposal overruled takes
 * `tie-break:overruled` from `proposed` only — ours to retracted (a `<retract>` with
 * `<tie-break/>`, the call told), theirs to rejected (a `<reject>` with `<tie-break/>`). A
 * proposal already answered is the "Existing session" case, which the gateway leaves alone.
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
import { Machine, type Move, type TransitionTable } from '../../fsm';
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
/** What the gateway itself decides about a proposal. */
export type LocalJmiDecision = 'ringing' | 'proceed' | 'reject' | 'retract' | 'finish';
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
  /** `tie-break`: our proposal was overruled by a crossing `<propose>` (./tie-break.ts) and retracted. */
  kind: JmiKind | 'expired' | 'tie-break';
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

export type JmiEvent =
  | { by: 'remote'; from: string; message: JmiMessage }
  | { by: 'local'; kind: LocalJmiDecision; reason?: Reason }
  | { by: 'timer'; kind: 'expire' }
  /**
   * XEP-0353 §Tie Breaking (no existing session): a `<propose>` from `from` crossed this one and
   * the lower id won (./tie-break.ts); this proposal is the one overruled.
   */
  | { by: 'tie-break'; from: string };

/** The machine's events: who spoke and which element (or the expiry). */
export type JmiEventKey =
  `remote:${JmiKind}` | `local:${LocalJmiDecision}` | 'timer:expire' | 'tie-break:overruled';

/**
 * What a transition does: `send` the other party the element the state calls for (a local
 * decision, or the expiry's), `notify` the call layer (a remote message, or the expiry).
 */
export type JmiAction = 'send' | 'notify';

export type JmiMachine = Machine<JmiState, JmiEventKey, JmiAction>;

const notify = (next: JmiState): Move<JmiState, JmiAction> => ({ next, effects: ['notify'] });
const send = (next: JmiState): Move<JmiState, JmiAction> => ({ next, effects: ['send'] });
const expire = (next: JmiState): Move<JmiState, JmiAction> => ({ next, effects: ['send', 'notify'] });

/** The transition tables, one per direction; an absent cell is not allowed in that state. */
export const TRANSITIONS: Record<JmiDirection, TransitionTable<JmiState, JmiEventKey, JmiAction>> = {
  out: {
    [JmiState.Proposed]: {
      'remote:ringing': notify(JmiState.Proposed),
      'remote:accept': notify(JmiState.Proposed),
      'remote:proceed': notify(JmiState.Proceeding),
      'remote:reject': notify(JmiState.Rejected),
      'remote:finish': notify(JmiState.Finished),
      'local:retract': send(JmiState.Retracted),
      'local:finish': send(JmiState.Retracted),
      'timer:expire': expire(JmiState.Retracted),
      // §Tie Breaking: the callee proposed to us with a lower id: we <retract> ours, and the
      // call hears that its callee is calling its caller.
      'tie-break:overruled': expire(JmiState.Retracted),
    },
    [JmiState.Proceeding]: {
      'remote:ringing': notify(JmiState.Proceeding),
      'remote:accept': notify(JmiState.Proceeding),
      'remote:proceed': notify(JmiState.Proceeding),
      'remote:reject': notify(JmiState.Finished),
      'remote:finish': notify(JmiState.Finished),
      'local:retract': send(JmiState.Finished),
      'local:finish': send(JmiState.Finished),
      'timer:expire': expire(JmiState.Finished),
    },
    [JmiState.Rejected]: {},
    [JmiState.Retracted]: {},
    [JmiState.Finished]: {},
  },
  in: {
    [JmiState.Proposed]: {
      'local:ringing': send(JmiState.Proposed),
      'local:proceed': send(JmiState.Proceeding),
      'local:reject': send(JmiState.Rejected),
      'local:retract': send(JmiState.Rejected),
      'local:finish': send(JmiState.Rejected),
      'remote:retract': notify(JmiState.Retracted),
      'remote:finish': notify(JmiState.Retracted),
      'timer:expire': expire(JmiState.Rejected),
      // §Tie Breaking: ours has the lower id: we <reject> theirs. The gateway never hears of it.
      'tie-break:overruled': send(JmiState.Rejected),
    },
    [JmiState.Proceeding]: {
      'local:finish': send(JmiState.Finished),
      'local:retract': send(JmiState.Finished),
      'local:reject': send(JmiState.Finished),
      'remote:retract': notify(JmiState.Retracted),
      'remote:finish': notify(JmiState.Finished),
      'timer:expire': expire(JmiState.Finished),
    },
    [JmiState.Rejected]: {},
    [JmiState.Retracted]: {},
    [JmiState.Finished]: {},
  },
};

/** The machines' names, one string each (a name made per proposal would be kept per proposal). */
const MACHINE_NAMES: Record<JmiDirection, string> = { out: 'jmi-out', in: 'jmi-in' };

/**
 * One proposal: its addresses and its machine (the state is the machine's). It lingers after
 * the call (./table `lingerMs`): only what late messages are checked against is kept (the media
 * of a propose are in its message, not here).
 */
export class JmiProposal {
  readonly machine: JmiMachine;
  /** Incoming: the initiator's full JID. Outgoing: the device that proceeded. */
  peerFull?: string;
  /** When it reached a terminal state. */
  endedAt?: number;

  constructor(
    readonly id: string,
    readonly direction: JmiDirection,
    /** Our JID (at the gateway domain), bare. */
    readonly local: string,
    /** The other party's bare JID. */
    readonly peer: string,
    readonly createdAt: number,
    initial: JmiState = JmiState.Proposed,
  ) {
    this.machine = new Machine(MACHINE_NAMES[direction], TRANSITIONS[direction], initial);
  }

  get state(): JmiState {
    return this.machine.state;
  }
}

/** The bare JID's normal form (RFC 7622), as the records keep it. */
const bare = normalBareJid;

const reason = (condition: Reason['condition'], text: string): Reason => ({ condition, text });

/**
 * §Tie Breaking: the overruled proposal's end, "with a <tie-break/> child element alongside of a
 * <reason/> element carrying the condition <expired/>" (the text as the XEP's example has it):
 * the initiator `<retract>`s its own, the responder `<reject>`s the other's.
 */
function tieBreakMessage(rec: JmiProposal): JmiMessage {
  const kind = rec.direction === 'out' ? 'retract' : 'reject';
  return { kind, id: rec.id, reason: reason('expired', 'Tie-Break'), tieBreak: true };
}

/** What a local decision sends, per direction and state: the element kind and default reason. */
function localMessage(rec: JmiProposal, kind: LocalJmiDecision, given: Reason | undefined): JmiMessage {
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
  rec: Pick<JmiProposal, 'id' | 'direction'>,
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
 * Guards the table cannot express, for a remote message: only the other party may speak in
 * this proposal (the server stamps `from`), a second device's proceed is answered privately,
 * and once a device proceeded only it may speak. Undefined: the table decides.
 */
function remoteGuard(rec: JmiProposal, from: string, message: JmiMessage): ApplyResult | undefined {
  const stay = (why: string): ApplyResult => ({
    next: rec.state,
    effects: [{ type: 'ignore', why }],
    accepted: false,
  });
  if (bare(from) !== rec.peer) return stay(`from ${from}, not ${rec.peer}`);
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
      const finish: JmiMessage = { kind: 'finish', id: rec.id, reason: reason('cancel', text) };
      return {
        next: rec.state,
        accepted: false,
        effects: [{ type: 'send', to: from, from: rec.local, private: true, message: finish }],
      };
    }
  }
  if (rec.direction === 'out' && rec.state === JmiState.Proceeding && !fromWinner)
    return stay(`${message.kind} from ${from}, not the device that proceeded`);
  return undefined;
}

/**
 * One step of proposal `rec`'s machine: the next state (taken) and the effects. Never throws;
 * an event that is not allowed leaves the state as it was and comes back with
 * `accepted: false` and an `ignore`.
 */
export function applyJmi(rec: JmiProposal, ev: JmiEvent): ApplyResult {
  if (ev.by === 'remote') {
    const refused = remoteGuard(rec, ev.from, ev.message);
    if (refused !== undefined) return refused;
  }
  const key: JmiEventKey =
    ev.by === 'remote'
      ? `remote:${ev.message.kind}`
      : ev.by === 'local'
        ? `local:${ev.kind}`
        : ev.by === 'tie-break'
          ? 'tie-break:overruled'
          : 'timer:expire';
  // Chosen before the step: the element depends on the state it is sent from.
  const outgoing =
    ev.by === 'remote'
      ? undefined
      : ev.by === 'local'
        ? localMessage(rec, ev.kind, ev.reason)
        : ev.by === 'tie-break'
          ? tieBreakMessage(rec)
          : localMessage(rec, 'finish', reason('expired', 'Expired'));
  const step = rec.machine.apply(key);
  if (!step.ok) {
    const why =
      ev.by === 'timer'
        ? 'already ended'
        : ev.by === 'tie-break'
          ? `no tie-break in state ${step.from}`
          : ev.by === 'local'
            ? `local ${ev.kind} not allowed in state ${step.from}`
            : `${ev.message.kind} not allowed in state ${step.from}`;
    return { next: step.from, effects: [{ type: 'ignore', why }], accepted: false };
  }
  const effects: JmiEffect[] = [];
  for (const action of step.effects) {
    if (action === 'send' && outgoing !== undefined) {
      // An incoming proposal is answered (ringing, proceed, reject) at the full JID that sent it,
      // as XEP-0353's examples (§3.2–§3.4) do and clients act on: Dino takes a <proceed> only
      // when it is addressed to its own full JID. Our own proposals go to the callee's bare JID
      // (every device); so does the expiry's element. A tie-break's <reject> goes to the device
      // whose <propose> lost, like any answer to it (the XEP's example sends it to the bare JID,
      // the user's server gives it to that device the same way).
      const answer = ev.by === 'local' || ev.by === 'tie-break';
      const to = rec.direction === 'in' && answer ? (rec.peerFull ?? rec.peer) : rec.peer;
      effects.push({ type: 'send', to, from: rec.local, message: outgoing });
    } else if (action === 'notify') {
      const n =
        ev.by === 'remote'
          ? notice(rec, step.next, ev.from, rec.local, ev.message)
          : ev.by === 'tie-break'
            ? notice(rec, step.next, ev.from, rec.local, {
                kind: 'tie-break',
                reason: outgoing?.reason,
                tieBreak: true,
              })
            : notice(rec, step.next, rec.local, rec.peer, { kind: 'expired', reason: outgoing?.reason });
      effects.push({ type: 'emit', notice: n });
    }
  }
  return { next: step.next, effects, accepted: true };
}
