/**
 * Offer/answer (RFC 3264, RFC 6337 §2), kept apart from both session machines: a re-INVITE or
 * a content-add can start a new exchange while the call state stays `active`/`confirmed`.
 *
 * ```
 *            local-offer              remote-answer
 *   stable ─────────────▶ have-local ──────────────▶ stable
 *      │     remote-offer              local-answer
 *      └─────────────────▶ have-remote ─────────────▶ stable
 * ```
 * `rejected`: the offer was refused (a 488 to our INVITE, RFC 3264 §6): back to stable, so a
 * new offer can go out.
 * A second offer while one is outstanding is glare: SIP answers 491 (RFC 3261 §14.2), Jingle
 * `tie-break` (XEP-0166 §7.2).
 */
import { Machine, type TransitionTable } from '../fsm';

export type OfferAnswerState = 'stable' | 'have-local' | 'have-remote';
export type OfferAnswerEvent = 'local-offer' | 'remote-offer' | 'local-answer' | 'remote-answer' | 'rejected';

export const OFFER_ANSWER_TABLE: TransitionTable<OfferAnswerState, OfferAnswerEvent> = {
  stable: { 'local-offer': 'have-local', 'remote-offer': 'have-remote' },
  'have-local': { 'remote-answer': 'stable', rejected: 'stable' },
  'have-remote': { 'local-answer': 'stable', rejected: 'stable' },
};

export type OfferAnswer = Machine<OfferAnswerState, OfferAnswerEvent>;

export function offerAnswer(log?: (m: string, f: string, e: string, t: string) => void): OfferAnswer {
  return new Machine('offer-answer', OFFER_ANSWER_TABLE, 'stable', log);
}
