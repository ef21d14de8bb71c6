/**
 * Which call a message on the wire belongs to, and the short label its ladder arrow carries.
 * Pure. A message names its call by keys the ladder recorder (./ladder) looks up:
 * - `call-id:<Call-ID>` for SIP (RFC 3261 §8.1.1.4);
 * - `sid:<sid>` for Jingle IQs (XEP-0166 §7) and JMI messages, whose id is the sid (XEP-0353 §3.1);
 * - `iq:<id> <jid> <jid>` for a Jingle IQ and the result or error answering it (RFC 6120 §8.2.3:
 *   same id, the addresses swapped), so the answers land in the call's ladder too.
 */
import { Element } from 'ltx';
import { NS_JINGLE, NS_JMI } from '../jingle/namespaces';
import { header } from '../sip/message/headers';
import type { SipMessage } from '../sip/message/types';
import { normalJid } from '../translate/jid';
import type { XmlElement } from '../xmpp/stanza';

export interface Correlated {
  keys: string[];
  label: string;
}

const JMI_KINDS = ['propose', 'ringing', 'proceed', 'reject', 'retract', 'finish', 'accept'];
const STANZA_ERRORS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** The IQ key: the id and the two addresses in a fixed order (a request and its answer share it). */
function iqKey(el: XmlElement): string {
  const a = normalJid(String(el.attrs.from ?? ''));
  const b = normalJid(String(el.attrs.to ?? ''));
  const id = String(el.attrs.id ?? '');
  // The order of Array.prototype.sort's default (UTF-16 code units), without the arrays.
  return a <= b ? `iq:${id} ${a} ${b}` : `iq:${id} ${b} ${a}`;
}

function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is Element => typeof c !== 'string');
}

/** `session-info ringing`, `session-terminate success`: the action, and what it says. */
function jingleLabel(j: XmlElement): string {
  const action = String(j.attrs.action ?? 'jingle');
  if (action === 'session-info') {
    const info = childElements(j)[0];
    return info ? `${action} ${info.name}` : action;
  }
  if (action === 'session-terminate') {
    const cond = childElements(j.getChild('reason') ?? new Element('reason')).find((c) => c.name !== 'text');
    return cond ? `${action} ${cond.name}` : action;
  }
  return action;
}

/** The stanza error condition of an `<iq type="error">` or bounced message. */
function errorCondition(el: XmlElement): string | undefined {
  const err = el.getChild('error');
  return err ? childElements(err).find((c) => c.getNS() === STANZA_ERRORS)?.name : undefined;
}

/** Keys and label of a stanza; undefined when it belongs to no call (presence, disco, ping). */
export function correlateStanza(el: XmlElement): Correlated | undefined {
  if (el.name === 'iq') {
    const type = el.attrs.type;
    const j = el.getChild('jingle', NS_JINGLE);
    if (j && (type === 'set' || type === 'get')) {
      return { keys: [`sid:${String(j.attrs.sid ?? '')}`, iqKey(el)], label: jingleLabel(j) };
    }
    if (type === 'result') return { keys: [iqKey(el)], label: 'result' };
    if (type === 'error') {
      const cond = errorCondition(el);
      const keys = [iqKey(el)];
      if (j) keys.unshift(`sid:${String(j.attrs.sid ?? '')}`);
      return { keys, label: cond ? `error ${cond}` : 'error' };
    }
    return undefined;
  }
  if (el.name === 'message') {
    let jmi: XmlElement | undefined;
    for (const c of el.children) {
      if (typeof c === 'string' || !JMI_KINDS.includes(c.name) || c.getNS() !== NS_JMI) continue;
      jmi = c;
      break;
    }
    if (!jmi || jmi.attrs.id === undefined) return undefined;
    const label =
      el.attrs.type === 'error' ? `${jmi.name} error ${errorCondition(el) ?? ''}`.trim() : jmi.name;
    return { keys: [`sid:${String(jmi.attrs.id)}`], label };
  }
  return undefined;
}

/** Keys and label of a SIP message: the method, or `180 Ringing (INVITE)` for a response. */
export function correlateSip(msg: SipMessage): Correlated | undefined {
  const callId = header(msg, 'call-id');
  if (callId === undefined) return undefined;
  if (msg.kind === 'request') return { keys: [`call-id:${callId}`], label: msg.method };
  const method = (header(msg, 'cseq') ?? '').trim().split(/\s+/)[1];
  const label = `${msg.status} ${msg.reason}${method ? ` (${method})` : ''}`;
  return { keys: [`call-id:${callId}`], label };
}
