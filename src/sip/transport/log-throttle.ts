/**
 * Log lines about what unauthenticated peers send (malformed messages, refused INVITEs), at most
 * one per source per interval, so that a flood of bad datagrams cannot become a flood of log
 * lines (log amplification; docs/policy.md §Hostile and unusual SIP). The first event from a
 * source is logged at once; later ones within the interval are counted, and the count since the
 * last line goes out with the source's next line, or when the interval ends.
 *
 * Memory is bounded: at most `maxSources` sources are tracked at a time, the rest share one
 * `other sources` entry; a source that stays quiet for an interval is forgotten.
 */
import { systemClock, type Clock, type TimerHandle } from '../common/clock';

export interface ThrottleOptions {
  /** Gets the source, how many events since its last line, and the latest event's details. */
  log: (source: string, count: number, latest: Record<string, unknown>) => void;
  clock?: Clock;
  /** Default 10 s. */
  intervalMs?: number;
  /** Default 1000. */
  maxSources?: number;
}

export const OTHER_SOURCES = 'other sources';

interface Entry {
  /** When its last line went out. */
  logged: number;
  /** Events since then. */
  count: number;
  latest: Record<string, unknown>;
}

export class LogThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly maxSources: number;
  private timer?: TimerHandle;

  constructor(private readonly o: ThrottleOptions) {
    this.clock = o.clock ?? systemClock;
    this.intervalMs = o.intervalMs ?? 10_000;
    this.maxSources = o.maxSources ?? 1000;
  }

  /** Counts one event from `source`; logs it now unless this source was logged within the interval. */
  hit(source: string, latest: Record<string, unknown>): void {
    const now = this.clock.now();
    let key = source;
    let e = this.entries.get(key);
    if (e === undefined && this.entries.size >= this.maxSources) {
      key = OTHER_SOURCES;
      e = this.entries.get(key);
    }
    if (e === undefined) {
      this.entries.set(key, { logged: now, count: 0, latest });
      this.o.log(key, 1, latest);
      this.arm();
      return;
    }
    e.latest = latest;
    if (now - e.logged >= this.intervalMs) {
      this.o.log(key, e.count + 1, latest);
      e.logged = now;
      e.count = 0;
      return;
    }
    e.count++;
  }

  /** How many sources are tracked (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Cancels the flush timer; counts not yet logged are dropped. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.entries.clear();
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  /** Each interval: the counts still owed are logged; sources quiet for a whole interval are forgotten. */
  private flush(): void {
    const now = this.clock.now();
    for (const [key, e] of this.entries) {
      if (now - e.logged < this.intervalMs) continue;
      if (e.count > 0) {
        this.o.log(key, e.count, e.latest);
        e.logged = now;
        e.count = 0;
      } else {
        this.entries.delete(key);
      }
    }
    if (this.entries.size > 0) this.arm();
  }
}
