/**
 * Message level, XMPP → SIP: the SIP message the gateway sends for a Jingle IQ (docs/design.md
 * §Call flows). Stateless: what a dialog would remember (Call-ID, tags, the request being
 * answered) is derived from the Jingle sid and addresses, or taken from `dialog` when known.
 *
 * | Jingle                              | SIP                                              |
 * |-------------------------------------|--------------------------------------------------|
 * | session-initiate                    | INVITE with the SDP offer                        |
 * | session-accept                      | 200 OK with the SDP answer                       |
 * | session-info `<ringing/>`           | 180 Ringing                                      |
 * | session-terminate by the initiator  | CANCEL (`cancel`), else BYE with a Reason header |
 * | session-terminate by the responder  | a final 4xx–6xx before the answer, BYE after     |
 * | transport-info                      | INFO with an RFC 8840 trickle-ice sdpfrag        |
 */
import { InputError } from '../errors';
import type { Jingle, JingleIq } from '../jingle/types';
import {
  ALLOW,
  formatNameAddr,
  formatVia,
  gatewayContact,
  inviteRequest,
  newBranch,
  outboundRoute,
  SUPPORTED,
} from '../sip/message';
import type { SipHeader, SipMessage, SipRequest, SipResponse } from '../sip/message/types';
import { bareJid, callerJidToSipFrom, jidToSipUri, type AddressContext } from './address';
import { sameBareJid } from './jid';
import { jingleToSdpObject } from './description';
import { writeSdp, writeSdpFrag } from '../sdp';
import { RECV_INFO, recvInfoHeader } from './info';
import { transportInfoToSdpFrag } from './trickle';
import { reasonToSip, sipReasonHeader } from './reason';
import type { MessageContext } from './message-context';
import { stableId } from './ice';

/** The dialog a message belongs to, when the caller knows it (the call layer does). */
export interface DialogState {
  /** `early`: no final answer yet; `confirmed`: answered. */
  state: 'early' | 'confirmed';
}

interface Local {
  transport: string;
  host: string;
  port: number;
}

