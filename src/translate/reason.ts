/**
 * Jingle `<reason>` conditions (XEP-0166 §7.4) ⇄ SIP final responses (RFC 3261 §21) and the
 * Reason header (RFC 3326), from the data in `mappings/reasons.yaml` (passed in as
 * {@link ReasonTables}). The header's syntax is src/sip/message/reason-header.ts's, the one
 * Reason codec; this file maps its values to conditions and back.
 */
import { InputError } from '../errors';
import type { Reason, ReasonCondition } from '../jingle/types';
import { formatReasonHeader, parseReasonHeader, type ReasonValue } from '../sip/message';
import type { ReasonTables, SipReason } from './tables';

export type { SipReason };

/** The SIP side of a Jingle reason condition: `{ status, text, request? }`. */
export function reasonToSip(condition: ReasonCondition, tables: ReasonTables): SipReason {
  const entry = tables.toSip[condition];
  // The schema guarantees every condition; this guards against a cast string.
  if (entry === undefined)
    throw new InputError('translate', 'reason', `unknown condition ${String(condition)}`);
  return { ...entry };
}

/**
 * The Jingle condition for a SIP final failure status (300–699): the exact code if listed,
 * else the class default. Never `success` (the schema refuses it).
 */
export function sipToReason(status: number, tables: ReasonTables): ReasonCondition {
  if (!Number.isInteger(status) || status < 300 || status > 699) {
    throw new InputError('translate', `SIP status ${status}`, 'not a final failure status (300–699)');
  }
  const exact = tables.fromSip.get(status);
  if (exact !== undefined) return exact;
  const cls = `${Math.floor(status / 100)}xx` as '3xx' | '4xx' | '5xx' | '6xx';
  // 3xx has no required default: a redirect we did not follow is a general error then.
  return tables.fromSipClass[cls] ?? 'general-error';
}

/** `SIP;cause=486;text="Busy Here"` (RFC 3326 §2) for a SIP status and its text. */
export function sipReasonHeader(status: number, text?: string): string {
  const value: ReasonValue = { protocol: 'SIP', cause: status, params: {} };
  if (text !== undefined && text !== '') value.text = text;
  return formatReasonHeader(value);
}

/**
 * The Jingle condition of one reason-value, when its protocol is known: SIP 2xx → success
 * (`Call completed elsewhere`), SIP 3xx–6xx → {@link sipToReason}, Q.850 → the `q850` table or its
 * default; other protocols and values without a cause have none.
 */
export function conditionOfReason(r: ReasonValue, tables: ReasonTables): ReasonCondition | undefined {
  if (r.cause === undefined) return undefined;
  const protocol = r.protocol.toUpperCase();
  if (protocol === 'SIP') {
    if (r.cause >= 200 && r.cause < 300) return 'success';
    if (r.cause >= 300 && r.cause <= 699) return sipToReason(r.cause, tables);
    return undefined;
  }
  if (protocol === 'Q.850') return tables.q850.get(r.cause)?.condition ?? tables.q850Default;
  return undefined;
}

/**
 * The Jingle `<reason>` a Reason header gives: its first SIP or Q.850 value that maps to a
 * condition, with that value's text. Throws `InputError('sip', 'header Reason', …)` on bad syntax.
 */
export function reasonOfHeader(value: string, tables: ReasonTables): Reason | undefined {
  for (const r of parseReasonHeader(value)) {
    const condition = conditionOfReason(r, tables);
    if (condition === undefined) continue;
    return r.text === undefined ? { condition } : { condition, text: r.text };
  }
  return undefined;
}
