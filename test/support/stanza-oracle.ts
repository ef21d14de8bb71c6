/**
 * stanza (https://github.com/legastero/stanza, devDependency) as an independent Jingle ⇄ SDP
 * oracle. Nothing here is ours: XML ⇄ JSON is stanza's JXT registry with stanza's protocol
 * definitions (the same registry its Client builds), and JSON ⇄ SDP is stanza's
 * jingle/sdp/{Protocol,Intermediate} — exactly the path a stanza MediaSession takes.
 *
 *   Jingle XML  --JXT import-->  stanza JSON  --convertRequestToIntermediate-->  intermediate
 *               <--JXT export--              <--convertIntermediateToRequest--
 *   intermediate --exportToSDP--> SDP,  SDP --importFromSDP--> intermediate
 *
 * Used by test/oracle/stanza.test.ts and bench/translate.ts (so: no jest types here).
 */
import { Registry, parse as parseXml } from 'stanza/jxt';
import Protocol from 'stanza/protocol';
import type { Jingle as StanzaJingle } from 'stanza/protocol';
import { exportToSDP, importFromSDP } from 'stanza/jingle/sdp/Intermediate';
import { convertIntermediateToRequest, convertRequestToIntermediate } from 'stanza/jingle/sdp/Protocol';

export type { StanzaJingle };

const NS_JINGLE = 'urn:xmpp:jingle:1';
const NS_ICE_UDP = 'urn:xmpp:jingle:transports:ice-udp:1';

let registry: Registry | undefined;
/** The registry stanza's Client builds (`new JXT.Registry(); define(protocol)`), made once. */
export function stanzaRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    registry.define(Protocol);
  }
  return registry;
}

type Role = 'initiator' | 'responder';
type Action = 'session-initiate' | 'session-accept';

/** The role whose SDP a `<jingle>` of this action carries (as our jingleToSdp: initiate → offer). */
function roleOf(action: string | undefined): Role {
  return action === 'session-accept' ? 'responder' : 'initiator';
}

/** `<iq><jingle/></iq>` or a bare `<jingle xmlns='urn:xmpp:jingle:1'>` → stanza's JSON Jingle. */
export function stanzaJingleXmlToJson(xml: string): StanzaJingle {
  const el = parseXml(xml);
  const json = stanzaRegistry().import(el) as Record<string, unknown> | undefined;
  if (!json) throw new Error('stanza: not an element its registry knows');
  if (el.getName() === 'jingle' && el.getNamespace() === NS_JINGLE) return json as unknown as StanzaJingle;
  const jingle = json.jingle as StanzaJingle | undefined;
  if (!jingle) throw new Error('stanza: no <jingle> in the stanza');
  return jingle;
}

/** stanza JSON Jingle → bare `<jingle>` XML text. */
export function stanzaJingleJsonToXml(jingle: StanzaJingle): string {
  const el = stanzaRegistry().export('iq.jingle', jingle);
  if (!el) throw new Error('stanza: could not export the jingle');
  return el.toString();
}

/** Jingle XML → SDP, as stanza's MediaSession reads it: the initiator's for session-initiate. */
export function stanzaJingleXmlToSdp(xml: string): string {
  return stanzaJingleJsonToSdp(stanzaJingleXmlToJson(xml));
}

export function stanzaJingleJsonToSdp(jingle: StanzaJingle): string {
  return exportToSDP(convertRequestToIntermediate(jingle, roleOf(jingle.action)));
}

export interface StanzaSdpToJingleOptions {
  action?: Action;
  sid?: string;
}

/**
 * SDP → stanza JSON Jingle, as stanza's MediaSession builds its session-initiate (role
 * initiator) or session-accept (role responder): importFromSDP + convertIntermediateToRequest
 * with ICE-UDP, then action and sid added as MediaSession.send does.
 */
export function stanzaSdpToJingleJson(sdp: string, opts: StanzaSdpToJingleOptions = {}): StanzaJingle {
  const action = opts.action ?? 'session-initiate';
  const request = convertIntermediateToRequest(importFromSDP(sdp), roleOf(action), NS_ICE_UDP);
  return { ...request, action, sid: opts.sid ?? 'stanza-oracle' } as StanzaJingle;
}

/** SDP → bare `<jingle>` XML via stanza. */
export function stanzaSdpToJingleXml(sdp: string, opts: StanzaSdpToJingleOptions = {}): string {
  return stanzaJingleJsonToXml(stanzaSdpToJingleJson(sdp, opts));
}

/** SDP → stanza import → stanza request → stanza export: stanza's own round trip. */
export function stanzaRoundTripSdp(sdp: string, opts: StanzaSdpToJingleOptions = {}): string {
  return stanzaJingleXmlToSdp(stanzaSdpToJingleXml(sdp, opts));
}
