/**
 * Message level, SIP → XMPP: the Jingle IQ the gateway sends for a SIP message (docs/design.md
 * §Call flows). Stateless: the sid comes from the Call-ID (our own `<sid>@<sip host>` gives
 * the sid back; any other Call-ID is hashed), addresses from the headers.
 *
 * | SIP                          | Jingle                                                 |
 * |------------------------------|--------------------------------------------------------|
 * | INVITE with an SDP offer     | session-initiate (gateway → callee)                    |
 * | 180 / 183                    | session-info `<ringing/>`                              |
 * | 200 OK to INVITE, with SDP   | session-accept                                         |
 * | 3xx–6xx to INVITE            | session-terminate, mapped reason, `<text>` = SIP text  |
 * | BYE                          | session-terminate `success`, or the Reason header's    |
 * | CANCEL                       | session-terminate `cancel`                             |
 * | INFO trickle-ice-sdpfrag     | transport-info (RFC 8840)                              |
 *
 * Requests come from the SIP party (From) to the XMPP user (request-URI / To); responses from
 * the SIP party (To) to the XMPP user (From).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors';
import type { Jingle, JingleIq, Reason } from '../jingle/types';
import { header, parseCSeq, parseNameAddr } from '../sip/message';
import type { SipMessage, SipRequest, SipResponse } from '../sip/message/types';
import { sipCallerToJid, sipUriToJid, type AddressContext } from './address';
import { sdpToJingle } from './description';
import { parseSdpFrag } from '../sdp';
import { sdpFragToContents } from './trickle';
import { reasonOfHeader, sipToReason } from './reason';
import type { MessageContext } from './message-context';

/** The sid for a Call-ID: ours (`<sid>@<sip host>`) unwraps; any other is hashed (XEP-0166 §7.1: opaque). */
export function sidForCallId(callId: string, sipHost: string): string {
  const suffix = `@${sipHost}`;
  if (callId.endsWith(suffix)) {
    const sid = callId.slice(0, -suffix.length);
    if (/^[A-Za-z0-9._~-]{1,128}$/.test(sid)) return sid;
  }
  return createHash('sha256').update(callId).digest('hex').slice(0, 24);
}

function required(msg: SipMessage, name: string): string {
  const value = header(msg, name);
  if (value === undefined) throw new InputError('sip', `header ${name}`, 'missing');
  return value;
}

function uriOf(msg: SipMessage, name: 'From' | 'To'): string {
  return parseNameAddr(required(msg, name), `header ${name}`).uri;
}

/** Translates the SDP body, naming it as the place of any error in it. */
function fromBody<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError && e.domain === 'sdp')
      throw new InputError('sdp', `${what} body, ${e.where}`, e.detail);
    throw e;
  }
}

