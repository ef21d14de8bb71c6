/**
 * Jingle `<reason>` conditions (XEP-0166 §7.4) ⇄ SIP final responses (RFC 3261 §21) and the
 * Reason header (RFC 3326), from the data in `mappings/reasons.yaml`. Pure: the tables default to
 * the repository's, loaded once, and can be passed in.
 */
import { InputError } from '../errors';
import type { ReasonCondition } from '../jingle/types';
import { mappings, type ReasonTables, type SipReason } from '../config/mappings';

export type { SipReason };

const tablesOf = (): ReasonTables => mappings().reasons;

/** The SIP side of a Jingle reason condition: `{ status, text, request? }`. */
export function reasonToSip(condition: ReasonCondition, tables: ReasonTables = tablesOf()): SipReason {
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
export function sipToReason(status: number, tables: ReasonTables = tablesOf()): ReasonCondition {
  if (!Number.isInteger(status) || status < 300 || status > 699) {
    throw new InputError('translate', `SIP status ${status}`, 'not a final failure status (300–699)');
  }
  const exact = tables.fromSip.get(status);
  if (exact !== undefined) return exact;
  const cls = `${Math.floor(status / 100)}xx` as '3xx' | '4xx' | '5xx' | '6xx';
  // 3xx has no required default: a redirect we did not follow is a general error then.
  return tables.fromSipClass[cls] ?? 'general-error';
}

/** RFC 3261 §25.1 quoted-string: backslash-escape `"` and `\`; line breaks never reach a header. */
function quote(text: string): string {
  return `"${text.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** `SIP;cause=486;text="Busy Here"` (RFC 3326 §2). `protocol` may be `Q.850`. */
export function formatReasonHeader(cause: number, text?: string, protocol: 'SIP' | 'Q.850' = 'SIP'): string {
  if (!Number.isInteger(cause) || cause < 0)
    throw new InputError('translate', 'Reason header', `bad cause ${cause}`);
  return `${protocol};cause=${cause}${text === undefined || text === '' ? '' : `;text=${quote(text)}`}`;
}

/** One reason-value of a Reason header. */
export interface ParsedReason {
  /** `SIP`, `Q.850`, or another protocol token as written. */
  protocol: string;
  cause?: number;
  text?: string;
  /**
   * The Jingle condition, when the protocol is known: SIP 2xx → success (`Call completed
   * elsewhere`), SIP 3xx–6xx → {@link sipToReason}, Q.850 → the `q850` table or its default.
   */
  condition?: ReasonCondition;
}

const fail = (detail: string): InputError => new InputError('sip', 'header Reason', detail);

/**
 * Parses a Reason header value (RFC 3326 §2), which may hold several comma-separated
 * reason-values: `SIP ;cause=200 ;text="Call completed elsewhere", Q.850;cause=16`.
 * Throws `InputError('sip', 'header Reason', …)` on bad syntax.
 */
export function parseReasonHeader(value: string, tables: ReasonTables = tablesOf()): ParsedReason[] {
  const out: ParsedReason[] = [];
  let i = 0;
  const s = value;
  const skipWs = () => {
    while (i < s.length && /[ \t\r\n]/.test(s[i] as string)) i++;
  };
  const readToken = (): string => {
    const m = /^[A-Za-z0-9.!%*_+`'~-]+/.exec(s.slice(i));
    if (!m) throw fail(`expected a token at column ${i + 1}`);
    i += m[0].length;
    return m[0];
  };
  const readQuoted = (): string => {
    let text = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      text += s[i];
      i++;
    }
    if (s[i] !== '"') throw fail('unterminated quoted string');
    i++;
    return text;
  };
  for (;;) {
    skipWs();
    const reason: ParsedReason = { protocol: readToken() };
    skipWs();
    while (s[i] === ';') {
      i++;
      skipWs();
      const name = readToken().toLowerCase();
      skipWs();
      let paramValue: string | undefined;
      if (s[i] === '=') {
        i++;
        skipWs();
        paramValue = s[i] === '"' ? readQuoted() : readToken();
        skipWs();
      }
      if (name === 'cause') {
        if (paramValue === undefined || !/^[0-9]{1,5}$/.test(paramValue))
          throw fail(`bad cause ${paramValue ?? ''}`);
        reason.cause = Number(paramValue);
      } else if (name === 'text' && paramValue !== undefined) {
        reason.text = paramValue;
      }
    }
    const condition = conditionOf(reason, tables);
    if (condition !== undefined) reason.condition = condition;
    out.push(reason);
    skipWs();
    if (i >= s.length) return out;
    if (s[i] !== ',') throw fail(`unexpected ${JSON.stringify(s[i])} at column ${i + 1}`);
    i++;
  }
}

function conditionOf(r: ParsedReason, tables: ReasonTables): ReasonCondition | undefined {
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
