/**
 * All XEP-0353 proposals by id, each with its machine (./machine): records when each ended,
 * expires proposals left open, and forgets ended ones after a while. The clock is injected.
 */
import {
  applyJmi,
  JmiProposal,
  JmiState,
  notice,
  TERMINAL,
  type ApplyResult,
  type JmiEffect,
  type JmiEvent,
  type JmiMessage,
} from './machine';
import { normalBareJid } from '../../translate/jid';
import { overrules } from './tie-break';
import { ownString } from '../stanza';

/**
 * The bare JID's normal form (RFC 7622), in a string of its own (docs/performance.md §Strings
 * kept): records are keyed and compared by it, and linger for minutes after the call.
 */
const bare = (jid: string): string => ownString(normalBareJid(jid));

export interface JmiTableOptions {
  /** Terminal records are kept this long to recognise late messages. Default 5 minutes. */
  lingerMs?: number;
  /** A proposal still open after this long expires (§5: "e.g. 24 hours"). Default 24 hours. */
  maxAgeMs?: number;
  /** How long a proposal may stay unanswered before it expires. Default 10 minutes. */
  maxProposedMs?: number;
}

/** The key of {@link JmiTable}'s open proposals from `local` to `peer`. */
const pairKey = (local: string, peer: string): string => `${local} ${peer}`;

/** All proposals by id, with the clock injected. Not a socket in sight. */
export class JmiTable {
  private readonly records = new Map<string, JmiProposal>();
  /**
   * Our proposals nobody answered yet (state proposed), by `local peer` (two bare JIDs, normal
   * form; a space is in neither): where a crossing `<propose>` finds them without a scan of
   * every record (bench/jmi-crossing.ts). Each leaves it when it leaves `proposed`.
   */
  private readonly unanswered = new Map<string, Set<JmiProposal>>();
  private readonly lingerMs: number;
  private readonly maxAgeMs: number;
  private readonly maxProposedMs: number;

  constructor(
    private readonly now: () => number = Date.now,
    o: JmiTableOptions = {},
  ) {
    this.lingerMs = o.lingerMs ?? 5 * 60_000;
    this.maxAgeMs = o.maxAgeMs ?? 24 * 3600_000;
    this.maxProposedMs = o.maxProposedMs ?? 10 * 60_000;
  }

  get(id: string): Readonly<JmiProposal> | undefined {
    return this.records.get(id);
  }

  get size(): number {
    return this.records.size;
  }

  /** Starts an outgoing proposal (we send `<propose>` from `local` to the bare JID `peer`). */
  proposeOut(o: { id: string; local: string; peer: string; media: string[] }): ApplyResult {
    if (this.records.has(o.id))
      return {
        next: this.records.get(o.id)!.state,
        effects: [{ type: 'ignore', why: 'id in use' }],
        accepted: false,
      };
    const rec = new JmiProposal(ownString(o.id), 'out', bare(o.local), bare(o.peer), this.now());
    this.records.set(rec.id, rec);
    const key = pairKey(rec.local, rec.peer);
    const open = this.unanswered.get(key);
    if (open === undefined) this.unanswered.set(key, new Set([rec]));
    else open.add(rec);
    const message: JmiMessage = { kind: 'propose', id: o.id, media: o.media };
    return {
      next: rec.state,
      accepted: true,
      effects: [{ type: 'send', to: rec.peer, from: rec.local, message }],
    };
  }

  /**
   * A `<propose>` received from `from` (a full JID) to `to` (our JID). If we have proposals of
   * our own from `to` to `from`'s bare JID that nobody answered yet, the two cross: XEP-0353
   * §Tie Breaking, "No existing session" (./tie-break.ts). Theirs overrules ours only if its id
   * is lower than every one of ours: ours are then retracted (the calls hear a `tie-break`
   * notice) and theirs is taken as usual; otherwise theirs is rejected, and the gateway never
   * hears of it. A proposal of ours already proceeded is no tie: that is the "Existing session"
   * case, left to the normal handling.
   */
  proposeIn(from: string, to: string, message: JmiMessage): ApplyResult {
    const local = bare(to);
    const peer = bare(from);
    const crossing = [...(this.unanswered.get(pairKey(local, peer)) ?? [])];
    const existing = this.records.get(message.id);
    if (existing !== undefined && !crossing.includes(existing)) {
      return {
        next: existing.state,
        effects: [{ type: 'ignore', why: 'repeated propose' }],
        accepted: false,
      };
    }
    const theirs = { id: message.id, jid: peer };
    const won = crossing.every((ours) => overrules(theirs, { id: ours.id, jid: ours.local }));
    const effects: JmiEffect[] = [];
    if (won) {
      for (const ours of crossing) effects.push(...this.apply(ours.id, { by: 'tie-break', from }).effects);
      // Equal ids (the client took ours): ours is over, and the id names theirs from now on.
      if (existing !== undefined) this.records.delete(existing.id);
    }
    if (!won && existing !== undefined) {
      // Equal ids and ours wins: theirs cannot have a record beside ours; it is rejected at once.
      const reject: JmiMessage = {
        kind: 'reject',
        id: message.id,
        reason: { condition: 'expired', text: 'Tie-Break' },
        tieBreak: true,
      };
      return {
        next: existing.state,
        accepted: false,
        effects: [{ type: 'send', to: from, from: local, message: reject }],
      };
    }
    const rec = new JmiProposal(ownString(message.id), 'in', local, peer, this.now());
    rec.peerFull = ownString(from);
    this.records.set(rec.id, rec);
    if (!won) return this.apply(rec.id, { by: 'tie-break', from });
    effects.push({ type: 'emit', notice: notice(rec, rec.state, from, rec.local, message) });
    return { next: rec.state, accepted: true, effects };
  }

  /** Proposal `rec` of ours was answered or ended: no crossing propose can meet it any more. */
  private answered(rec: JmiProposal): void {
    const key = pairKey(rec.local, rec.peer);
    const open = this.unanswered.get(key);
    if (open?.delete(rec) && open.size === 0) this.unanswered.delete(key);
  }

  /** Applies an event to proposal `id` and records the outcome. Unknown ids are ignored. */
  apply(id: string, ev: JmiEvent): ApplyResult {
    const rec = this.records.get(id);
    if (rec === undefined)
      return {
        next: JmiState.Finished,
        effects: [{ type: 'ignore', why: `unknown id ${id}` }],
        accepted: false,
      };
    const before = rec.state;
    const result = applyJmi(rec, ev);
    if (result.accepted) {
      if (rec.direction === 'out' && ev.by === 'remote' && ev.message.kind === 'proceed')
        rec.peerFull = ownString(ev.from);
      if (result.next !== before && TERMINAL.has(result.next)) rec.endedAt = this.now();
      if (rec.direction === 'out' && before === JmiState.Proposed && result.next !== before)
        this.answered(rec);
    }
    return result;
  }

  /**
   * Expires proposals left open too long and forgets terminal ones after `lingerMs`. Returns
   * the effects of the expiries (messages to send, notices), for the leg to carry out.
   */
  sweep(): JmiEffect[] {
    const t = this.now();
    const effects: JmiEffect[] = [];
    for (const [id, rec] of this.records) {
      if (TERMINAL.has(rec.state)) {
        if (t - (rec.endedAt ?? rec.createdAt) >= this.lingerMs) this.records.delete(id);
        continue;
      }
      const limit = rec.state === JmiState.Proposed ? this.maxProposedMs : this.maxAgeMs;
      if (t - rec.createdAt >= limit)
        effects.push(...this.apply(id, { by: 'timer', kind: 'expire' }).effects);
    }
    return effects;
  }
}
