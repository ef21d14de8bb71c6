/**
 * The client's XEP-0251 `<transfer/>` → a REFER to the SIP peer (docs/midcall.md §Transfer), and
 * the peer's NOTIFYs back → what the client hears.
 *
 * The client is the transferor (XEP-0251 §2 "attendant"), the SIP peer the transferee: the
 * gateway asks it to call the target with a REFER (RFC 3515) whose Refer-To is the target's SIP
 * URI, made by the address translation (src/translate/address.ts); for an attended transfer
 * (§3: `sid` names the client's session with the target) the Refer-To carries the Replaces of the
 * gateway's SIP dialog for that session (RFC 3891 §3, RFC 5589 §7). A peer whose Allow lacks
 * REFER cannot be asked, and the client gets the error XEP-0251 §2 requires ("if not, it MUST
 * return a feature-not-implemented error"). Pure.
 */
import type { PolicyConfig } from '../config/config';
import type { NumberRule } from '../config/mappings';
import { InputError } from '../errors';
import type { Jingle, Transfer } from '../jingle/types';
import { calleeDenial } from '../policy/callee';
import { formatReferredBy, formatReferTo, parseSipFrag, type Replaces } from '../sip/message';
import type { SipHeader } from '../sip/message/types';
import {
  bareJid,
  callerJidToSipFrom,
  jidToSipUri,
  parseJid,
  type AddressContext,
} from '../translate/address';
import type { DialogId } from './refer';

/** The gateway's SIP dialog of another call of the client, found by its Jingle sid. */
export interface OtherCall {
  dialog: DialogId;
  /** The SIP peer's URI in that dialog (its To or From): the Refer-To target. */
  peerUri: string;
}

export interface TransferContext {
  /** The client's bare JID: the transferor. */
  transferor: string;
  address: AddressContext;
  policy: PolicyConfig;
  denyNumbers: readonly NumberRule[];
  /** The methods in the SIP peer's Allow header(s) (RFC 3261 §20.5). */
  peerAllow: readonly string[];
  /** XEP-0251 §3: the client's other session, by sid. */
  otherCall?: (sid: string) => OtherCall | undefined;
}

export type TransferDecision =
  /** Send a REFER in the call's dialog with these headers; answer the IQ with a result. */
  | { kind: 'refer'; headers: SipHeader[]; target: string; replaces?: Replaces }
  /** Answer the IQ with this error (XEP-0166 §8 / RFC 6120 §8.3.3 conditions). */
  | {
      kind: 'refuse';
      condition: 'feature-not-implemented' | 'bad-request' | 'forbidden' | 'item-not-found';
      text: string;
    };

function refuse(
  condition: Extract<TransferDecision, { kind: 'refuse' }>['condition'],
  text: string,
): TransferDecision {
  return { kind: 'refuse', condition, text };
}

/**
 * The SIP URI a target JID is reached at: at the gateway's domain, the callee's URI
 * (jidToSipUri: a number by the gateway's routes, `alice\40pbx@gw` → sip:alice@pbx); any other
 * JID, the gateway's SIP address for that XMPP user (`sip:juliet%40capulet.lit@<gw>`), so the
 * peer's new call comes back in through the gateway as an inbound call.
 */
function targetUri(jid: string, ctx: TransferContext): string | TransferDecision {
  const bare = bareJid(jid);
  const { domain } = parseJid(bare);
  if (domain.toLowerCase() !== ctx.address.gatewayDomain.toLowerCase())
    return callerJidToSipFrom(bare, ctx.address, 'escaped');
  // A transfer is a call the client has placed made by someone else: the same policy applies.
  const denial = calleeDenial(ctx.transferor, bare, ctx.address.rules, ctx.policy, ctx.denyNumbers);
  if (denial) return refuse('forbidden', denial.text);
  return jidToSipUri(bare, ctx.address);
}

/** The client's session-info `<transfer/>` → the REFER's headers, or the IQ error. */
export function transferToRefer(t: Transfer, ctx: TransferContext): TransferDecision {
  // RFC 3261 §20.5: Allow is a comma list; an entry may be a whole header value.
  const allowed = ctx.peerAllow.flatMap((v) => v.split(',')).map((m) => m.trim().toUpperCase());
  if (!allowed.includes('REFER'))
    return refuse('feature-not-implemented', 'the SIP peer does not allow REFER (RFC 3261 §20.5 Allow)');
  let target: string;
  let replaces: Replaces | undefined;
  let headers: SipHeader[];
  // The target URI, the Refer-To and the Referred-By all read outside input (a JID, another
  // dialog's peer URI): any of them failing is the client's bad-request, never a throw.
  try {
    if (t.sid !== undefined) {
      // XEP-0251 §3: replace the client's session with the target; its SIP dialog names it.
      const other = ctx.otherCall?.(t.sid);
      if (!other) return refuse('item-not-found', `no call of yours with sid ${t.sid} to replace`);
      target = other.peerUri;
      // RFC 3891 §3: the tags as the target sees them: to-tag is its own (our remote tag).
      replaces = {
        callId: other.dialog.callId,
        toTag: other.dialog.remoteTag,
        fromTag: other.dialog.localTag,
        earlyOnly: false,
        params: {},
      };
    } else {
      if (t.to === undefined) return refuse('bad-request', '<transfer/> names no target (to)');
      const uri = targetUri(t.to, ctx);
      if (typeof uri !== 'string') return uri;
      target = uri;
    }
    headers = [
      { name: 'Refer-To', value: formatReferTo({ uri: target, params: {} }, replaces) },
      // RFC 3892 §3: who asked for the transfer, as the SIP side knows the client.
      {
        name: 'Referred-By',
        value: formatReferredBy({ uri: callerJidToSipFrom(ctx.transferor, ctx.address), params: {} }),
      },
    ];
  } catch (e) {
    if (e instanceof InputError) return refuse('bad-request', `${e.where}: ${e.detail}`);
    throw e;
  }
  const out: TransferDecision = { kind: 'refer', headers, target };
  if (replaces) out.replaces = replaces;
  return out;
}

export type ReferProgress =
  /** A provisional status (100 Trying, 180 Ringing): nothing to tell the client. */
  | { kind: 'progress'; status: number }
  /**
   * The transferee reached the target (2xx): the client's session with it ends, as XEP-0251 §2
   * Example 10 ends it — session-terminate with `<success/>` and `<transferred/>`. The SIP
   * dialog is ended by BYE if the peer has not ended it (RFC 5589 §6.1: the transferee hangs up).
   */
  | { kind: 'transferred'; terminate: Jingle }
  /** The transfer failed (3xx–6xx): the call goes on; the client may resume it (RFC 5589 §6.2). */
  | { kind: 'failed'; status: number; reason: string };

/** A NOTIFY of our REFER (its message/sipfrag body, RFC 3515 §2.4.5) → what to do. Bad bodies throw (answer 400). */
export function referNotifyToJingle(body: string, sid: string): ReferProgress {
  const frag = parseSipFrag(body);
  if (frag.status < 200) return { kind: 'progress', status: frag.status };
  if (frag.status >= 300) return { kind: 'failed', status: frag.status, reason: frag.reason };
  return {
    kind: 'transferred',
    terminate: {
      action: 'session-terminate',
      sid,
      contents: [],
      groups: [],
      reason: { condition: 'success', transferred: true, text: 'Transfer success' },
    },
  };
}
