/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): the 2xx to an INVITE is resent at T1,
 * then doubling up to T2, until the ACK comes; if none comes within 64·T1 the dialog is ended with
 * a BYE (done by the caller in `onTimeout`). Driven by an injected {@link Clock}.
 */
import { TimerGroup, TIMER_64T1, T1, T2, type Clock } from '../common/clock';

export class Retransmit2xx {
  private readonly timers: TimerGroup;
  private stopped = false;
  /** When each retransmission was sent (clock time), for logs and tests. */
  readonly sentAt: number[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly resend: () => void,
    private readonly onTimeout: () => void,
    private readonly t1 = T1,
    private readonly t2 = T2,
    private readonly giveUpAfter = TIMER_64T1,
  ) {
    this.timers = new TimerGroup(clock);
  }

  /** Call right after the first 2xx went out. */
  start(): void {
    const step = (interval: number): void => {
      this.timers.set(() => {
        if (this.stopped) return;
        this.sentAt.push(this.clock.now());
        this.resend();
        step(Math.min(interval * 2, this.t2));
      }, interval);
    };
    step(this.t1);
    this.timers.set(() => {
      if (this.stopped) return;
      this.stop();
      this.onTimeout();
    }, this.giveUpAfter);
  }

  /** Still retransmitting: neither stopped (ACK, dialog end) nor timed out. */
  get running(): boolean {
    return !this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.timers.cancelAll();
  }
}
