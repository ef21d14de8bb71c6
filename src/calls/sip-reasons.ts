/**
 * The RFC 3326 Reason header both kinds of call write on a BYE, and read from a BYE or CANCEL;
 * the final response that refuses an INVITE for a Jingle condition (docs/design.md §Reasons).
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

/**
 * The final response to an unanswered INVITE for `condition`: the mapped status, except that a
 * device that hangs up (success) or gives up (cancel) before answering has not answered: 480,
 * not "Call completed" or 487, which would tell the caller it cancelled (RFC 3261 §21).
 */
export function refusalOf(
  condition: ReasonCondition,
  tables: ReasonTables,
): { status: number; phrase: string } {
  const mapped = reasonToSip(condition, tables);
  if (condition === 'success' || condition === 'cancel' || mapped.status === undefined)
    return { status: 480, phrase: 'Temporarily Unavailable' };
  return { status: mapped.status, phrase: mapped.text };
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
