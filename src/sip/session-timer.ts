/**
 * Session timers (RFC 4028): parsing Session-Expires / Min-SE and the UAS's choice of interval
 * and refresher for a dialog-creating or refreshing request. Pure.
 */
import { header, headers } from './headers';
import type { SipRequest } from './types';

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
 * ours; the UAC's `Supported: timer` allows refresher=uac, otherwise we refresh.
 */
export function uasSessionTimer(req: SipRequest, minSe = MIN_SE): UasTimerDecision {
  const se = parseSessionExpires(header(req, 'session-expires'));
  if (se === undefined) return { kind: 'none' };
  if (se.interval < minSe) return { kind: 'too-small', minSe };
  const uacSupports = headers(req, 'supported').some((t) => t.trim().toLowerCase() === 'timer');
  const refresher = se.refresher ?? (uacSupports ? 'uac' : 'uas');
  return { kind: 'use', timer: { interval: se.interval, refresher }, require: uacSupports };
}
