/**
 * How long a vanished peer can keep a call up, from the configuration (docs/policy.md §Dead
 * peers). Pure arithmetic, so a test can hold the shipped defaults to the 90 s promise without
 * waiting 90 s.
 */
import type { GatewayConfig } from '../config/config';
import { TIMER_64T1 } from '../sip/common/clock';

export interface DeadPeerBudget {
  /**
   * SIP signalling: quiet for the probe interval, then the probe waits its timeout (never more
   * than the transaction's own 64·T1). Infinity when probes are off.
   */
  sipSeconds: number;
  /**
   * Anchored media: the last growing packet count is seen up to one check after the media
   * stopped, the silence runs from there, and is noticed at the first check after it.
   * Infinity when checks are off or nothing is anchored.
   */
  mediaSeconds: number;
  /**
   * RFC 4028 alone: as refresher, SE/2 plus a refresh that times out; otherwise the BYE at
   * SE − min(32, SE/3) (§10). Infinity without a session timer.
   */
  sessionTimerSeconds: number;
}

export function deadPeerBudget(c: GatewayConfig): DeadPeerBudget {
  const k = c.sip.keepalive;
  const sipSeconds =
    k.intervalSeconds > 0 ? k.intervalSeconds + Math.min(k.timeoutSeconds, TIMER_64T1 / 1000) : Infinity;
  const m = c.media;
  const mediaSeconds =
    m.rtpengine !== undefined && m.checkSeconds > 0 ? m.silenceSeconds + 2 * m.checkSeconds : Infinity;
  const se = c.sip.sessionExpires ?? 0;
  const sessionTimerSeconds =
    se > 0 ? Math.max(se / 2 + TIMER_64T1 / 1000, se - Math.min(32, se / 3)) : Infinity;
  return { sipSeconds, mediaSeconds, sessionTimerSeconds };
}
