/**
 * The headers of the implicit subscription a REFER creates (RFC 3515 §2.4.4–§2.4.6), with the
 * grammar of RFC 3265 §7.2 (kept by RFC 6665 §8.2):
 *
 *     Event = ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )
 *     event-param = generic-param / ( "id" EQUAL token )
 *     Subscription-State = "Subscription-State" HCOLON substate-value *( SEMI subexp-params )
 *     substate-value = "active" / "pending" / "terminated" / extension-substate
 *     subexp-params = ("reason" EQUAL event-reason-value) / ("expires" EQUAL delta-seconds)
 *                   / ("retry-after" EQUAL delta-seconds) / generic-param
 *
 * RFC 3515 §2.4.6: a NOTIFY for a REFER carries `Event: refer;id=<the REFER's CSeq number>`.
 */
import { InputError } from '../../errors';
import { isDigits, isToken, trimLws } from './grammar';
import { formatParams, parseParams, type Params } from './params';

export interface EventHeader {
  /** The event package (and templates), lower-cased: `refer`. */
  event: string;
  id?: string;
  /** Other parameters. */
  params: Params;
}

export interface SubscriptionState {
  /** `active`, `pending`, `terminated` or an extension, lower-cased. */
  state: string;
  /** RFC 3265 §3.2.4 reasons (`noresource`, `timeout`, `rejected`, …), lower-cased. */
  reason?: string;
  expires?: number;
  retryAfter?: number;
  params: Params;
}

/** delta-seconds, bounded to 32 bits as RFC 3261 §25.1 implies for Expires. */
const MAX_DELTA = 4294967295;

function fail(where: string, detail: string): never {
  throw new InputError('sip', where, detail);
}

function split(value: string, where: string): { head: string; params: Params } {
  const text = trimLws(value);
  const semi = text.indexOf(';');
  return {
    head: trimLws(semi < 0 ? text : text.slice(0, semi)),
    params: parseParams(semi < 0 ? '' : text.slice(semi), where),
  };
}

function delta(v: string | true, name: string, where: string): number {
  if (v === true || !isDigits(v) || v.length > 10 || Number(v) > MAX_DELTA)
    fail(where, `${name} is not delta-seconds`);
  return Number(v);
}

export function parseEvent(value: string, where = 'header Event'): EventHeader {
  const { head, params } = split(value, where);
  if (!isToken(head)) fail(where, `invalid event type "${head.slice(0, 40)}"`);
  const out: EventHeader = { event: head.toLowerCase(), params: {} };
  for (const [k, v] of Object.entries(params)) {
    if (k === 'id') {
      if (v === true || !isToken(v)) fail(where, 'id is not a token');
      out.id = v;
    } else out.params[k] = v;
  }
  return out;
}

export function formatEvent(e: EventHeader): string {
  return `${e.event}${e.id !== undefined ? `;id=${e.id}` : ''}${formatParams(e.params)}`;
}

export function parseSubscriptionState(
  value: string,
  where = 'header Subscription-State',
): SubscriptionState {
  const { head, params } = split(value, where);
  if (!isToken(head)) fail(where, `invalid state "${head.slice(0, 40)}"`);
  const out: SubscriptionState = { state: head.toLowerCase(), params: {} };
  for (const [k, v] of Object.entries(params)) {
    if (k === 'reason') {
      if (v === true || !isToken(v)) fail(where, 'reason is not a token');
      out.reason = v.toLowerCase();
    } else if (k === 'expires') out.expires = delta(v, k, where);
    else if (k === 'retry-after') out.retryAfter = delta(v, k, where);
    else out.params[k] = v;
  }
  return out;
}

/**
 * The substate-value alone (`active`, `terminated`, …, lower-cased), for a reader that needs no
 * more of the header: its parameters are not read, so a peer's malformed ones do not hide the
 * state. liblinphone 5.1 ends a REFER's subscription with `terminated;reason=reason=noresource`
 * (not a gen-value, RFC 3261 §25.1); answering that NOTIFY 400 would lose a transfer that worked.
 * Throws on a state that is not a token.
 */
export function parseSubstate(value: string, where = 'header Subscription-State'): string {
  const text = trimLws(value);
  const semi = text.indexOf(';');
  const head = trimLws(semi < 0 ? text : text.slice(0, semi));
  if (!isToken(head)) fail(where, `invalid state "${head.slice(0, 40)}"`);
  return head.toLowerCase();
}

export function formatSubscriptionState(s: SubscriptionState): string {
  let out = s.state;
  if (s.reason !== undefined) out += `;reason=${s.reason}`;
  if (s.expires !== undefined) out += `;expires=${s.expires}`;
  if (s.retryAfter !== undefined) out += `;retry-after=${s.retryAfter}`;
  return out + formatParams(s.params);
}
