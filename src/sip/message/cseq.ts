/** CSeq (RFC 3261 §20.16): `1*DIGIT LWS Method`, the number below 2**32. */
import { InputError } from '../../errors';
import { isDigits, isToken, trimLws } from './grammar';

export interface CSeq {
  seq: number;
  method: string;
}

/** RFC 3261 §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer. */
export const MAX_CSEQ = 2 ** 32 - 1;

export function parseCSeq(value: string, where = 'header CSeq'): CSeq {
  const text = trimLws(value);
  let i = 0;
  while (i < text.length && text[i] !== ' ' && text[i] !== '\t') i++;
  const num = text.slice(0, i);
  const method = trimLws(text.slice(i));
  if (!isDigits(num))
    throw new InputError('sip', where, `sequence number "${num.slice(0, 20)}" is not a number`);
  // Leading zeros are legal (RFC 4475 §3.1.1.1), so strip them before judging the size.
  const digits = num.replace(/^0+(?=\d)/, '');
  if (digits.length > 10 || Number(digits) > MAX_CSEQ) {
    throw new InputError('sip', where, 'sequence number exceeds 2**32-1');
  }
  if (!isToken(method)) throw new InputError('sip', where, 'missing or invalid method');
  return { seq: Number(digits), method };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
