/**
 * Every IQ get/set that reaches the component is answered here (RFC 6120 §8.2.3), the way
 * xmpp.js's iq/callee.js does: `bad-request` with a `<text>` saying what is wrong for a
 * malformed request, `service-unavailable` for what nothing handles, `internal-server-error`
 * when a handler throws. Jingle errors follow XEP-0166 §10. No socket here: the answer is
 * returned to ./connection, which sends it.
 */
import { isInputError } from '../../errors';
import type { HashTable } from '../../mapping';
import { jingleFromElement } from '../../jingle';
import { NS_JINGLE } from '../../jingle/namespaces';
import type { JingleIq } from '../../jingle/types';
import { jidToSipUri, parseJid, type AddressContext } from '../../translate/address';
import type { IqAnswer } from '../connection';
import { discoInfoQuery } from './disco';
import type { StanzaErrorSpec } from '../stanza';
import { gatewayJidQuery, gatewayPromptQuery, promptToJid } from './gateway';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_GATEWAY, NS_PING, NS_VERSION } from '../stanza';
import { ownString, xml, type XmlElement } from '../stanza';

/** A Jingle IQ set that reached the gateway: `from` and `to` are always there. */
export type IncomingJingleIq = JingleIq & { from: string; to: string };

/** `'ok'`: the IQ result; otherwise the error to answer with (give a `text`). */
export type JingleAnswer = 'ok' | StanzaErrorSpec;

/** Implemented by the call layer: it decides how each Jingle IQ is answered. */
export interface JingleHandler {
  onJingle(iq: IncomingJingleIq): JingleAnswer | Promise<JingleAnswer>;
}

export interface RouterContext {
  /** The gateway's domain, lower case. */
  domain: string;
  /** Domains whose users may place calls (session-initiate), lower case. */
  allowedDomains: readonly string[];
  address: AddressContext;
  /** Fingerprint hash names (mappings/hashes.yaml), for the Jingle model. */
  hashes: HashTable;
  handler?: JingleHandler;
  version: string;
}

const err = (spec: StanzaErrorSpec): IqAnswer => ({ error: spec });

const domainOf = (jid: string): string => {
  const at = jid.indexOf('@');
  const rest = at < 0 ? jid : jid.slice(at + 1);
  const slash = rest.indexOf('/');
  return (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
};

/** Whether `from` may place calls (spoofing rule: the server stamps `from`; we check its domain). */
export function mayPlaceCalls(from: string, ctx: Pick<RouterContext, 'allowedDomains'>): boolean {
  return ctx.allowedDomains.includes(domainOf(from));
}

/** The answer to an IQ get/set `stanza` addressed to the component. Never throws. */
export async function answerIq(stanza: XmlElement, ctx: RouterContext): Promise<IqAnswer> {
  const type = stanza.attrs.type;
  const from = stanza.attrs.from;
  const to = stanza.attrs.to ?? ctx.domain;
  const [child, ...rest] = stanza.getChildElements();
  if (child === undefined || rest.length > 0) {
    return err({ condition: 'bad-request', text: 'an IQ get or set needs exactly one child element' });
  }
  if (typeof from !== 'string' || from === '')
    return err({ condition: 'bad-request', text: 'no from address' });
  if (domainOf(to) !== ctx.domain)
    return err({ condition: 'item-not-found', text: `${to} is not on ${ctx.domain}` });
  const ns = child.getNS();

  if (ns === NS_JINGLE && child.name === 'jingle') {
    if (type !== 'set')
      return err({ condition: 'bad-request', text: 'Jingle IQs are of type set (XEP-0166 §7)' });
    return answerJingle(stanza, child, from, to, ctx);
  }
  if (type === 'get' && ns === NS_DISCO_INFO && child.name === 'query')
    return answerDiscoInfo(child, to, ctx);
  if (type === 'get' && ns === NS_DISCO_ITEMS && child.name === 'query') {
    return xml('query', { xmlns: NS_DISCO_ITEMS, node: child.attrs.node });
  }
  if (type === 'get' && ns === NS_PING && child.name === 'ping') return true;
  if (type === 'get' && ns === NS_VERSION && child.name === 'query') {
    return xml(
      'query',
      { xmlns: NS_VERSION },
      xml('name', {}, 'jingle-sip-gateway'),
      xml('version', {}, ctx.version),
    );
  }
  if (ns === NS_GATEWAY && child.name === 'query') {
    if (type === 'get') return gatewayPromptQuery();
    const prompt = child.getChildText('prompt');
    if (prompt === null)
      return err({ condition: 'bad-request', text: 'jabber:iq:gateway set without <prompt>' });
    try {
      return gatewayJidQuery(promptToJid(prompt, ctx.address));
    } catch (e) {
      if (isInputError(e))
        return err({ condition: 'bad-request', text: `cannot map ${JSON.stringify(prompt)}: ${e.detail}` });
      throw e;
    }
  }
  return err({
    condition: 'service-unavailable',
    text: `<${child.name} xmlns='${ns ?? ''}'> ${type} is not handled here`,
  });
}

function answerDiscoInfo(query: XmlElement, to: string, ctx: RouterContext): IqAnswer {
  // Every user JID on the gateway domain is an entity; one that maps to no SIP address is not.
  if (to.includes('@')) {
    try {
      const { local, domain } = parseJid(to);
      jidToSipUri(`${local}@${domain}`, ctx.address);
    } catch (e) {
      if (isInputError(e)) return err({ condition: 'item-not-found', text: `${to}: ${e.detail}` });
      throw e;
    }
  }
  const answer = discoInfoQuery(query.attrs.node);
  return answer ?? err({ condition: 'item-not-found', text: `no node ${query.attrs.node ?? ''}` });
}

async function answerJingle(
  stanza: XmlElement,
  el: XmlElement,
  from: string,
  to: string,
  ctx: RouterContext,
): Promise<IqAnswer> {
  // The bounded Jingle model, as for the CLI's input (src/jingle/limits.ts: size first, then
  // every element): a stanza from the network reaches a call only through it.
  let jingle;
  try {
    jingle = jingleFromElement(el, ctx.hashes);
  } catch (e) {
    if (isInputError(e)) return err({ condition: 'bad-request', text: e.message });
    throw e;
  }
  if (jingle.action === 'session-initiate') {
    if (!to.includes('@')) {
      return err({
        condition: 'item-not-found',
        text: `nobody to call at ${to}: address a user such as +15551234@${ctx.domain}`,
      });
    }
    if (!mayPlaceCalls(from, ctx)) {
      return err({
        condition: 'forbidden',
        text: `users of ${domainOf(from)} may not place calls through ${ctx.domain}`,
      });
    }
  }
  if (ctx.handler === undefined) return err({ condition: 'service-unavailable', text: 'no call handler' });
  // What a call keeps for its life (its sid, the parties' JIDs) is copied out of the socket
  // chunk the stanza came in (ownString); the contents a call keeps it clones (src/calls).
  jingle.sid = ownString(jingle.sid);
  if (jingle.initiator !== undefined) jingle.initiator = ownString(jingle.initiator);
  if (jingle.responder !== undefined) jingle.responder = ownString(jingle.responder);
  const iq: IncomingJingleIq = {
    id: ownString(stanza.attrs.id ?? ''),
    type: 'set',
    from: ownString(from),
    to: ownString(to),
    jingle,
  };
  const answer = await ctx.handler.onJingle(iq);
  return answer === 'ok' ? true : err(answer);
}
