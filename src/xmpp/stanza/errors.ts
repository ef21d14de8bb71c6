/**
 * Errors of the XMPP leg: stanza errors (RFC 6120 §8.3) with the Jingle conditions of
 * XEP-0166 §10, and the typed errors that the leg's promises reject with.
 */
import { xml, type XmlElement } from './xml';
import { NS_JINGLE_ERRORS } from '../../jingle/namespaces';
import { NS_STANZAS } from './namespaces';

/** RFC 6120 §8.3.3 defined conditions, each with its usual error type (§8.3.2). */
export const STANZA_CONDITIONS = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  gone: 'cancel',
  'internal-server-error': 'cancel',
  'item-not-found': 'cancel',
  'jid-malformed': 'modify',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  redirect: 'modify',
  'registration-required': 'auth',
  'remote-server-not-found': 'cancel',
  'remote-server-timeout': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
  'subscription-required': 'auth',
  'undefined-condition': 'cancel',
  'unexpected-request': 'wait',
} as const;
export type StanzaCondition = keyof typeof STANZA_CONDITIONS;
export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** XEP-0166 §10 Jingle error conditions and the stanza condition each goes with. */
export const JINGLE_ERROR_CONDITIONS = {
  'out-of-order': 'unexpected-request',
  'tie-break': 'conflict',
  'unknown-session': 'item-not-found',
  'unsupported-info': 'feature-not-implemented',
} as const satisfies Record<string, StanzaCondition>;
export type JingleErrorCondition = keyof typeof JINGLE_ERROR_CONDITIONS;

/** What a stanza error says: the answer to refuse an IQ, or what a peer refused ours with. */
export interface StanzaErrorSpec {
  /** Default: the one that goes with `jingleCondition`, else `undefined-condition`. */
  condition?: StanzaCondition;
  jingleCondition?: JingleErrorCondition;
  /** Human-readable: what is wrong. Always give one. */
  text?: string;
  /** Default: the condition's usual type (XEP-0166 §10 uses `modify` for unsupported-info). */
  type?: StanzaErrorType;
}

/** The resolved condition and type of a spec. */
export function resolveError(spec: StanzaErrorSpec): { condition: StanzaCondition; type: StanzaErrorType } {
  const condition =
    spec.condition ??
    (spec.jingleCondition !== undefined
      ? JINGLE_ERROR_CONDITIONS[spec.jingleCondition]
      : 'undefined-condition');
  const type =
    spec.type ?? (spec.jingleCondition === 'unsupported-info' ? 'modify' : STANZA_CONDITIONS[condition]);
  return { condition, type };
}

/** `<error type><condition/><jingle-condition/>?<text/>?</error>` (RFC 6120 §8.3.2). */
export function errorElement(spec: StanzaErrorSpec): XmlElement {
  const { condition, type } = resolveError(spec);
  const el = xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));
  if (spec.jingleCondition !== undefined) el.cnode(xml(spec.jingleCondition, { xmlns: NS_JINGLE_ERRORS }));
  if (spec.text !== undefined && spec.text !== '') el.cnode(xml('text', { xmlns: NS_STANZAS }, spec.text));
  return el;
}

/** Reads an `<error>` element (of an IQ or message of type error). */
export function parseErrorElement(
  el: XmlElement | undefined,
): Required<Pick<StanzaErrorSpec, 'type'>> & StanzaErrorSpec & { condition: StanzaCondition } {
  let condition: StanzaCondition = 'undefined-condition';
  let jingleCondition: JingleErrorCondition | undefined;
  let text: string | undefined;
  const rawType = el?.attrs.type;
  const type: StanzaErrorType = ['auth', 'cancel', 'continue', 'modify', 'wait'].includes(rawType ?? '')
    ? (rawType as StanzaErrorType)
    : 'cancel';
  for (const child of el?.getChildElements() ?? []) {
    const ns = child.getNS();
    if (ns === NS_STANZAS && child.name === 'text') text = child.getText();
    else if (ns === NS_STANZAS && child.name in STANZA_CONDITIONS) condition = child.name as StanzaCondition;
    else if (ns === NS_JINGLE_ERRORS && child.name in JINGLE_ERROR_CONDITIONS) {
      jingleCondition = child.name as JingleErrorCondition;
    }
  }
  const out: StanzaErrorSpec & { condition: StanzaCondition; type: StanzaErrorType } = { condition, type };
  if (jingleCondition !== undefined) out.jingleCondition = jingleCondition;
  if (text !== undefined) out.text = text;
  return out;
}

/** A peer answered an IQ of ours with an error. */
export class IqError extends Error {
  override readonly name = 'IqError';
  constructor(
    readonly to: string,
    readonly condition: StanzaCondition,
    readonly type: StanzaErrorType,
    readonly jingleCondition?: JingleErrorCondition,
    readonly text?: string,
  ) {
    super(
      `${to} answered with ${condition}${jingleCondition ? `/${jingleCondition}` : ''}${text ? `: ${text}` : ''}`,
    );
  }
}

/** No answer to an IQ of ours in time. */
export class IqTimeoutError extends Error {
  override readonly name = 'IqTimeoutError';
  constructor(
    readonly to: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer from ${to} within ${timeoutMs} ms`);
  }
}

/** The component is not connected (or the connection dropped before an answer came). */
export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';
  constructor(what: string) {
    super(`XMPP component not connected: ${what}`);
  }
}

/**
 * The server refused the component for good (wrong secret, unknown component domain): the leg
 * stops instead of reconnecting in a loop. `condition` is the stream error condition.
 */
export class ComponentRefusedError extends Error {
  override readonly name = 'ComponentRefusedError';
  constructor(
    readonly condition: string,
    message: string,
  ) {
    super(message);
  }
}
