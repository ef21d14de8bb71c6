/**
 * The one seam through which the running gateway tells an onlooker (metrics, the status page's
 * ladder recorder: src/ops/, docs/operations.md) what happens: calls starting, being answered and
 * ending, every SIP message and stanza on the wire, the media anchor's requests, refusals.
 * Every method is optional and must not throw; the gateway never waits for one.
 */
import type { ReasonCondition } from '../jingle/types';
import type { SipMessage } from '../sip/message/types';
import type { XmlElement } from '../xmpp/stanza';

/** Who called whom: an XMPP client through the gateway to SIP, or the other way. */
export type CallDirection = 'xmpp-to-sip' | 'sip-to-xmpp';

export type WireDirection = 'in' | 'out';

export interface CallInfo {
  /** The Jingle sid (also the JMI proposal id of a SIP-originated call). */
  sid: string;
  /** The SIP Call-ID. */
  callId: string;
  direction: CallDirection;
  /** The caller and the callee as the first message named them: a full JID or a SIP URI. */
  from: string;
  to: string;
  /** Epoch ms. */
  at: number;
}

/** What an ng request to the anchor was for, as counted in the metrics. */
export type MediaOp = 'offer' | 'answer' | 'delete';

export interface GatewayObserver {
  /** A call the gateway took on (also one refused at once: `callEnded` follows in the same turn). */
  callStarted?(call: CallInfo): void;
  /** The gateway answered the caller: session-accept to the client, or 200 OK to the SIP peer. */
  callAnswered?(sid: string, at: number): void;
  callEnded?(sid: string, condition: ReasonCondition, at: number): void;
  /** A SIP message as it leaves (serialized) or arrives (parsed); `peer`: `transport|address|port`. */
  sipMessage?(direction: WireDirection, message: SipMessage, peer: string, at: number): void;
  /** A top-level element of the component stream (stanzas, and the handshake: mask it). */
  stanza?(direction: WireDirection, stanza: XmlElement, at: number): void;
  /** An ng request of a call to the media anchor (`out`) and its answer or failure (`in`). */
  media?(sid: string, direction: WireDirection, label: string, text: string, at: number): void;
  mediaFailed?(op: MediaOp): void;
  /** A call refused by policy: `callee` (policy.callers, sipHosts, denied numbers), `source` (policy.sources). */
  denied?(kind: 'callee' | 'source'): void;
  /** A call refused by a limit (`limits.<name>`), from an XMPP user or a SIP source. */
  limited?(from: 'user' | 'source', limit: string): void;
}

const METHODS = [
  'callStarted',
  'callAnswered',
  'callEnded',
  'sipMessage',
  'stanza',
  'media',
  'mediaFailed',
  'denied',
  'limited',
] as const;

/**
 * One observer that calls each of `observers` in turn; a throw in one is swallowed so that an
 * onlooker's bug never breaks a call. Undefined when there is none (the gateway then skips it).
 */
export function fanOut(...observers: Array<GatewayObserver | undefined>): GatewayObserver | undefined {
  const list = observers.filter((o): o is GatewayObserver => o !== undefined);
  if (list.length === 0) return undefined;
  const out: GatewayObserver = {};
  for (const m of METHODS) {
    const targets = list.filter((o) => o[m] !== undefined);
    if (targets.length === 0) continue;
    (out as Record<string, (...args: unknown[]) => void>)[m] = (...args: unknown[]) => {
      for (const o of targets) {
        try {
          (o[m] as (...a: unknown[]) => void).apply(o, args);
        } catch {
          // An onlooker must not break the gateway (docs/operations.md).
        }
      }
    };
  }
  return out;
}
