/**
 * A SIP peer's REFER (RFC 3515) during a call: what the gateway does (docs/midcall.md §Transfer).
 *
 * The gateway is the transferee's user agent, acting for the XMPP user of the call (RFC 5589 §2
 * roles: the SIP peer is the transferor). It either refuses, or accepts (202, RFC 3515 §2.4.2)
 * and places a new call to the Refer-To target on the XMPP user's behalf, reporting progress in
 * NOTIFYs with message/sipfrag bodies (RFC 3515 §2.4.4, §2.4.5). An attended transfer's
 * Refer-To carries Replaces (RFC 3891 §3): the new INVITE carries it, so the target replaces its
 * dialog with the transferor by the new one.
 *
 * No open relay, no toll fraud: the target is mapped to the callee JID an XMPP user would dial
 * (a number → `+1555…@gw`, routed by the gateway's own routes, never the host the REFER named;
 * `user@host` → `user\40host@gw`), and src/policy/callee.ts must allow the XMPP user to call it.
 * A transfer never gets more than the user's own call would: on top of that, per-caller
 * `allowNumbers` openings do not apply to targets a SIP peer chose (only the global
 * `policy.allowNumbers` do). Pure.
 */
import type { CallerRule, PolicyConfig } from '../config/config';
import type { NumberRule } from '../config/mappings';
import { InputError } from '../errors';
import { calleeDenial } from '../policy/callee';
import {
  formatEvent,
  formatReferredBy,
  formatReplaces,
  formatSipFrag,
  formatSubscriptionState,
  header,
  headers,
  parseNameAddr,
  parseReferredBy,
  parseReferSub,
  parseReferTo,
  SIPFRAG_TYPE,
  statusText,
  type Replaces,
} from '../sip/message';
import type { SipHeader, SipRequest } from '../sip/message/types';
import {
  decodeSipUser,
  escapeLocal,
  formatJid,
  jidToSipUri,
  normaliseNumber,
  parseJid,
  splitSipUri,
  type AddressContext,
} from '../translate/address';

/** The dialog the REFER came in, as the gateway knows it. */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

export interface ReferContext {
  /** The XMPP user the gateway acts for in this call (bare JID): the transferee. */
  transferee: string;
  address: AddressContext;
  policy: PolicyConfig;
  denyNumbers: readonly NumberRule[];
  /** `confirmed`: the call is answered; `early`: not yet; `none`: the REFER is outside any call. */
  dialogState: 'confirmed' | 'early' | 'none';
  dialog?: DialogId;
  /** RFC 3515 §2.4.6: from the second REFER of a dialog on, NOTIFYs carry `id=<CSeq>`. */
  firstInDialog: boolean;
  /** Expires of the implicit subscription, in seconds (RFC 3515 §2.4.4 leaves it to the notifier). */
  expires?: number;
}

/** The implicit subscription a REFER creates, for its NOTIFYs. */
export interface ReferSubscription {
  /** The Event header value of every NOTIFY (`refer`, or `refer;id=<CSeq>`). */
  event: string;
  expires: number;
}

/** A NOTIFY's headers and body (the call layer adds the dialog's headers and CSeq). */
export interface ReferNotify {
  headers: SipHeader[];
  body: string;
  /** The subscription ends with this NOTIFY. */
  final: boolean;
}

export type ReferDecision =
  | {
      kind: 'refuse';
      /** 400: malformed (RFC 3515 §2.4.1); 403: policy; 603: a transfer the gateway does not do. */
      status: 400 | 403 | 603;
      reason: string;
      /** For the log and a Warning/Reason text; names the rule. */
      why: string;
    }
  | {
      kind: 'transfer';
      /** The 202 Accepted's extra headers (Refer-Sub: false when the REFER asked and we agree). */
      accept: { status: 202; reason: 'Accepted'; headers: SipHeader[] };
      /** The callee JID the target maps to (what the policy judged). */
      targetJid: string;
      /** The new INVITE: its request-URI (by the gateway's routes) and the headers it adds. */
      invite: { uri: string; headers: SipHeader[] };
      /** Attended transfer: the dialog at the target the new call replaces (RFC 3891). */
      replaces?: Replaces;
      /** Absent with Refer-Sub: false (RFC 4488): no NOTIFY at all. */
      subscription?: ReferSubscription;
      /** The NOTIFY to send right after the 202: `SIP/2.0 100 Trying`. */
      notify?: ReferNotify;
    };

