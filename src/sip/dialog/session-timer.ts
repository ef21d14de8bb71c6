/**
 * Session timers (RFC 4028): parsing Session-Expires / Min-SE and the UAS's choice of interval
 * and refresher for a dialog-creating or refreshing request. Pure.
 */
import { header, headers } from '../message/headers';
import type { SipRequest } from '../message/types';

export interface SessionTimer {
  /** Seconds. */
  interval: number;
  refresher: 'uac' | 'uas';
}

/** RFC 4028 §4: Min-SE must not be below 90 s. */
export const MIN_SE = 90;

export function parseSessionExpires(
  value: string | undefined,
): { interval: number; refresher?: 'uac' | 'uas' } | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*([0-9]{1,9})\s*((?:;[^;]*)*)$/.exec(value);
  if (!m) return undefined;
  const r = /;\s*refresher\s*=\s*(uac|uas)\s*(?:;|$)/i.exec(m[2]);
  return { interval: Number(m[1]), refresher: r ? (r[1].toLowerCase() as 'uac' | 'uas') : undefined };
}

export type UasTimerDecision =
  | { kind: 'none' }
  | { kind: 'use'; timer: SessionTimer; require: boolean }
  | { kind: 'too-small'; minSe: number };

/**
 * RFC 4028 §9: what the UAS answers to a request carrying (or not) Session-Expires. `minSe` is
 * ours; `wanted` is the interval we would like (0: none of our own). The UAC's `Supported: timer`
 * allows refresher=uac, otherwise we refresh.
 * - Session-Expires below our Min-SE: 422.
 * - Session-Expires above `wanted`: §9 lets the UAS reduce it, never below the request's Min-SE
 *   (nor ours), so that a dead peer is noticed sooner.
 * - No Session-Expires but `Supported: timer`: §9 lets the UAS ask for one in the 2xx; we do, with
 *   `wanted`, and refresh ourselves (refresher=uas), so the check of the peer is in our hands.
 */
export function uasSessionTimer(req: SipRequest, minSe = MIN_SE, wanted = 0): UasTimerDecision {
  const se = parseSessionExpires(header(req, 'session-expires'));
  const uacSupports = headers(req, 'supported').some((t) => t.trim().toLowerCase() === 'timer');
  const theirMinSe = Number(header(req, 'min-se')?.split(';')[0]);
  const floor = Math.max(minSe, Number.isInteger(theirMinSe) ? theirMinSe : 0);
  if (se === undefined) {
    if (!uacSupports || wanted <= 0) return { kind: 'none' };
    return { kind: 'use', timer: { interval: Math.max(wanted, floor), refresher: 'uas' }, require: true };
  }
  if (se.interval < minSe) return { kind: 'too-small', minSe };
  const interval =
    wanted > 0 && wanted < se.interval ? Math.min(se.interval, Math.max(wanted, floor)) : se.interval;
  const refresher = se.refresher ?? (uacSupports ? 'uac' : 'uas');
  return { kind: 'use', timer: { interval, refresher }, require: uacSupports };
}
