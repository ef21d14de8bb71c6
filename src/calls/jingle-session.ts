/**
 * The Jingle side of a call: the session lifecycle of XEP-0166 §6.
 *
 * ```
 *            initiate              accept
 *   (none) ──────────▶ pending ──────────▶ active
 *                         │  ▲ info,         │  ▲ info, transport-info,
 *                         │  └ transport-info│  └ description-info
 *                         │ terminate        │ terminate
 *                         ▼                  ▼
 *                       ended ◀──────────────┘
 * ```
 * Anything else (an accept while active, anything after ended) is out of order (XEP-0166 §7.3:
 * `<out-of-order/>`).
 */
import { Machine, type TransitionTable } from '../fsm';

export type JingleState = 'none' | 'pending' | 'active' | 'ended';
export type JingleEvent = 'initiate' | 'accept' | 'info' | 'transport-info' | 'terminate';

export const JINGLE_TABLE: TransitionTable<JingleState, JingleEvent> = {
  none: { initiate: 'pending', terminate: 'ended' },
  pending: { accept: 'active', info: 'pending', 'transport-info': 'pending', terminate: 'ended' },
  active: { info: 'active', 'transport-info': 'active', terminate: 'ended' },
  ended: {},
};

export type JingleSession = Machine<JingleState, JingleEvent>;

export function jingleSession(log?: (m: string, f: string, e: string, t: string) => void): JingleSession {
  return new Machine('jingle', JINGLE_TABLE, 'none', log);
}
