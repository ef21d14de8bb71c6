/**
 * The headers every message that passed {@link validateMessage} carries (RFC 3261 §8.1.1: To,
 * From, CSeq, Call-ID, Max-Forwards, Via), read typed: one place says "checked at the edge", so
 * code above the codec reads them without `as string`. A message built by hand that lacks one
 * is a programming error, reported as an InputError naming the header, never a crash later.
 */
import { InputError } from '../../errors';
import { parseCSeq, type CSeq } from './cseq';
import { header } from './headers';
import type { SipMessage } from './types';

type Msg = Pick<SipMessage, 'headers'>;

/** The value of a header the message must carry (`name` as RFC 3261 spells it). */
export function requiredHeader(msg: Msg, name: string): string {
  const value = header(msg, name);
  if (value === undefined) throw new InputError('sip', `header ${name}`, 'missing');
  return value;
}

export const callIdOf = (msg: Msg): string => requiredHeader(msg, 'Call-ID');
export const fromOf = (msg: Msg): string => requiredHeader(msg, 'From');
export const toOf = (msg: Msg): string => requiredHeader(msg, 'To');
/** The top Via (RFC 3261 §8.1.1.7). */
export const topViaOf = (msg: Msg): string => requiredHeader(msg, 'Via');

/** The CSeq (RFC 3261 §20.16), parsed. */
export function cseqOf(msg: Msg): CSeq {
  return parseCSeq(requiredHeader(msg, 'CSeq'));
}
