/**
 * Who wrote a description, and what that does to `senders` ⇄ direction.
 *
 * Jingle's `senders` names session roles (XEP-0166 §7.3: initiator, responder); SDP's direction
 * attributes are relative to the author of the SDP (RFC 3264 §5.1, §6). So `senders='initiator'`
 * is `a=sendonly` in the initiator's offer but `a=recvonly` in the responder's answer.
 */
import type { Creator, JingleAction, Senders } from '../jingle/types';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type SdpType = 'offer' | 'answer';

/** The point of view a translation takes: who wrote the description, and whether it is an offer. */
export interface Perspective {
  /** The Jingle session role of the description's author. */
  author: Creator;
  type: SdpType;
}

export function sendersToDirection(senders: Senders | undefined, author: Creator): Direction {
  switch (senders ?? 'both') {
    case 'both':
      return 'sendrecv';
    case 'none':
      return 'inactive';
    case 'initiator':
      return author === 'initiator' ? 'sendonly' : 'recvonly';
    case 'responder':
      return author === 'responder' ? 'sendonly' : 'recvonly';
  }
}

export function directionToSenders(direction: Direction | undefined, author: Creator): Senders {
  const other: Creator = author === 'initiator' ? 'responder' : 'initiator';
  switch (direction ?? 'sendrecv') {
    case 'sendrecv':
      return 'both';
    case 'inactive':
      return 'none';
    case 'sendonly':
      return author;
    case 'recvonly':
      return other;
  }
}

/**
 * The perspective an action implies (XEP-0166 §6): session-initiate and content-add carry the
 * author's offer; session-accept and content-accept the responder's answer.
 */
export function perspectiveOf(action: JingleAction): Perspective {
  switch (action) {
    case 'session-accept':
    case 'content-accept':
    case 'transport-accept':
      return { author: 'responder', type: 'answer' };
    default:
      return { author: 'initiator', type: 'offer' };
  }
}
