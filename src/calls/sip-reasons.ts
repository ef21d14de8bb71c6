/**
 * The RFC 3326 Reason header both kinds of call write on a BYE, and read from a BYE or CANCEL.
 */
import type { Reason, ReasonCondition } from '../jingle/types';
import type { Effect } from './events';
import { reasonOfHeader, reasonToSip, sipReasonHeader } from '../translate/reason';
import type { ReasonTables } from '../translate/tables';

/** A BYE saying why (RFC 3326 §2); a plain hang-up (`success`) needs no Reason. */
export function byeEffect(
  condition: ReasonCondition,
  tables: ReasonTables,
  text?: string,
): Extract<Effect, { kind: 'sip-bye' }> {
  const mapped = reasonToSip(condition, tables);
  const headers =
    condition === 'success' || mapped.status === undefined
      ? []
      : [{ name: 'Reason', value: sipReasonHeader(mapped.status, text ?? mapped.text) }];
  return { kind: 'sip-bye', headers };
}

/** The first SIP or Q.850 value of a Reason header that maps to a condition; malformed ones are ignored. */
export function reasonOf(value: string | undefined, tables: ReasonTables): Reason | undefined {
  if (value === undefined) return undefined;
  try {
    return reasonOfHeader(value, tables);
  } catch {
    return undefined;
  }
}

/**
 * The text of a `399 - "…"` Warning (RFC 3261 §20.43): what our SIP stack writes on a failure it
 * made up itself (no answer, a transport error, a request too large for any transport), so that the
 * XMPP side learns the reason too, not only "503".
 */
export function localFailureText(warning: string | undefined): string | undefined {
  const m = warning === undefined ? null : /^399 - "([^"]{1,300})"$/.exec(warning.trim());
  return m ? m[1] : undefined;
}
