/**
 * How many inbound stream connections (TCP, TLS) the transport keeps: a cap in all and one per
 * source address (docs/policy.md §Connections). A connection beyond either is closed at once;
 * refusals are summed and reported at most once per interval, never one log line per connection.
 * Pure bookkeeping: no sockets, the clock is passed in.
 */

export interface ConnectionLimits {
  /** Inbound connections open at once, in all. */
  max: number;
  /** Inbound connections open at once from one source IP address. */
  maxPerSource: number;
  /** A connection with no SIP message sent or received for this long, and no live dialog, is closed. */
  idleMs: number;
  /** A message must be complete (headers and body) within this long of its first byte (slowloris). */
  messageTimeoutMs: number;
}

/** The shipped defaults; docs/policy.md §Connections says why. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  max: 2000,
  maxPerSource: 50,
  idleMs: 60_000,
  messageTimeoutMs: 10_000,
};

export type Cap = 'max' | 'maxPerSource';

export class ConnectionCaps {
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(private readonly limits: Pick<ConnectionLimits, 'max' | 'maxPerSource'>) {}

  /** Counts a new connection from `source`; returns the cap it would pass instead (then not counted). */
  admit(source: string): Cap | undefined {
    if (this.total >= this.limits.max) return 'max';
    const n = this.bySource.get(source) ?? 0;
    if (n >= this.limits.maxPerSource) return 'maxPerSource';
    this.total++;
    this.bySource.set(source, n + 1);
    return undefined;
  }

  /** A counted connection from `source` closed. */
  release(source: string): void {
    const n = this.bySource.get(source);
    if (n === undefined) return;
    this.total--;
    if (n <= 1) this.bySource.delete(source);
    else this.bySource.set(source, n - 1);
  }

  get size(): number {
    return this.total;
  }

  from(source: string): number {
    return this.bySource.get(source) ?? 0;
  }
}

/** What a refusal summary says: how many connections each cap refused since the last summary. */
export interface RefusalSummary {
  max: number;
  maxPerSource: number;
  /** The source of the refusal that triggered this summary. */
  last: string;
}

/** Sums refusals; hands out a summary at most once per `intervalMs`. */
export class RefusalCounter {
  private counts = { max: 0, maxPerSource: 0 };
  private nextAt = -Infinity;

  constructor(private readonly intervalMs = 10_000) {}

  /** Notes one refusal; returns a summary to log when the interval since the last one has passed. */
  refused(cap: Cap, source: string, now: number): RefusalSummary | undefined {
    this.counts[cap]++;
    if (now < this.nextAt) return undefined;
    const summary = { ...this.counts, last: source };
    this.counts = { max: 0, maxPerSource: 0 };
    this.nextAt = now + this.intervalMs;
    return summary;
  }
}
