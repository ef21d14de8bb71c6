/**
 * The ladder recorder: for the last calls, every stanza, SIP message and anchor request of both
 * legs in the order the gateway saw them, for the status page's ladder diagrams
 * (docs/operations.md §Status page). Pure: messages and times are handed in.
 *
 * Bounded three ways (`http.recentCalls`, `http.messagesPerCall`, `http.messageBytes`):
 * - at most `calls` calls are kept, live and ended together; a new call pushes out the oldest
 *   ended one (or, when every kept call is live, the oldest live one);
 * - a call keeps its first `messagesPerCall / 2` messages and the latest ones, counting the
 *   ones left out between (a long call's setup and end both stay);
 * - a message's text is cut after `messageBytes` characters.
 * A message that names no kept call yet waits a little (a call's first INVITE, its 100 Trying
 * and its session-initiate arrive before the call exists): at most {@link ORPHANS} messages,
 * {@link ORPHAN_MS} ms.
 * Text is made (serialized, masked by ./mask, cut) only when it is first read — by the status
 * page, for the few calls someone looks at — and then kept masked; until then the message is
 * held as the gateway handed it in. Under load every call is among the last ones, so making the
 * text of every message at once cost ≈ 6 % of a call (issue 12's profile) for pages nobody read.
 */
import type { CallInfo } from '../gateway/observer';
import { maskForLadder } from './mask';

export type Leg = 'xmpp' | 'sip' | 'media';

export interface LadderMessage {
  /** Order of arrival over all calls. */
  seq: number;
  /** Epoch ms. */
  at: number;
  leg: Leg;
  /** `in`: to the gateway; `out`: from it. */
  direction: 'in' | 'out';
  label: string;
  /** The other end: a JID, `transport|address|port`, or the anchor. */
  peer: string;
  text: string;
  /** Characters cut from the end of `text`. */
  cut?: number;
}

export interface LadderCall {
  info: CallInfo;
  answeredAt?: number;
  endedAt?: number;
  /** The Jingle reason condition it ended with. */
  condition?: string;
  messages: LadderMessage[];
  /** Messages left out (over `messagesPerCall`). */
  dropped: number;
}

export interface LadderLimits {
  calls: number;
  messagesPerCall: number;
  messageBytes: number;
}

export interface Recorded {
  keys: string[];
  at: number;
  leg: Leg;
  direction: 'in' | 'out';
  label: string;
  peer: string;
  /** Called only when the message is kept (serializing costs). */
  text: () => string;
}

interface Entry {
  call: LadderCall;
  keys: Set<string>;
}

export const ORPHANS = 64;
export const ORPHAN_MS = 10_000;
/** Keys one call may learn from its messages (IQ ids); more are not remembered. */
const KEYS_PER_CALL = 512;

export class LadderRecorder {
  private readonly entries = new Map<string, Entry>();
  private readonly index = new Map<string, Entry>();
  /** Kept with their text unread: most never join a call (OPTIONS pings, REGISTERs). */
  private orphans: Array<{ seq: number; r: Recorded }> = [];
  private seq = 0;

  constructor(private readonly limits: LadderLimits) {}

  started(info: CallInfo): void {
    if (this.entries.has(info.sid)) return;
    while (this.entries.size >= this.limits.calls) this.evict();
    const entry: Entry = { call: { info, messages: [], dropped: 0 }, keys: new Set() };
    this.entries.set(info.sid, entry);
    // A new call owns its sid and Call-ID, also when an ended call had them.
    for (const k of [`sid:${info.sid}`, `call-id:${info.callId}`]) {
      const before = this.index.get(k);
      before?.keys.delete(k);
      this.index.delete(k);
      this.learn(entry, [k]);
    }
    // The messages that came before the call existed, in their order.
    const own = (o: { r: Recorded }): boolean => o.r.keys.some((k) => this.index.get(k) === entry);
    const mine: Array<{ seq: number; r: Recorded }> = [];
    const rest: Array<{ seq: number; r: Recorded }> = [];
    for (const o of this.orphans) (own(o) ? mine : rest).push(o);
    this.orphans = rest;
    for (const o of mine) {
      this.learn(entry, o.r.keys);
      this.append(entry, this.message(o.r, o.seq));
    }
  }

