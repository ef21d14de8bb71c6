/**
 * The INVITE dialog state machines of the SIP leg (RFC 3261 §12–§15), as data.
 *
 * UAC (one per outgoing INVITE, {@link ClientInvite}):
 *
 *     calling --1xx(100)--> proceeding --1xx+tag--> early
 *        |  \______________________|__________________|--2xx--> confirmed --bye--> terminated
 *        |                         |                  |
 *        +--cancel--> cancelling (CANCEL sent once a 1xx came, §9.1) --2xx--> confirmed (ACK+BYE)
 *        +--final>=300 / timeout / transport error (408/503) -----------------------> terminated
 *
 * UAS (one per incoming INVITE, {@link ServerInvite}):
 *
 *     proceeding --180/183--> early --2xx--> accepted --ACK--> confirmed --bye--> terminated
 *        |                      |               +--no ACK in 64·T1 (BYE sent)--> terminated
 *        +--reject / CANCEL(487)+-----------------------------------------------> terminated
 *
 * Offer/answer inside a confirmed dialog is its own machine (RFC 3261 §14, RFC 6337), which
 * gives glare: a re-INVITE or UPDATE received while ours is pending gets 491 (§14.2).
 *
 *     idle --send--> local-pending --final--> idle
 *     idle --receive--> remote-pending --answered--> idle
 */
import type { TransitionTable } from '../../fsm';

export type UacState = 'calling' | 'proceeding' | 'early' | 'cancelling' | 'confirmed' | 'terminated';
export type UacEvent = 'trying' | 'ringing' | 'cancel' | 'accepted' | 'failed' | 'bye';

export const UAC_TABLE: TransitionTable<UacState, UacEvent> = {
  calling: {
    trying: 'proceeding',
    ringing: 'early',
    cancel: 'cancelling',
    accepted: 'confirmed',
    failed: 'terminated',
  },
  proceeding: {
    trying: 'proceeding',
    ringing: 'early',
    cancel: 'cancelling',
    accepted: 'confirmed',
    failed: 'terminated',
  },
  early: {
    trying: 'early',
    ringing: 'early',
    cancel: 'cancelling',
    accepted: 'confirmed',
    failed: 'terminated',
  },
  // §9.1: the INVITE still ends with a final response: 487 normally, 2xx when the 200 crossed.
  cancelling: {
    trying: 'cancelling',
    ringing: 'cancelling',
    cancel: 'cancelling',
    accepted: 'terminated',
    failed: 'terminated',
  },
  confirmed: { accepted: 'confirmed', bye: 'terminated' },
  terminated: {},
};

export type UasState = 'proceeding' | 'early' | 'accepted' | 'confirmed' | 'terminated';
export type UasEvent = 'provisional' | 'accept' | 'reject' | 'cancel' | 'ack' | 'ack-timeout' | 'bye';
/**
 * What a UAS transition asks for: `487` the INVITE's final response after a CANCEL (§9.2);
 * `bye` a BYE in the dialog (§13.3.1.4: no ACK came); `tell-*` the owner's event.
 */
export type UasEffect = '487' | 'bye' | 'tell-cancel' | 'tell-ack' | 'tell-ack-timeout';

/** §9.2: a CANCEL before the final response: 487 to the INVITE, and the owner hears it. */
const CANCELLED = { next: 'terminated', effects: ['487', 'tell-cancel'] } as const;

export const UAS_TABLE: TransitionTable<UasState, UasEvent, UasEffect> = {
  proceeding: { provisional: 'early', accept: 'accepted', reject: 'terminated', cancel: CANCELLED },
  early: { provisional: 'early', accept: 'accepted', reject: 'terminated', cancel: CANCELLED },
  // §15: a BYE may arrive before the ACK; the dialog then ends. §9.2: a CANCEL after the 2xx
  // has no effect.
  accepted: {
    ack: { next: 'confirmed', effects: ['tell-ack'] },
    'ack-timeout': { next: 'terminated', effects: ['tell-ack-timeout', 'bye'] },
    bye: 'terminated',
    cancel: 'accepted',
  },
  confirmed: { ack: 'confirmed', bye: 'terminated' },
  terminated: {},
};

export type OfferState = 'idle' | 'local-pending' | 'remote-pending';
export type OfferEvent = 'send' | 'sent-final' | 'receive' | 'answered';

export const OFFER_TABLE: TransitionTable<OfferState, OfferEvent> = {
  idle: { send: 'local-pending', receive: 'remote-pending' },
  'local-pending': { 'sent-final': 'idle' },
  'remote-pending': { answered: 'idle' },
};

export type DialogState = 'confirmed' | 'terminated';
export type DialogEvent = 'bye-sent' | 'bye-received' | 'terminate';
/** `200` the answer to the peer's BYE (§15.1.2); `tell-bye` the owner's event. */
export type DialogEffect = '200' | 'tell-bye';

export const DIALOG_TABLE: TransitionTable<DialogState, DialogEvent, DialogEffect> = {
  confirmed: {
    'bye-sent': 'terminated',
    'bye-received': { next: 'terminated', effects: ['200', 'tell-bye'] },
    terminate: 'terminated',
  },
  terminated: {},
};
