/**
 * In-dialog OPTIONS probes (docs/policy.md §Dead peers): a confirmed dialog whose peer has gone
 * quiet is asked `OPTIONS` every `intervalMs`; no answer within `timeoutMs`, or an answer that
 * says the dialog is gone (RFC 5057 §5.1), ends it. Any other answer — 200, 405, 501, another
 * 4xx — came from the peer, so it is alive. Anything heard from the peer in the dialog (a request,
 * a response) is as good as a probe and puts the next one off. At most one probe is out at a time.
 * Timers come from the dialog's TimerGroup, so they end with the dialog. Pure timing: the dialog
 * supplies `probe()` and `lost()`; unit tests drive it on a fake clock.
 */
import type { TimerGroup, TimerHandle } from '../common/clock';
import type { SipResponse } from '../message/types';

export interface ProbeTiming {
  /** Quiet time before a probe; 0: no probes. */
  intervalMs: number;
  /** How long a probe waits for its answer (the UDP transaction gives up at 64·T1 = 32 s anyway). */
  timeoutMs: number;
}

export interface ProbeActions {
  probe(): Promise<SipResponse>;
  /** The peer is gone: `status` is the SIP cause (408 for no answer), `text` says what happened. */
  lost(status: number, text: string): void;
}

/**
 * RFC 5057 §5.1: the responses to a request inside a dialog that mean the dialog (or its only
 * usage, the INVITE usage) no longer exists at the peer: 481 and a timeout (408, received or
 * made up locally), and 404, 410, 416, 482, 483, 484, 485, 502, 604, which destroy the dialog.
 * 503 is "transaction only", unless we made it up because no transport reaches the peer.
 */
const DIALOG_GONE = new Set([404, 408, 410, 416, 481, 482, 483, 484, 485, 502, 604]);

/** An answer by which the peer itself says it has no such dialog (a BYE would only get 481). */
export function peerDroppedDialog(status: number): boolean {
  return status !== 408 && DIALOG_GONE.has(status);
}

export function probeVerdict(res: SipResponse, local: boolean): 'alive' | 'gone' {
  if (res.status < 200) return 'alive';
  if (DIALOG_GONE.has(res.status)) return 'gone';
  return local && res.status === 503 ? 'gone' : 'alive';
}

/** The time from the peer's last sign of life to the end of its call, at most (docs/policy.md). */
export function probeBudgetMs(t: ProbeTiming): number {
  return t.intervalMs > 0 ? t.intervalMs + t.timeoutMs : Infinity;
}

export class DialogProbe {
  private handle?: TimerHandle;
  private inFlight = false;
  private stopped = false;

  constructor(
    private readonly timers: TimerGroup,
    private readonly timing: ProbeTiming | undefined,
    private readonly actions: ProbeActions,
    private readonly isLocal: (res: SipResponse) => boolean,
  ) {
    this.arm();
  }

  /** The peer showed it is alive (a request or response in the dialog): the next probe waits. */
  heard(): void {
    if (!this.inFlight) this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.handle?.cancel();
  }

  private arm(): void {
    this.handle?.cancel();
    const t = this.timing;
    if (this.stopped || !t || t.intervalMs <= 0) return;
    this.handle = this.timers.set(() => this.send(t), t.intervalMs);
  }

  private send(t: ProbeTiming): void {
    this.inFlight = true;
    let settled = false;
    const settle = (): boolean => {
      if (settled || this.stopped) return false;
      settled = true;
      this.inFlight = false;
      return true;
    };
    this.handle = this.timers.set(() => {
      if (settle()) this.actions.lost(408, `no answer to in-dialog OPTIONS within ${t.timeoutMs / 1000} s`);
    }, t.timeoutMs);
    this.actions.probe().then(
      (res) => {
        if (!settle()) return;
        if (probeVerdict(res, this.isLocal(res)) === 'gone') {
          this.actions.lost(res.status, `in-dialog OPTIONS answered ${res.status} ${res.reason}`.trim());
        } else this.arm();
      },
      // The dialog ended meanwhile (its request() refuses): nothing to probe.
      () => void settle(),
    );
  }
}
