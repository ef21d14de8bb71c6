/**
 * XEP-0199 keepalive: every `intervalMs` on the injected clock one ping, never two at once.
 * What a ping is and what its silence means is the connection's (./component); this is the
 * timer and the one-at-a-time rule.
 */
import type { Clock, TimerHandle } from '../../clock';

export class Keepalive {
  private timer: TimerHandle | undefined;
  private outstanding = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly ping: () => Promise<void>,
  ) {}

  /** (Re)starts the ticks; `intervalMs <= 0`: no keepalive. */
  start(): void {
    this.stop();
    if (this.intervalMs <= 0) return;
    const tick = (): void => {
      this.timer = this.clock.setTimeout(() => {
        tick();
        void this.once();
      }, this.intervalMs);
    };
    tick();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.outstanding = false;
  }

  private async once(): Promise<void> {
    if (this.outstanding) return;
    this.outstanding = true;
    try {
      await this.ping();
    } finally {
      this.outstanding = false;
    }
  }
}