/** The default length of the implicit subscription: long enough for a call to be answered. */
export const REFER_SUBSCRIPTION_SECONDS = 120;

function refuse(status: 400 | 403 | 603, why: string): ReferDecision {
  return { kind: 'refuse', status, reason: statusText(status), why };
}

function isOurHost(host: string, ctx: AddressContext): boolean {
  const h = host.toLowerCase();
  return h === ctx.gatewayDomain.toLowerCase() || h === ctx.sipHost.toLowerCase();
}

/** The callee JID at the gateway for a Refer-To URI, or why there is none. */
function targetJid(uri: string, ctx: AddressContext): string | { why: string } {
  const u = splitSipUri(uri);
  const raw = u.user;
  if (raw === undefined) return { why: 'the Refer-To URI names no user' };
  const user = decodeSipUser(raw, uri);
  const number = normaliseNumber(user, ctx.rules);
  const at = (local: string): string => formatJid(parseJid(`${escapeLocal(local)}@${ctx.gatewayDomain}`));
  if (number !== undefined) return at(number);
  if (u.scheme === 'tel') return { why: 'the tel: URI is not a number the address rules take' };
  if (isOurHost(u.host, ctx))
    return { why: 'the target is an XMPP user of this gateway (transfer to XMPP is not supported)' };
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  return at(`${user}@${host}${u.port === undefined ? '' : `:${u.port}`}`);
}

/** The policy a transfer target is judged by: the user's own, without their personal openings. */
function transferPolicy(policy: PolicyConfig): PolicyConfig {
  const callers = policy.callers.map((r): CallerRule => {
    const { allowNumbers: _dropped, ...rest } = r;
    return rest;
  });
  return { ...policy, callers };
}

/**
 * Decides a REFER. Checks, in order: a call to transfer (outside a call: 403; before the
 * answer: 603); exactly one well-formed Refer-To (RFC 3515 §2.4.1: else 400); a sip/sips/tel
 * target with method INVITE (else 603); a target that maps to a callee JID; the callee policy
 * (403); and that an attended transfer does not name the REFER's own dialog (603).
 * URI headers other than Replaces are never copied into the new INVITE (RFC 3261 §19.1.5).
 */
