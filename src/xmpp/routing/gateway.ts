/**
 * XEP-0100 §6.3 jabber:iq:gateway: a client asks how to address someone on the SIP side (get)
 * and turns what its user typed — a phone number or a SIP address — into the JID at the
 * gateway (set). The mapping is src/translate/address.ts's, so the JID the client gets is the
 * one a call to it routes back from (RFC 7247 §5, XEP-0106 escaping).
 */
import { InputError } from '../../errors';
import { encodeSipUser, normaliseNumber, sipCallerToJid, type AddressContext } from '../../translate/address';
import { NS_GATEWAY } from '../stanza';
import { xml, type XmlElement } from '../stanza';

export const GATEWAY_DESC =
  'Enter a phone number (+15551234567) or a SIP address (alice@pbx.example.org or sip:alice@pbx.example.org).';
export const GATEWAY_PROMPT = 'Phone number or SIP address';

/** The answer to `<iq type='get'><query xmlns='jabber:iq:gateway'/></iq>` (XEP-0100 Example 39). */
export function gatewayPromptQuery(): XmlElement {
  return xml(
    'query',
    { xmlns: NS_GATEWAY },
    xml('desc', {}, GATEWAY_DESC),
    xml('prompt', {}, GATEWAY_PROMPT),
  );
}

/**
 * The JID at the gateway for what a user typed: `+1 (555) 123-4567` → `+15551234567@gw`,
 * `alice@pbx.example.org` or `sip:alice@pbx.example.org` → `alice\40pbx.example.org@gw`,
 * `tel:+15551234567` → `+15551234567@gw`, a bare user name → `alice@gw` (a user at the SIP
 * host). Throws InputError('translate', …) with the reason when it maps to nothing.
 */
export function promptToJid(input: string, ctx: AddressContext): string {
  const s = input.trim();
  if (s === '') throw new InputError('translate', 'jabber:iq:gateway <prompt>', 'empty');
  if (s.length > 1024)
    throw new InputError('translate', 'jabber:iq:gateway <prompt>', 'longer than 1024 characters');
  if (/^(sips?|tel):/i.test(s)) return sipCallerToJid(s, ctx);
  if (s.includes('@')) {
    const at = s.lastIndexOf('@');
    return sipCallerToJid(`sip:${encodeSipUser(s.slice(0, at))}@${s.slice(at + 1)}`, ctx);
  }
  if (normaliseNumber(s, ctx.rules) !== undefined)
    return sipCallerToJid(`tel:${normaliseNumber(s, ctx.rules)}`, ctx);
  return sipCallerToJid(`sip:${encodeSipUser(s)}@${ctx.gatewayDomain}`, ctx);
}

/**
 * XEP-0100 §6.3.3: the JID goes in `<jid/>`; older clients read `<prompt/>`, so both carry it.
 */
export function gatewayJidQuery(jid: string): XmlElement {
  return xml('query', { xmlns: NS_GATEWAY }, xml('jid', {}, jid), xml('prompt', {}, jid));
}
