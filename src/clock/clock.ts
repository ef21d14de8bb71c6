/**
 * Time as an injected dependency, for every timer of the gateway (docs/architecture.md §Clock):
 * the SIP dialogs and transactions, the XMPP component connection (attempt timeout, reconnect
 * backoff, keepalive, IQ timeouts) and the JMI proposals' expiry ask a Clock, so unit tests
 * drive them with a fake clock (test/support/fake-clock.ts) and never sleep.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

/** The real clock. Its timers do not keep the process alive (unref): a stopped leg lets Node exit. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * A set of timers that can all be cancelled at once: a dialog, a transaction or a connection
 * owns one and cancels it when it terminates, so nothing outlives its owner (idempotent).
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

/** `fn` every `ms` on `clock` until the handle is cancelled (a repeating timer from one-shot ones). */
export function every(clock: Clock, ms: number, fn: () => void): TimerHandle {
  let current: TimerHandle | undefined;
  let stopped = false;
  const arm = (): void => {
    current = clock.setTimeout(() => {
      if (stopped) return;
      arm();
      fn();
    }, ms);
  };
  arm();
  return {
    cancel: () => {
      stopped = true;
      current?.cancel();
    },
  };
}
