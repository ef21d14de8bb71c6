/**
 * XEP-0353 elements ⇄ {@link JmiMessage}. Every JMI message is `type='chat'` with a XEP-0334
 * `<store/>` hint (§3); a private one (to one device) carries `<private/>` (XEP-0280 §6) and
 * `<no-copy/>` instead of `<store/>`.
 */
import { InputError } from '../../errors';
import { NS_JINGLE, NS_JMI, NS_RTP } from '../../jingle/namespaces';
import { parseReason, reasonToElement } from '../../jingle/xep0166';
import type { JmiKind, JmiMessage } from './machine';
import { NS_CARBONS, NS_HINTS } from '../stanza';
import { xml, type XmlElement } from '../stanza';

const KINDS: readonly JmiKind[] = ['propose', 'ringing', 'proceed', 'reject', 'retract', 'finish', 'accept'];
const MAX_ID = 256;

const bad = (where: string, detail: string): InputError => new InputError('xml', where, detail);

/** The JMI element of a `<message>`, parsed; undefined when it has none. Throws InputError. */
export function parseJmi(message: XmlElement): JmiMessage | undefined {
  const el = message
    .getChildElements()
    .find((c) => c.getNS() === NS_JMI && KINDS.includes(c.name as JmiKind));
  if (el === undefined) return undefined;
  const kind = el.name as JmiKind;
  const id = el.attrs.id;
  if (typeof id !== 'string' || id === '') throw bad(`<${kind}> id`, 'missing');
  if (id.length > MAX_ID) throw bad(`<${kind}> id`, `longer than ${MAX_ID} characters`);
  const out: JmiMessage = { kind, id };
  if (kind === 'propose') {
    const media = el
      .getChildElements()
      .filter((c) => c.name === 'description' && c.getNS() === NS_RTP)
      .map((c) => c.attrs.media)
      .filter((m): m is string => typeof m === 'string' && m !== '');
    if (media.length === 0) throw bad('<propose>', `no <description xmlns='${NS_RTP}' media> child`);
    out.media = media;
  }
  const reasonEl = el.getChildElements().find((c) => c.name === 'reason' && c.getNS() === NS_JINGLE);
  if (reasonEl !== undefined) out.reason = parseReason(reasonEl);
  if (el.getChildElements().some((c) => c.name === 'tie-break')) out.tieBreak = true;
  const migrated = el.getChildElements().find((c) => c.name === 'migrated');
  if (migrated !== undefined && typeof migrated.attrs.to === 'string') out.migratedTo = migrated.attrs.to;
  return out;
}

/** The JMI element for a message. */
export function jmiElement(m: JmiMessage): XmlElement {
  const el = xml(m.kind, { xmlns: NS_JMI, id: m.id });
  if (m.kind === 'propose') {
    for (const media of m.media ?? []) el.cnode(xml('description', { xmlns: NS_RTP, media }));
  }
  if (m.reason !== undefined) {
    const r = reasonToElement(m.reason);
    r.attrs.xmlns = NS_JINGLE;
    el.cnode(r);
  }
  if (m.tieBreak) el.cnode(xml('tie-break'));
  if (m.migratedTo !== undefined) el.cnode(xml('migrated', { to: m.migratedTo }));
  return el;
}

/** The whole `<message type='chat'>` for a JMI element. */
export function jmiMessageStanza(o: {
  from: string;
  to: string;
  message: JmiMessage;
  private?: boolean;
  id: string;
}): XmlElement {
  const hints = o.private
    ? [
        xml('private', { xmlns: NS_CARBONS }),
        xml('no-copy', { xmlns: NS_HINTS }),
        xml('no-store', { xmlns: NS_HINTS }),
      ]
    : [xml('store', { xmlns: NS_HINTS })];
  return xml('message', { from: o.from, to: o.to, type: 'chat', id: o.id }, jmiElement(o.message), ...hints);
}