function local(m: MessageContext, target?: string): Local {
  const listens = m.listen;
  const first = listens[0];
  if (!first) throw new InputError('config', 'sip.listen', 'no listen address');
  // RFC 3263 §4.1: a transport parameter on the target URI picks the transport.
  const wanted = /;transport=(\w+)/i.exec(target ?? '')?.[1]?.toLowerCase();
  const chosen = (wanted && listens.find((l) => l.transport === wanted)) || first;
  return { transport: chosen.transport.toUpperCase(), host: m.address.sipHost, port: chosen.port };
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** RFC 3261 §8.1.1.4: the Call-ID of the call a Jingle session stands for: `<sid>@<sip host>`. */
export function callIdForSid(sid: string, sipHost: string): string {
  return `${sid}@${sipHost}`;
}

function viaHeader(l: Local, branchSeed?: string): string {
  const branch = branchSeed === undefined ? newBranch() : `z9hG4bK${stableId(branchSeed)}`;
  return formatVia({
    protocol: 'SIP/2.0',
    transport: l.transport,
    host: l.host,
    port: l.port,
    params: { branch, rport: true },
  });
}

/** Our Contact as the SIP leg writes it (src/sip/ua/user-agent.ts `contact`). */
function contactOf(l: Local): string {
  return gatewayContact(bracketed(l.host), l.port, l.transport);
}

/** What a 1xx/2xx to an INVITE carries as the SIP leg's UAS does (src/sip/dialog/server-invite.ts). */
function commonTail(m: MessageContext, l: Local): SipHeader[] {
  return [
    { name: 'Contact', value: contactOf(l) },
    { name: 'Allow', value: ALLOW },
    { name: 'Supported', value: SUPPORTED },
    { name: 'User-Agent', value: m.userAgent },
  ];
}

function withSdp(headers: SipHeader[], sdp: string): { headers: SipHeader[]; body: string } {
  return { headers: [...headers, { name: 'Content-Type', value: 'application/sdp' }], body: sdp };
}

function need(value: string | undefined, where: string, detail: string): string {
  if (value === undefined || value === '') throw new InputError('translate', where, detail);
  return value;
}

/** The Jingle IQ (or bare `<jingle>`) → the SIP message the gateway sends for it. */
export function jingleIqToSip(
  iq: Partial<Omit<JingleIq, 'jingle'>> & { jingle: Jingle },
  m: MessageContext,
  dialog?: DialogState,
): SipMessage {
  const j = iq.jingle;
  const ctx = m.address;
  switch (j.action) {
    case 'session-initiate':
      return invite(iq, ctx, m);
    case 'session-accept':
      return answerResponse(iq, ctx, m, 200, 'OK', true);
    case 'session-info':
      if (j.info?.kind === 'ringing') return answerResponse(iq, ctx, m, 180, 'Ringing', false);
      throw new InputError(
        'translate',
        `<jingle action='session-info'>`,
        `${j.info ? `<${j.info.kind}/>` : 'an empty session-info (a ping)'} has no stateless SIP form`,
      );
    case 'session-terminate':
      return terminate(iq, ctx, m, dialog);
    case 'transport-info':
      return trickleInfo(iq, ctx, m);
    default:
      throw new InputError(
        'translate',
        `<jingle action='${j.action}'>`,
        'has no SIP form without a call in progress',
      );
  }
}

/** XMPP caller (iq from / initiator) and callee (iq to / responder) of an XMPP-originated call. */
function parties(iq: Partial<Omit<JingleIq, 'jingle'>> & { jingle: Jingle }): {
  caller: string;
  callee: string;
} {
  const caller = need(
    iq.from ?? iq.jingle.initiator,
    '<iq> from',
    'missing: the caller (or <jingle initiator>)',
  );
  const callee = need(iq.to ?? iq.jingle.responder, '<iq> to', 'missing: the callee JID at the gateway');
  return { caller, callee };
}

function invite(
  iq: Partial<Omit<JingleIq, 'jingle'>> & { jingle: Jingle },
  ctx: AddressContext,
  m: MessageContext,
): SipRequest {
  const { caller, callee } = parties(iq);
  const uri = jidToSipUri(bareJid(callee), ctx);
  const l = local(m, uri);
  const sdp = writeSdp(
    jingleToSdpObject(iq.jingle, m.tables, {
      origin: { address: m.address.sipHost.replace(/^\[|\]$/g, '') },
    }),
  );
  // The SIP leg's own builder (src/sip/message/invite.ts), so this is the INVITE the gateway
  // sends: only the Via (the transaction layer's) and the tag and branch differ — here they
  // derive from the sid, so the CANCEL or BYE translated later matches (§9.1).
  const req = inviteRequest({
    uri,
    from: callerJidToSipFrom(caller, ctx),
    fromTag: stableId(`from ${iq.jingle.sid}`),
    to: uri,
    callId: callIdForSid(iq.jingle.sid, m.address.sipHost),
    contact: contactOf(l),
    userAgent: m.userAgent,
    ...(m.sessionExpires ? { sessionExpires: m.sessionExpires } : {}),
    // Our Recv-Info as the call writes it for media end to end (RFC 6086 §5.2.3, src/calls/call-core.ts).
    headers: [
      ...(m.outboundProxy === undefined ? [] : [outboundRoute(m.outboundProxy)]),
      recvInfoHeader(RECV_INFO),
    ],
    body: sdp,
  });
  req.headers.unshift({ name: 'Via', value: viaHeader(l, `invite ${iq.jingle.sid}`) });
  return req;
}

/**
 * A response to the INVITE of a SIP-originated call. The gateway is the Jingle initiator, so
 * the IQ goes from the XMPP callee (`from`, the responder) to the SIP caller's JID (`to`).
 * Without the INVITE at hand, its Via/From/Call-ID are rebuilt from the sid and addresses.
 */
function answerResponse(
  iq: Partial<Omit<JingleIq, 'jingle'>> & { jingle: Jingle },
  ctx: AddressContext,
  m: MessageContext,
  status: number,
  reason: string,
  withBody: boolean,
): SipResponse {
  const callee = need(iq.from ?? iq.jingle.responder, '<iq> from', 'missing: the answering XMPP user');
  const caller = need(iq.to ?? iq.jingle.initiator, '<iq> to', 'missing: the SIP caller JID at the gateway');
  const callerUri = jidToSipUri(bareJid(caller), ctx);
  const calleeUri = callerJidToSipFrom(callee, ctx);
  const l = local(m);
  const sid = iq.jingle.sid;
  const headers: SipHeader[] = [
    { name: 'Via', value: viaHeader(l, `via ${sid}`) },
    { name: 'From', value: formatNameAddr({ uri: callerUri, params: { tag: stableId(`from ${sid}`) } }) },
    { name: 'To', value: formatNameAddr({ uri: calleeUri, params: { tag: stableId(`to ${sid}`) } }) },
    { name: 'Call-ID', value: callIdForSid(sid, m.address.sipHost) },
    { name: 'CSeq', value: '1 INVITE' },
    ...commonTail(m, l),
  ];
  if (!withBody) return { kind: 'response', status, reason, headers, body: '' };
  const sdp = writeSdp(
    jingleToSdpObject(iq.jingle, m.tables, {
      origin: { address: m.address.sipHost.replace(/^\[|\]$/g, '') },
    }),
  );
  return { kind: 'response', status, reason, ...withSdp(headers, sdp) };
}

/**
 * transport-info (XEP-0176 §6) → SIP INFO with an RFC 8840 sdpfrag, Info-Package `trickle-ice`
 * (RFC 8840 §4.2, RFC 6086 §5.2: Content-Disposition names the package).
 */
function trickleInfo(
  iq: Partial<Omit<JingleIq, 'jingle'>> & { jingle: Jingle },
  ctx: AddressContext,
  m: MessageContext,
): SipRequest {
  const j = iq.jingle;
  const self = need(iq.from ?? j.initiator, '<iq> from', 'missing: who trickles');
  const peer = need(iq.to ?? j.responder, '<iq> to', 'missing: the peer JID at the gateway');
  const uri = jidToSipUri(bareJid(peer), ctx);
  const from = callerJidToSipFrom(self, ctx);
  const body = writeSdpFrag(transportInfoToSdpFrag(j));
  const headers: SipHeader[] = [
    { name: 'Via', value: viaHeader(local(m, uri)) },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: formatNameAddr({ uri: from, params: { tag: stableId(`from ${j.sid}`) } }) },
    { name: 'To', value: formatNameAddr({ uri, params: { tag: stableId(`to ${j.sid}`) } }) },
    { name: 'Call-ID', value: callIdForSid(j.sid, m.address.sipHost) },
    { name: 'CSeq', value: '2 INFO' },
    { name: 'Info-Package', value: 'trickle-ice' },
    { name: 'Content-Disposition', value: 'Info-Package' },
    { name: 'Content-Type', value: 'application/trickle-ice-sdpfrag' },
    { name: 'User-Agent', value: m.userAgent },
  ];
  return { kind: 'request', method: 'INFO', uri, headers, body };
}

