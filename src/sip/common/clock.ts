/**
 * Time as an injected dependency: the dialog layer asks a Clock for timers, so unit tests drive
 * it with a fake clock (test/sip-leg/fake-clock.ts) and never sleep.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** RFC 3261 §17.1.1.1 timer values, in ms. */
export const T1 = 500;
export const T2 = 4000;
export const T4 = 5000;
/** 64·T1: Timer B, F, H, L, M — also how long a UAS waits for the ACK of its 2xx (§13.3.1.4). */
export const TIMER_64T1 = 64 * T1;

/**
 * A set of timers that can all be cancelled at once: a dialog or transaction owns one and
 * cancels it when it terminates, so nothing outlives its owner (idempotent).
 */
export class TimerGroup {
  private readonly live = new Set<TimerHandle>();
  private closed = false;
  constructor(private readonly clock: Clock) {}

  set(fn: () => void, ms: number): TimerHandle {
    if (this.closed) return { cancel: () => undefined };
    const handle: TimerHandle = {
      cancel: () => {
        inner.cancel();
        this.live.delete(handle);
      },
    };
    const inner = this.clock.setTimeout(() => {
      this.live.delete(handle);
      fn();
    }, ms);
    this.live.add(handle);
    return handle;
  }

  get size(): number {
    return this.live.size;
  }

  cancelAll(): void {
    this.closed = true;
    for (const h of [...this.live]) h.cancel();
  }
}
