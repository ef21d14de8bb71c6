/**
 * What the XMPP leg brings to the gateway: Jingle IQs (a session-initiate starts an
 * XMPP-originated call; every other IQ goes to the call of its sid, or is answered
 * `<unknown-session/>`) and the JMI notices of the leg's proposals (docs/architecture.md §Seams).
 *
 * Every IQ is answered by the call it belongs to, through the runner (its iq-result / iq-error
 * effect), the first one of a call too; this file decides only what no call can: a sid that
 * names no call, a gateway that is stopping, a limit reached.
 */
import { randomHex } from '../sip/common/random-hex';
import { XmppCall, type CallContext } from '../calls';
import type { CallEvent } from '../calls/events';
import type { GatewayConfig } from '../config/config';
import type { Reason } from '../jingle/types';
import type { Logger } from '../log';
import { calleeDenial } from '../policy/callee';
import type { CallLimits } from '../policy/limits';
import { bareJid, jidToSipUri } from '../translate/address';
import { normalBareJid, sameJid } from '../translate/jid';
import type { IncomingJingleIq, JingleAnswer, JmiNotice, XmppLeg } from '../xmpp';
import type { CallRunner } from './call-runner';
import type { GatewayObserver } from './observer';

/** What both intakes (XMPP here, SIP in ./sip-intake) need of the gateway around them. */
export interface GatewayHost {
  /** Read at each use: they change while the gateway runs (stop, reload). */
  draining(): boolean;
  config(): GatewayConfig;
  ctx(): CallContext;
  readonly limits: CallLimits;
  readonly log: Logger;
  readonly observer?: GatewayObserver;
  /** A limit's refusals, logged once per key and reason every 10 s. */
  logOnce(key: string, why: string, message: string, meta: Record<string, unknown>): void;
}

/** What the XMPP intake needs besides. */
export interface IntakeHost extends GatewayHost {
  readonly xmpp: XmppLeg;
  runner(sid: string): CallRunner | undefined;
  /** A call admitted under `limitKey`: registered, with its runner. */
  add(call: XmppCall, limitKey: string): CallRunner;
}

/** `limits.callsPerUser` → `callsPerUser`: a bounded label (src/policy/limits.ts names the limit). */
export function limitName(why: string): string {
  return /\(limits\.([A-Za-z]+)\)/.exec(why)?.[1] ?? 'other';
}

export class XmppIntake {
  /**
   * XEP-0172 nicks from the `<propose>`s we proceeded to, by id (the coming session's sid), until
   * the session-initiate: the INVITE's From display name. Bounded, oldest out.
   */
  private readonly proposeNicks = new Map<string, { from: string; nick: string }>();

  constructor(private readonly g: IntakeHost) {}

  /** The leg's Jingle delegate: the answer is the call's. */
  onJingle(iq: IncomingJingleIq): Promise<JingleAnswer> | JingleAnswer {
    const runner = this.g.runner(iq.jingle.sid);
    if (runner) return runner.jingle({ kind: 'jingle', iq });
    if (iq.jingle.action !== 'session-initiate') {
      return { jingleCondition: 'unknown-session', text: `no session ${iq.jingle.sid}` };
    }
    if (this.g.draining()) return { condition: 'resource-constraint', text: 'the gateway is shutting down' };
    const limitKey = `user:${normalBareJid(iq.from)}`;
    const refused = this.g.limits.admit(limitKey);
    if (refused) {
      this.g.observer?.limited?.('user', limitName(refused.why));
      this.g.logOnce(limitKey, refused.why, 'call refused by a limit', { caller: iq.from });
      return {
        condition: 'resource-constraint',
        text: `${refused.why}; try again in ${refused.retryAfter} s`,
      };
    }
    const callId = `${randomHex(12)}@${this.g.config().sip.host.replace(/^\[|\]$/g, '')}`;
    const proposal = this.proposeNicks.get(iq.jingle.sid);
    this.proposeNicks.delete(iq.jingle.sid);
    // Only the caller that proposed may name itself for this sid.
    const nick = proposal && sameJid(proposal.from, iq.from) ? proposal.nick : undefined;
    const { call, effects } = XmppCall.start(iq, this.g.ctx(), callId, nick);
    this.g.observer?.callStarted?.({
      sid: call.sid,
      callId,
      direction: 'xmpp-to-sip',
      from: iq.from,
      to: iq.to,
      at: Date.now(),
    });
    if (call.denial) {
      this.g.observer?.denied?.('callee');
      this.g.log.warn('call denied by policy', { caller: iq.from, callee: iq.to, text: call.denial.text });
    }
    // A call refused at once ends in these effects: its runner answers the IQ and frees the limit.
    return this.g.add(call, limitKey).begin(iq.id, effects);
  }

  /**
   * JMI (XEP-0353), as the XMPP leg's machine reports it. `out`: the devices' answers to the
   * propose of a SIP-originated call (its id is the call's sid). `in`: an XMPP client proposes a
   * call to a SIP address; the gateway stands for the callee's device and proceeds at once, and
   * the call starts with the session-initiate.
   */
  onJmi(n: JmiNotice): void {
    if (n.direction === 'in') {
      if (n.kind === 'propose') this.answerPropose(n);
      return;
    }
    const event = callEventOf(n);
    if (event !== undefined) this.g.runner(n.id)?.post(event);
  }

  private answerPropose(n: JmiNotice): void {
    const refusal = this.refusalOf(n);
    if (!refusal && n.nick !== undefined) {
      this.proposeNicks.set(n.id, { from: n.from, nick: n.nick });
      const oldest = this.proposeNicks.keys().next();
      if (this.proposeNicks.size > 1000 && !oldest.done) this.proposeNicks.delete(oldest.value);
    }
    const sent = refusal
      ? this.g.xmpp.sendJmi('reject', { id: n.id, reason: refusal })
      : this.g.xmpp.sendJmi('proceed', { id: n.id });
    sent.catch((e: Error) => this.g.log.warn('JMI answer not sent', { id: n.id, error: e.message }));
  }

  /** Why a proposed call cannot be taken (the `<reject>` reason), if it cannot. */
  private refusalOf(n: JmiNotice): Reason | undefined {
    if (this.g.draining()) return { condition: 'general-error', text: 'the gateway is shutting down' };
    try {
      jidToSipUri(bareJid(n.to), this.g.ctx().address);
      const denial = calleeDenial(
        bareJid(n.from),
        bareJid(n.to),
        this.g.ctx().address.rules,
        this.g.config().policy,
        this.g.ctx().tables.denyNumbers,
      );
      if (!denial) return undefined;
      this.g.observer?.denied?.('callee');
      this.g.log.warn('call denied by policy', { caller: n.from, callee: n.to, rule: denial.rule });
      return { condition: 'security-error', text: denial.text };
    } catch (e) {
      return { condition: 'gone', text: (e as Error).message };
    }
  }
}

/** What a notice of the leg's JMI machine tells a SIP-originated call, if anything. */
function callEventOf(n: JmiNotice): CallEvent | undefined {
  switch (n.kind) {
    case 'proceed':
    case 'reject':
    case 'ringing':
    case 'finish':
    case 'tie-break':
      return n.reason
        ? { kind: 'jmi', jmi: n.kind, from: n.from, reason: n.reason }
        : { kind: 'jmi', jmi: n.kind, from: n.from };
    case 'expired':
      return { kind: 'jmi-bounced' };
    default:
      return undefined;
  }
}
