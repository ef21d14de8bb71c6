/**
 * RFC 4028 §10 in a dialog: the refresher refreshes (UPDATE or re-INVITE) at half the session
 * interval; the other side, without a refresh, ends the call with BYE at SE − min(32, SE/3).
 * Every 2xx to a refresh (either way) re-arms it. Timers come from the dialog's TimerGroup, so they
 * end with the dialog.
 */
import type { TimerGroup, TimerHandle } from '../common/clock';
import type { SessionTimer } from './session-timer';
import type { SipHeader, SipResponse } from '../message/types';

/** How soon a refused refresh (offer pending, 491) is tried again. */
export const REFRESH_RETRY_MS = 2000;

export interface RefresherActions {
  refresh(): Promise<SipResponse>;
  /** End the call: `status` the SIP cause, `expired` when the peer let the session expire. */
  end(status: number, text: string, expired: boolean): void;
}

export class SessionRefresher {
  private handle?: TimerHandle;

  constructor(
    private readonly timers: TimerGroup,
    private readonly role: 'uac' | 'uas',
    private timer: SessionTimer | undefined,
    private readonly actions: RefresherActions,
  ) {
    this.arm();
  }

  headers(): SipHeader[] {
    const t = this.timer;
    return t ? [{ name: 'Session-Expires', value: `${t.interval};refresher=${t.refresher}` }] : [];
  }

  /** A refresh succeeded; `se` is its Session-Expires, if any. */
  refreshed(se: { interval: number; refresher?: 'uac' | 'uas' } | undefined): void {
    if (se) this.timer = { interval: se.interval, refresher: se.refresher ?? this.timer?.refresher ?? 'uac' };
    this.arm();
  }

  private arm(): void {
    this.handle?.cancel();
    const t = this.timer;
    if (!t) return;
    if (t.refresher === this.role) {
      // After a refusal (an offer of ours or theirs pending, or 491 twice) retry every
      // REFRESH_RETRY_MS until the peer's expiry would come near: SE − min(32, SE/3), RFC 4028 §10.
      const budget = (t.interval - Math.min(32, t.interval / 3) - t.interval / 2) * 1000;
      this.handle = this.timers.set(() => this.refresh(budget), (t.interval * 1000) / 2);
    } else {
      const grace = Math.min(32, t.interval / 3);
      this.handle = this.timers.set(
        () => this.actions.end(408, `session expired: no refresh within ${t.interval} s (RFC 4028)`, true),
        (t.interval - grace) * 1000,
      );
    }
  }

  private refresh(budget: number): void {
    const retry = (): void => {
      if (budget < REFRESH_RETRY_MS)
        return this.actions.end(408, 'session refresh failed: offer pending', false);
      this.handle?.cancel();
      this.handle = this.timers.set(() => this.refresh(budget - REFRESH_RETRY_MS), REFRESH_RETRY_MS);
    };
    this.actions.refresh().then(
      (res) => {
        if (res.status === 491) retry();
        else if (res.status >= 300)
          this.actions.end(res.status, `session refresh failed: ${res.status}`, false);
      },
      // The offer/answer machine was busy (RFC 3311 §5.1, RFC 3261 §14.1): try again shortly.
      () => retry(),
    );
  }
}
