/**
 * Call limits (docs/policy.md §Limits): live calls at once (in all and per key: an XMPP user's
 * bare JID, a SIP source address) and new calls per second (token buckets, a burst of twice the
 * rate). Pure: the clock is injected. Over a limit the call is refused at once, never queued.
 */
import type { LimitsConfig } from '../config/config';

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until a token is there again. */
  wait(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }

  full(now: number): boolean {
    return this.tokens + ((now - this.at) / 1000) * this.rate >= this.burst;
  }
}

export type Refusal = { why: string; retryAfter: number };

export class CallLimits {
  private live = 0;
  private readonly liveBy = new Map<string, number>();
  private all: TokenBucket;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private cfg: LimitsConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.all = new TokenBucket(cfg.attemptsPerSecond, 2 * cfg.attemptsPerSecond, now());
  }

  /**
   * New limits (a reload): live calls stay counted against them; the rate buckets start again,
   * full, at the new rates.
   */
  reconfigure(cfg: LimitsConfig): void {
    this.cfg = cfg;
    this.all = new TokenBucket(cfg.attemptsPerSecond, 2 * cfg.attemptsPerSecond, this.now());
    this.buckets.clear();
  }

  /**
   * A new call from `key` (`user:<bare JID>` or `source:<address>`); undefined when admitted,
   * which counts it as live until `ended(key)`.
   */
  admit(key: string): Refusal | undefined {
    const t = this.now();
    const user = key.startsWith('user:');
    const perKey = user ? this.cfg.callsPerUser : this.cfg.callsPerSource;
    const rate = user ? this.cfg.attemptsPerSecondPerUser : this.cfg.attemptsPerSecondPerSource;
    if (this.live >= this.cfg.calls)
      return { why: `${this.cfg.calls} calls are up (limits.calls)`, retryAfter: 5 };
    if ((this.liveBy.get(key) ?? 0) >= perKey) {
      const name = user ? 'limits.callsPerUser' : 'limits.callsPerSource';
      return { why: `${perKey} calls of ${key.slice(key.indexOf(':') + 1)} are up (${name})`, retryAfter: 5 };
    }
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.sweep(t);
      bucket = new TokenBucket(rate, 2 * rate, t);
      this.buckets.set(key, bucket);
    }
    if (!bucket.take(t)) {
      const name = user ? 'limits.attemptsPerSecondPerUser' : 'limits.attemptsPerSecondPerSource';
      return { why: `more than ${rate} new calls per second (${name})`, retryAfter: bucket.wait() };
    }
    if (!this.all.take(t)) {
      return {
        why: `more than ${this.cfg.attemptsPerSecond} new calls per second (limits.attemptsPerSecond)`,
        retryAfter: this.all.wait(),
      };
    }
    this.live += 1;
    this.liveBy.set(key, (this.liveBy.get(key) ?? 0) + 1);
    return undefined;
  }

  ended(key: string): void {
    const n = this.liveBy.get(key) ?? 0;
    if (n <= 0) return;
    this.live -= 1;
    if (n === 1) this.liveBy.delete(key);
    else this.liveBy.set(key, n - 1);
  }

  get calls(): number {
    return this.live;
  }

  /** Buckets that are full again hold nothing worth keeping (bounded memory under floods). */
  private sweep(t: number): void {
    if (this.buckets.size < 10_000) return;
    for (const [k, b] of this.buckets) if (b.full(t) && !this.liveBy.has(k)) this.buckets.delete(k);
  }
}