function sdpBody(msg: SipMessage, what: string): string {
  const type = header(msg, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (msg.body.trim() === '') {
    throw new InputError('sip', what, 'has no SDP body (a delayed offer has no stateless Jingle form)');
  }
  if (type !== 'application/sdp') {
    throw new InputError('sip', 'header Content-Type', `'${type ?? ''}' is not application/sdp`);
  }
  return msg.body;
}

function iqId(msg: SipMessage, m: MessageContext): string {
  const cseq = parseCSeq(required(msg, 'CSeq'));
  const status = msg.kind === 'response' ? msg.status : msg.method;
  return `sip-${sidForCallId(required(msg, 'Call-ID'), m.address.sipHost).slice(0, 12)}-${cseq.seq}-${status}`;
}

export function sipToJingleIq(msg: SipMessage, m: MessageContext): JingleIq {
  const ctx = m.address;
  return msg.kind === 'request' ? fromRequest(msg, ctx, m) : fromResponse(msg, ctx, m);
}

function full(jid: string, m: MessageContext): string {
  return `${jid}/${m.resource}`;
}

function fromRequest(msg: SipRequest, ctx: AddressContext, m: MessageContext): JingleIq {
  const sid = sidForCallId(required(msg, 'Call-ID'), m.address.sipHost);
  const from = full(sipCallerToJid(uriOf(msg, 'From'), ctx), m);
  const id = iqId(msg, m);
  switch (msg.method) {
    case 'INVITE': {
      const to = sipUriToJid(msg.uri, ctx);
      const body = sdpBody(msg, 'INVITE');
      const j = fromBody('INVITE', () =>
        sdpToJingle(body, m.tables, { action: 'session-initiate', sid, initiator: from }),
      );
      return { id, type: 'set', from, to, jingle: j };
    }
    case 'BYE':
    case 'CANCEL': {
      const to = sipUriToJid(uriOf(msg, 'To'), ctx);
      const reason = reasonFromHeader(msg, m) ?? { condition: msg.method === 'BYE' ? 'success' : 'cancel' };
      const j: Jingle = { action: 'session-terminate', sid, contents: [], groups: [], reason };
      return { id, type: 'set', from, to, jingle: j };
    }
    case 'INFO': {
      // RFC 8840 §4.2: trickled candidates; other INFO packages have no Jingle form here.
      const type = header(msg, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/trickle-ice-sdpfrag') {
        throw new InputError(
          'sip',
          'INFO request',
          `Content-Type '${type ?? ''}' has no Jingle form (trickle-ice-sdpfrag has)`,
        );
      }
      const to = sipUriToJid(uriOf(msg, 'To'), ctx);
      const contents = fromBody('INFO', () => sdpFragToContents(parseSdpFrag(msg.body)));
      return { id, type: 'set', from, to, jingle: { action: 'transport-info', sid, contents, groups: [] } };
    }
    default:
      throw new InputError(
        'sip',
        `${msg.method} request`,
        'has no Jingle form (INVITE, BYE, CANCEL and trickle INFO have)',
      );
  }
}

/** RFC 3326: a Reason header on BYE/CANCEL says why; its first SIP or Q.850 value is used. */
function reasonFromHeader(msg: SipMessage, m: MessageContext): Reason | undefined {
  const value = header(msg, 'Reason');
  if (value === undefined) return undefined;
  return reasonOfHeader(value, m.tables.reasons);
}

function fromResponse(msg: SipResponse, ctx: AddressContext, m: MessageContext): JingleIq {
  const cseq = parseCSeq(required(msg, 'CSeq'));
  const where = `SIP ${msg.status} ${msg.reason}`;
  if (cseq.method !== 'INVITE') {
    throw new InputError(
      'sip',
      where,
      `a response to ${cseq.method} has no Jingle form (responses to INVITE have)`,
    );
  }
  const sid = sidForCallId(required(msg, 'Call-ID'), m.address.sipHost);
  // The SIP callee answers (To); the XMPP caller hears it (From, our escaped form).
  const from = full(sipCallerToJid(uriOf(msg, 'To'), ctx), m);
  const to = sipUriToJid(uriOf(msg, 'From'), ctx);
  const id = iqId(msg, m);
  const set = (jingle: Jingle): JingleIq => ({ id, type: 'set', from, to, jingle });
  if (msg.status === 180 || msg.status === 183) {
    // RFC 3261 §21.1.2 / XEP-0167 §7.3: the callee is being alerted.
    return set({ action: 'session-info', sid, contents: [], groups: [], info: { kind: 'ringing' } });
  }
  if (msg.status < 200)
    throw new InputError('sip', where, 'has no Jingle form (only 180 and 183 of the 1xx have)');
  if (msg.status < 300) {
    const body = sdpBody(msg, where);
    const j = fromBody(where, () =>
      sdpToJingle(body, m.tables, { action: 'session-accept', sid, responder: from }),
    );
    return set(j);
  }
  // docs/design.md §Reasons: the mapped condition, and the SIP text so the user learns what happened.
  const reason: Reason = {
    condition: sipToReason(msg.status, m.tables.reasons),
    text: `${msg.status} ${msg.reason}`.trim(),
  };
  return set({ action: 'session-terminate', sid, contents: [], groups: [], reason });
}