export function decideRefer(refer: SipRequest, ctx: ReferContext): ReferDecision {
  if (ctx.dialogState === 'none') return refuse(403, 'a REFER outside a call is not taken (no open relay)');
  if (ctx.dialogState === 'early') return refuse(603, 'the call is not answered yet');
  const values = headers(refer, 'Refer-To');
  if (values.length !== 1)
    return refuse(400, `${values.length} Refer-To headers (RFC 3515 §2.4.1: exactly one)`);
  let referTo;
  let referSub = true;
  let referredBy: string | undefined;
  try {
    referTo = parseReferTo(values[0] as string);
    const sub = header(refer, 'Refer-Sub');
    if (sub !== undefined) referSub = parseReferSub(sub);
    const rb = header(refer, 'Referred-By');
    if (rb !== undefined) referredBy = formatReferredBy(parseReferredBy(rb));
    else {
      // RFC 3892 §3: the triggered request names the referrer; without a Referred-By, the REFER's From.
      const from = header(refer, 'From');
      if (from !== undefined)
        referredBy = formatReferredBy({ uri: parseNameAddr(from, 'header From').uri, params: {} });
    }
  } catch (e) {
    if (e instanceof InputError) return refuse(400, `${e.where}: ${e.detail}`);
    throw e;
  }
  if (!referTo.uri)
    return refuse(
      603,
      `Refer-To ${referTo.target.uri.slice(0, 40)}: only sip, sips and tel targets are called`,
    );
  if (referTo.method !== 'INVITE')
    return refuse(603, `Refer-To method=${referTo.method}: only INVITE is carried out (RFC 3515 §2.4.2)`);
  let jid: string | { why: string };
  try {
    jid = targetJid(referTo.target.uri, ctx.address);
  } catch (e) {
    if (e instanceof InputError) return refuse(603, `${e.where}: ${e.detail}`);
    throw e;
  }
  if (typeof jid !== 'string') return refuse(603, jid.why);
  const denial = calleeDenial(
    ctx.transferee,
    jid,
    ctx.address.rules,
    transferPolicy(ctx.policy),
    ctx.denyNumbers,
  );
  if (denial) return refuse(403, `transfer target ${jid}: ${denial.text} [${denial.rule}]`);
  let uri: string;
  try {
    uri = jidToSipUri(jid, ctx.address);
  } catch (e) {
    if (e instanceof InputError) return refuse(603, `${e.where}: ${e.detail}`);
    throw e;
  }
  const replaces = referTo.replaces;
  const d = ctx.dialog;
  if (replaces && d && replaces.callId === d.callId && [d.localTag, d.remoteTag].includes(replaces.toTag))
    return refuse(603, 'the Replaces names the dialog the REFER came in');
  const inviteHeaders: SipHeader[] = [];
  if (referredBy !== undefined) inviteHeaders.push({ name: 'Referred-By', value: referredBy });
  if (replaces) {
    inviteHeaders.push({ name: 'Replaces', value: formatReplaces(replaces) });
    // A target that cannot replace refuses with 420 (RFC 3261 §8.2.2.3) rather than ringing as a
    // second call beside the one it should replace.
    inviteHeaders.push({ name: 'Require', value: 'replaces' });
  }
  const out: Extract<ReferDecision, { kind: 'transfer' }> = {
    kind: 'transfer',
    accept: { status: 202, reason: 'Accepted', headers: [] },
    targetJid: jid,
    invite: { uri, headers: inviteHeaders },
  };
  if (replaces) out.replaces = replaces;
  if (!referSub) {
    // RFC 4488 §4: the REFER asked for no subscription; the 2xx says we agree.
    out.accept.headers.push({ name: 'Refer-Sub', value: 'false' });
    return out;
  }
  const cseq = /^\s*([0-9]+)/.exec(header(refer, 'CSeq') ?? '')?.[1];
  const event = formatEvent(
    ctx.firstInDialog || cseq === undefined
      ? { event: 'refer', params: {} }
      : { event: 'refer', id: cseq, params: {} },
  );
  out.subscription = { event, expires: ctx.expires ?? REFER_SUBSCRIPTION_SECONDS };
  out.notify = referNotify(out.subscription, 100, 'Trying');
  return out;
}

/**
 * The NOTIFY for a response of the new call (RFC 3515 §2.4.5): its Status-Line as the
 * message/sipfrag body; `active` while provisional, `terminated;reason=noresource` at the final
 * response (RFC 3515 §2.4.7 ends the subscription there).
 */
export function referNotify(sub: ReferSubscription, status: number, reason?: string): ReferNotify {
  const final = status >= 200;
  const state = final
    ? formatSubscriptionState({ state: 'terminated', reason: 'noresource', params: {} })
    : formatSubscriptionState({ state: 'active', expires: sub.expires, params: {} });
  return {
    headers: [
      { name: 'Event', value: sub.event },
      { name: 'Subscription-State', value: state },
      { name: 'Content-Type', value: SIPFRAG_TYPE },
    ],
    body: formatSipFrag({ status, reason: reason ?? statusText(status) }),
    final,
  };
}

/**
 * The whole NOTIFY sequence for an outcome of the new call, as the call layer will send it:
 * 100 Trying at once, any 18x as it comes, and the final response. A call that never ends
 * before the subscription expires is reported as 408 Request Timeout (RFC 3515 §2.4.5 needs a
 * final NOTIFY; the new call is cancelled).
 */
export function referNotifySequence(
  sub: ReferSubscription,
  responses: ReadonlyArray<{ status: number; reason?: string }> | 'expired',
): ReferNotify[] {
  const out = [referNotify(sub, 100, 'Trying')];
  if (responses === 'expired') return [...out, referNotify(sub, 408, 'Request Timeout')];
  for (const r of responses) {
    if (r.status === 100) continue;
    out.push(referNotify(sub, r.status, r.reason));
    if (r.status >= 200) break;
  }
  return out;
}
