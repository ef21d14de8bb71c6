/**
 * The typed seam between the XMPP leg and the gateway (docs/architecture.md §Seams): every event
 * the leg emits, with its payload, as one map the type checker reads (Node's
 * `EventEmitter<XmppLegEvents>`), so no listener casts what it hears. Requests that need an
 * answer do not travel as events: a Jingle IQ is answered by the {@link JingleHandler} delegate
 * (src/xmpp/routing), whose return value is the IQ's answer.
 */
import type { OnlineInfo } from '../connection';
import type { JmiNotice } from '../jmi';
import type { ComponentRefusedError, StanzaCondition } from '../stanza';

/** A JMI message of ours came back as an error. */
export interface JmiErrorNotice {
  id: string;
  /** Who could not be reached. */
  from: string;
  condition: StanzaCondition;
  text?: string;
}

export type XmppLegEvents = {
  /** Connected (again). */
  online: [info: OnlineInfo];
  /** Lost (will reconnect), or stopped. */
  offline: [reason: 'connection lost' | 'stopped'];
  /** The server refused the secret or the domain; the leg stopped. */
  fatal: [error: ComponentRefusedError];
  /** A JMI message changed a proposal, or a proposal expired (src/xmpp/jmi is its one owner). */
  jmi: [notice: JmiNotice];
  /** A JMI message of ours bounced (e.g. the callee is offline). */
  'jmi-error': [notice: JmiErrorNotice];
};
