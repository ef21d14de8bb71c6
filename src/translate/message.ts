/** The string-level message API: Jingle XML ⇄ SIP message text (see ./jingle-to-sip, ./sip-to-jingle). */
import { parseJingleXml, serializeJingleIq } from '../jingle';
import { parseSipMessage, serializeSipMessage } from '../sip/message';
import { jingleIqToSip, type DialogState } from './jingle-to-sip';
import type { MessageContext } from './message-context';
import { sipToJingleIq } from './sip-to-jingle';

/** A Jingle `<iq>` (or bare `<jingle>`) → the complete SIP message text the gateway would send. */
export function jingleToSip(xml: string, m: MessageContext, dialog?: DialogState): string {
  const { iq, jingle } = parseJingleXml(xml, m.tables.hashes);
  return serializeSipMessage(jingleIqToSip({ ...iq, jingle }, m, dialog));
}

/** Any SIP request or response → the `<iq>` the gateway would send. */
export function sipToJingle(text: string, m: MessageContext): string {
  return serializeJingleIq(sipToJingleIq(parseSipMessage(crlfHeaders(text)), m));
}

/**
 * Messages saved in text files often lost their CRs. RFC 3261 §7 wants CRLF; the header section
 * is restored to it and the body left as it is, so Content-Length still counts the same bytes.
 */
function crlfHeaders(text: string): string {
  if (text.includes('\r\n')) return text;
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  return `${head.replace(/\n/g, '\r\n')}\r\n\r\n${body}`;
}
