/**
 * Reason header (RFC 3326 §2):
 *
 *     Reason = "Reason" HCOLON reason-value *(COMMA reason-value)
 *     reason-value = protocol *(SEMI reason-params)
 *     protocol = "SIP" / "Q.850" / token
 *     reason-params = protocol-cause / reason-text / reason-extension
 *     protocol-cause = "cause" EQUAL cause (1*DIGIT);  reason-text = "text" EQUAL quoted-string
 *
 * e.g. `Reason: SIP ;cause=486 ;text="Busy Here", Q.850 ;cause=17`.
 *
 * The project's one Reason codec: src/translate/reason.ts maps its values to Jingle conditions.
 * Limits: a cause is at most {@link MAX_CAUSE_DIGITS} digits (SIP codes have 3, Q.850 causes are
 * 1–127); a text needs a value; every parameter once. Written text has its line breaks folded to
 * spaces, so a reason phrase can never end the header.
 */
import { InputError } from '../../errors';
import { isDigits, isToken, quoteString, splitHeaderValues, trimLws } from './grammar';
import { parseParams, unquoteParam } from './params';

export interface ReasonValue {
  /** `SIP`, `Q.850`, or another token, as written. */
  protocol: string;
  cause?: number;
  /** The unquoted text. */
  text?: string;
  /** Other parameters (names lower-cased, quoted values kept quoted). */
  params: Record<string, string | true>;
}

/** A cause longer than this is no SIP status or Q.850 cause (RFC 3326 §2: `1*DIGIT`). */
export const MAX_CAUSE_DIGITS = 5;

export function parseReasonValue(value: string, where = 'header Reason'): ReasonValue {
  const text = trimLws(value);
  const semi = text.indexOf(';');
  const protocol = trimLws(semi < 0 ? text : text.slice(0, semi));
  if (!isToken(protocol)) throw new InputError('sip', where, `invalid protocol "${protocol.slice(0, 20)}"`);
  const params = parseParams(semi < 0 ? '' : text.slice(semi), where);
  const out: ReasonValue = { protocol, params: {} };
  for (const [k, v] of Object.entries(params)) {
    if (k === 'cause') {
      if (v === true || !isDigits(v) || v.length > MAX_CAUSE_DIGITS)
        throw new InputError('sip', where, `cause must be 1–${MAX_CAUSE_DIGITS} digits`);
      out.cause = Number(v);
    } else if (k === 'text') {
      if (v === true) throw new InputError('sip', where, 'text needs a value');
      out.text = unquoteParam(v, where);
    } else out.params[k] = v;
  }
  return out;
}

/** Parses a Reason header value that may list several reasons (one per protocol). */
export function parseReasonHeader(value: string, where = 'header Reason'): ReasonValue[] {
  const parts = splitHeaderValues(value);
  if (parts.some((p) => p === '')) throw new InputError('sip', where, 'empty reason value');
  return parts.map((p) => parseReasonValue(p, where));
}

/** Throws on a value that would not parse back (a bad protocol or cause). */
export function formatReasonValue(r: ReasonValue, where = 'Reason header'): string {
  if (!isToken(r.protocol))
    throw new InputError('sip', where, `invalid protocol "${r.protocol.slice(0, 20)}"`);
  let out = r.protocol;
  if (r.cause !== undefined) {
    if (!Number.isInteger(r.cause) || r.cause < 0 || String(r.cause).length > MAX_CAUSE_DIGITS)
      throw new InputError('sip', where, `bad cause ${r.cause}`);
    out += `;cause=${r.cause}`;
  }
  // RFC 3261 §25.1: a quoted-string holds no bare CR or LF; folded, a text cannot end the header.
  if (r.text !== undefined) out += `;text=${quoteString(r.text.replace(/[\r\n]+/g, ' '))}`;
  for (const [k, v] of Object.entries(r.params)) out += v === true ? `;${k}` : `;${k}=${v}`;
  return out;
}

export function formatReasonHeader(values: ReasonValue | readonly ReasonValue[]): string {
  const list = Array.isArray(values) ? values : [values as ReasonValue];
  return list.map((r) => formatReasonValue(r)).join(', ');
}