/**
 * session-terminate (XEP-0166 §6.7) → CANCEL, BYE or a final response (docs/design.md §Reasons).
 * The terminating party is the IQ's `from`; whether the call was answered comes from `dialog`,
 * or, without it, from the reason: `cancel` ends an unanswered call, `success` an answered one,
 * and a responder's busy/decline/… refuses an unanswered call with the mapped status.
 */
function terminate(
  iq: Partial<Omit<JingleIq, 'jingle'>> & { jingle: Jingle },
  ctx: AddressContext,
  m: MessageContext,
  dialog?: DialogState,
): SipMessage {
  const j = iq.jingle;
  const condition = j.reason?.condition ?? 'success';
  const mapped = reasonToSip(condition, m.tables.reasons);
  // Who terminates: known when the IQ names both; otherwise the reason tells — only a callee
  // refuses with busy or decline (XEP-0166 §7.4), and only a UAC may CANCEL (RFC 3261 §9).
  const byInitiator =
    iq.from !== undefined && j.initiator !== undefined
      ? sameBareJid(iq.from, j.initiator)
      : condition !== 'busy' && condition !== 'decline';
  const answered = dialog ? dialog.state === 'confirmed' : mapped.request === 'BYE';
  const text = j.reason?.text;
  if (!byInitiator && !answered && mapped.request === undefined && mapped.status !== undefined) {
    // The XMPP callee refuses a SIP-originated call: the INVITE gets a final response.
    const res = answerResponse(iq, ctx, m, mapped.status, mapped.text, false);
    if (text !== undefined) res.headers.push({ name: 'Reason', value: sipReasonHeader(mapped.status, text) });
    return res;
  }
  const method = !answered && (byInitiator || mapped.request === 'CANCEL') ? 'CANCEL' : 'BYE';
  const self = need(iq.from ?? j.initiator, '<iq> from', 'missing: who terminates');
  const peer = need(iq.to ?? j.responder, '<iq> to', 'missing: the peer JID at the gateway');
  const uri = jidToSipUri(bareJid(peer), ctx);
  const from = callerJidToSipFrom(self, ctx);
  const l = local(m, uri);
  // RFC 3261 §9.1: a CANCEL has the INVITE's Call-ID, tags, CSeq number and branch.
  const headers: SipHeader[] = [
    { name: 'Via', value: method === 'CANCEL' ? viaHeader(l, `invite ${j.sid}`) : viaHeader(l) },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: formatNameAddr({ uri: from, params: { tag: stableId(`from ${j.sid}`) } }) },
    {
      name: 'To',
      value: formatNameAddr({ uri, params: method === 'BYE' ? { tag: stableId(`to ${j.sid}`) } : {} }),
    },
    { name: 'Call-ID', value: callIdForSid(j.sid, m.address.sipHost) },
    { name: 'CSeq', value: method === 'CANCEL' ? '1 CANCEL' : '2 BYE' },
  ];
  // RFC 3326 §2: the Reason header says why; a plain hang-up (success) or cancel needs none.
  if (condition !== 'success' && condition !== 'cancel' && mapped.status !== undefined) {
    headers.push({ name: 'Reason', value: sipReasonHeader(mapped.status, text ?? mapped.text) });
  } else if (text !== undefined && mapped.status !== undefined) {
    headers.push({ name: 'Reason', value: sipReasonHeader(mapped.status, text) });
  }
  headers.push({ name: 'User-Agent', value: m.userAgent });
  return { kind: 'request', method, uri, headers, body: '' };
}
