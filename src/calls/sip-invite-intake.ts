/**
 * What a SIP-originated call starts from: the INVITE read once into the caller's JID, the
 * callee's bare JID, the offer and its Jingle form — or the final response that refuses it
 * before any XMPP side exists: 404 for a callee we do not serve, 488 for an offer we cannot read
 * or say in Jingle, 403 for a source the policy denies (docs/policy.md §Sources), each with a
 * Warning saying why (RFC 3261 §20.43), so the SIP side's user learns it too.
 */
import { InputError } from '../errors';
import type { Jingle } from '../jingle/types';
import { inboundCallee } from '../policy/inbound';
import { sourceDenial } from '../policy/sources';
import { parseSdp } from '../sdp';
import type { Sdp } from '../sdp/types';
import { header, parseNameAddr, sdpOf } from '../sip/message';
import type { SipRequest } from '../sip/message/types';
import { sipCallerToJid } from '../translate/address';
import { sdpToJingle } from '../translate/description';
import type { CallContext } from './call';
import type { Effect } from './events';
import { displayNick } from './nick';

export interface InviteParts {
  /** The gateway's full JID for the SIP caller. */
  caller: string;
  /** The callee's bare JID. */
  callee: string;
  offer: Sdp;
  jingle: Jingle;
  /** The SIP caller's display name, for the propose's XEP-0172 nick. */
  nick?: string;
}

/** The INVITE's parts, or the refusal; `source`: its source address, for `policy.sources`. */
export function readInvite(
  request: SipRequest,
  sid: string,
  ctx: CallContext,
  source?: string,
): { parts: InviteParts } | { refusal: Effect } {
  const refuse = (status: number, reason: string, text: string): { refusal: Effect } => ({
    refusal: {
      kind: 'sip-reject',
      status,
      reason,
      headers: [
        { name: 'Warning', value: `399 ${ctx.config.sip.host} "${text.replace(/["\\\r\n]/g, ' ')}"` },
      ],
    },
  });
  let parts: InviteParts;
  try {
    parts = read(request, sid, ctx);
  } catch (e) {
    const notFound = e instanceof InputError && e.domain === 'translate' && e.where.startsWith('address');
    const text = e instanceof Error ? e.message : String(e);
    return notFound ? refuse(404, 'Not Found', text) : refuse(488, 'Not Acceptable Here', text);
  }
  const denial = source === undefined ? undefined : sourceDenial(source, parts.callee, ctx.config.policy);
  if (denial) {
    ctx.log?.(`call denied by ${denial.rule}`, { sid, source });
    return refuse(403, 'Forbidden', denial.text);
  }
  return { parts };
}

function read(request: SipRequest, sid: string, ctx: CallContext): InviteParts {
  const resource = ctx.config.xmpp.resource;
  const fromAddr = parseNameAddr(header(request, 'From') ?? '', 'header From');
  const nick = displayNick(fromAddr.display);
  const caller = `${sipCallerToJid(fromAddr.uri, ctx.address)}/${resource}`;
  const to = header(request, 'To');
  const callee = inboundCallee(
    request.uri,
    to === undefined ? undefined : parseNameAddr(to, 'header To').uri,
    ctx.config,
    ctx.address,
  );
  // The SDP, or the SDP part of a multipart body (the SIP leg refused other bodies: 415).
  const sdp = sdpOf(request);
  if (sdp.trim() === '') {
    throw new InputError('sip', 'INVITE', 'no SDP offer (a delayed offer is not supported)');
  }
  const offer = parseSdp(sdp, ctx.tables.hashes);
  // Anchored offers are translated once the anchor has rewritten them; this one must still
  // be expressible, or the INVITE is refused now with 488.
  const jingle = sdpToJingle(offer, ctx.tables, { action: 'session-initiate', sid, initiator: caller });
  return nick === undefined ? { caller, callee, offer, jingle } : { caller, callee, offer, jingle, nick };
}
