/**
 * The SIP side of a call: the INVITE dialog of RFC 3261 §12–§13, seen from the gateway.
 *
 * ```
 *            invite          100            18x (to-tag)        2xx
 *   (none) ────────▶ calling ───▶ proceeding ──────────▶ early ──────▶ confirmed
 *                       │            │                    │               │
 *                       │ 3xx–6xx, cancel, timeout        │               │ bye
 *                       └────────────┴────────────────────┴──────────▶ terminated ◀┘
 * ```
 * For a SIP-originated call the same states are walked as UAS: `calling` once the INVITE
 * arrived, `early` after our 18x, `confirmed` after our 2xx is ACKed.
 */
import { Machine, type TransitionTable } from '../fsm';

export type DialogState = 'none' | 'calling' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
export type DialogEvent = 'invite' | 'trying' | 'ringing' | 'answered' | 'failed' | 'cancel' | 'bye';

export const DIALOG_TABLE: TransitionTable<DialogState, DialogEvent> = {
  none: { invite: 'calling', cancel: 'terminated', failed: 'terminated' },
  calling: {
    trying: 'proceeding',
    ringing: 'early',
    answered: 'confirmed',
    failed: 'terminated',
    cancel: 'terminated',
  },
  proceeding: {
    trying: 'proceeding',
    ringing: 'early',
    answered: 'confirmed',
    failed: 'terminated',
    cancel: 'terminated',
  },
  early: { ringing: 'early', answered: 'confirmed', failed: 'terminated', cancel: 'terminated' },
  // RFC 3261 §9.1: a CANCEL after the 2xx has no effect on the dialog; the BYE ends it.
  confirmed: { bye: 'terminated', failed: 'terminated', answered: 'confirmed', cancel: 'confirmed' },
  terminated: {},
};

export type SipDialog = Machine<DialogState, DialogEvent>;

export function sipDialog(log?: (m: string, f: string, e: string, t: string) => void): SipDialog {
  return new Machine('sip', DIALOG_TABLE, 'none', log);
}

/** Early: no final answer yet, so the way out is CANCEL (UAC) or a final response (UAS). */
export function isEarly(s: DialogState): boolean {
  return s === 'calling' || s === 'proceeding' || s === 'early';
}
