/**
 * Property: senders ⇄ direction (src/translate/roles.ts) against an independent oracle.
 * XEP-0166 §7.3 senders names session roles; RFC 3264 §5.1/§6 directions are the SDP author's view.
 */
import * as fc from 'fast-check';
import type { Creator, Senders } from '../../src/jingle/types';
import {
  directionToSenders,
  perspectiveOf,
  sendersToDirection,
  type Direction,
} from '../../src/translate/roles';

const SENDERS: (Senders | undefined)[] = [undefined, 'both', 'initiator', 'responder', 'none'];
const AUTHORS: Creator[] = ['initiator', 'responder'];
const DIRECTIONS: Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

const other = (c: Creator): Creator => (c === 'initiator' ? 'responder' : 'initiator');

/** Does role `who` send media under `senders`? */
const sends = (s: Senders | undefined, who: Creator): boolean => s === undefined || s === 'both' || s === who;

/** Direction attribute semantics: does the author send / receive? */
const authorSends = (d: Direction): boolean => d === 'sendrecv' || d === 'sendonly';
const authorReceives = (d: Direction): boolean => d === 'sendrecv' || d === 'recvonly';

describe('property: senders ⇄ direction by author (roles.ts)', () => {
  it('sendersToDirection says exactly who sends, from the author’s point of view', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SENDERS), fc.constantFrom(...AUTHORS), (s, author) => {
        const d = sendersToDirection(s, author);
        expect(authorSends(d)).toBe(sends(s, author));
        expect(authorReceives(d)).toBe(sends(s, other(author)));
      }),
    );
  });

  it('directionToSenders inverts it (absent senders ⇄ both)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SENDERS), fc.constantFrom(...AUTHORS), (s, author) => {
        expect(directionToSenders(sendersToDirection(s, author), author)).toBe(s ?? 'both');
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...DIRECTIONS), fc.constantFrom(...AUTHORS), (d, author) => {
        const s = directionToSenders(d, author);
        expect(sends(s, author)).toBe(authorSends(d));
        expect(sends(s, other(author))).toBe(authorReceives(d));
        expect(sendersToDirection(s, author)).toBe(d);
      }),
    );
    expect(directionToSenders(undefined, 'initiator')).toBe('both');
    expect(directionToSenders(undefined, 'responder')).toBe('both');
  });

  it('the same senders flips sendonly ⇄ recvonly between offer (initiator) and answer (responder)', () => {
    const flip: Record<Direction, Direction> = {
      sendrecv: 'sendrecv',
      inactive: 'inactive',
      sendonly: 'recvonly',
      recvonly: 'sendonly',
    };
    fc.assert(
      fc.property(fc.constantFrom(...SENDERS), (s) => {
        const offer = sendersToDirection(s, perspectiveOf('session-initiate').author);
        const answer = sendersToDirection(s, perspectiveOf('session-accept').author);
        expect(answer).toBe(flip[offer]);
      }),
    );
    expect(sendersToDirection('initiator', 'initiator')).toBe('sendonly');
    expect(sendersToDirection('initiator', 'responder')).toBe('recvonly');
  });

  it('perspectiveOf: offers are the initiator’s, accepts the responder’s answer', () => {
    expect(perspectiveOf('session-initiate')).toEqual({ author: 'initiator', type: 'offer' });
    expect(perspectiveOf('content-add')).toEqual({ author: 'initiator', type: 'offer' });
    expect(perspectiveOf('session-accept')).toEqual({ author: 'responder', type: 'answer' });
    expect(perspectiveOf('content-accept')).toEqual({ author: 'responder', type: 'answer' });
  });
});
