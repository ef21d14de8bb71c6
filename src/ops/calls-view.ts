/**
 * `GET /calls` (docs/operations.md §Calls): the live calls as JSON — ids, direction, parties,
 * the state of each of the call's three machines (Jingle session XEP-0166 §6, SIP INVITE dialog
 * RFC 3261 §12, offer/answer RFC 3264) and the age. Pure: the calls and the clock are handed in.
 */
import type { Call } from '../calls/call';
import type { CallDirection, CallInfo } from '../gateway/observer';

export interface CallView {
  sid: string;
  callId: string;
  direction: CallDirection;
  from: string;
  to: string;
  /** ISO time it started, and seconds since. */
  startedAt: string;
  ageSeconds: number;
  answered: boolean;
  states: { jingle: string; sip: string; offerAnswer: string };
}

/** What the view knows of a call beyond its machines (from the observer seam). */
export interface CallFacts {
  info: CallInfo;
  answeredAt?: number;
}

export function callsView(
  calls: readonly Call[],
  facts: (sid: string) => CallFacts | undefined,
  now: number,
): CallView[] {
  return calls
    .map((c) => {
      const f = facts(c.sid);
      const at = f?.info.at ?? now;
      return {
        sid: c.sid,
        callId: c.callId,
        direction: f?.info.direction ?? (c.origin === 'xmpp' ? 'xmpp-to-sip' : 'sip-to-xmpp'),
        from: f?.info.from ?? '',
        to: f?.info.to ?? '',
        startedAt: new Date(at).toISOString(),
        ageSeconds: Math.max(0, Math.round((now - at) / 100) / 10),
        answered: f?.answeredAt !== undefined,
        states: { jingle: c.jingle.state, sip: c.dialog.state, offerAnswer: c.offerAnswer.state },
      } satisfies CallView;
    })
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