  answered(sid: string, at: number): void {
    const e = this.entries.get(sid);
    if (e && e.call.answeredAt === undefined) e.call.answeredAt = at;
  }

  ended(sid: string, condition: string, at: number): void {
    const e = this.entries.get(sid);
    if (!e || e.call.endedAt !== undefined) return;
    e.call.endedAt = at;
    e.call.condition = condition;
  }

  /** A message on the wire; kept in the ladder of the call one of its keys names. */
  record(r: Recorded): void {
    let entry: Entry | undefined;
    for (const k of r.keys) if ((entry = this.index.get(k)) !== undefined) break;
    if (entry === undefined) {
      this.orphan(r);
      return;
    }
    this.learn(entry, r.keys);
    this.append(entry, this.message(r, ++this.seq));
  }

  /** The kept calls, the newest first. */
  calls(): LadderCall[] {
    return [...this.entries.values()].map((e) => e.call).reverse();
  }

  call(sid: string): LadderCall | undefined {
    return this.entries.get(sid)?.call;
  }

  private message(r: Recorded, seq: number): LadderMessage {
    return new LazyMessage(r, seq, this.limits.messageBytes);
  }

  private orphan(r: Recorded): void {
    // Only what could start a call waits: its keys name a sid or a Call-ID.
    if (!r.keys.some((k) => k.startsWith('sid:') || k.startsWith('call-id:'))) return;
    const old = r.at - ORPHAN_MS;
    // A new array only when one has expired (most calls' first messages join a call at once).
    if (this.orphans.some((o) => o.r.at < old)) this.orphans = this.orphans.filter((o) => o.r.at >= old);
    if (this.orphans.length >= ORPHANS) this.orphans.shift();
    this.orphans.push({ seq: ++this.seq, r });
  }

  private learn(entry: Entry, keys: string[]): void {
    for (const k of keys) {
      if (entry.keys.has(k) || entry.keys.size >= KEYS_PER_CALL) continue;
      // A key another kept call owns stays with it (a client reusing an IQ id across calls).
      if (this.index.has(k)) continue;
      entry.keys.add(k);
      this.index.set(k, entry);
    }
  }

  private append(entry: Entry, m: LadderMessage): void {
    const list = entry.call.messages;
    if (list.length >= this.limits.messagesPerCall) {
      // Keep the first half (the setup); drop the oldest of the rest.
      list.splice(Math.floor(this.limits.messagesPerCall / 2), 1);
      entry.call.dropped += 1;
    }
    list.push(m);
  }

  /** Forgets the oldest ended call, or the oldest call when none has ended. */
  private evict(): void {
    // In insertion order, without copying the entries (this runs for every new call once full).
    let victim: Entry | undefined;
    for (const e of this.entries.values()) {
      victim ??= e;
      if (e.call.endedAt !== undefined) {
        victim = e;
        break;
      }
    }
    if (!victim) return;
    this.entries.delete(victim.call.info.sid);
    for (const k of victim.keys) if (this.index.get(k) === victim) this.index.delete(k);
  }
}

/** A kept message whose text is made on first read, then kept (masked and cut) instead. */
class LazyMessage implements LadderMessage {
  readonly at: number;
  readonly leg: Leg;
  readonly direction: 'in' | 'out';
  readonly label: string;
  readonly peer: string;
  private source: (() => string) | undefined;
  private made = '';
  private left: number | undefined;

  constructor(
    r: Recorded,
    readonly seq: number,
    private readonly max: number,
  ) {
    this.at = r.at;
    this.leg = r.leg;
    this.direction = r.direction;
    this.label = r.label;
    this.peer = r.peer;
    this.source = r.text;
  }

  private make(): void {
    if (this.source === undefined) return;
    const text = maskForLadder(this.source());
    this.source = undefined;
    this.made = text.length > this.max ? text.slice(0, this.max) : text;
    if (text.length > this.max) this.left = text.length - this.max;
  }

  get text(): string {
    this.make();
    return this.made;
  }

  get cut(): number | undefined {
    this.make();
    return this.left;
  }

  toJSON(): LadderMessage {
    const { seq, at, leg, direction, label, peer, text, cut } = this;
    return cut === undefined
      ? { seq, at, leg, direction, label, peer, text }
      : { seq, at, leg, direction, label, peer, text, cut };
  }
}
