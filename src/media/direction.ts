/**
 * The direction an answer gives each stream of an offer (RFC 3264 §6.1): `sendonly` is answered
 * `recvonly`, `recvonly` `sendonly`, `inactive` `inactive`; `sendrecv` keeps the answerer's own.
 * Used when the anchor answers a SIP peer's new offer (hold, RFC 3264 §8.4) with the Jingle side's
 * last description.
 */
import type { Sdp } from '../sdp/types';

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const ANSWER: Record<Direction, Direction | undefined> = {
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
  sendrecv: undefined,
};

function directionOf(m: { direction?: string }, session?: string): Direction {
  const d = m.direction ?? session ?? 'sendrecv';
  return (d in ANSWER ? d : 'sendrecv') as Direction;
}

export function answerDirections(offer: Sdp, answer: Sdp): Sdp {
  const out = structuredClone(answer);
  out.media.forEach((m, i) => {
    const o = offer.media[i];
    if (!o) return;
    const want = ANSWER[directionOf(o, offer.direction)];
    if (want !== undefined) m.direction = want;
  });
  return out;
}
