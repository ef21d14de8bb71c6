/**
 * The running gateway: the XMPP leg, the SIP leg, and a call runner per live call between them.
 *
 * - A session-initiate to a JID at the gateway starts an XMPP-originated call.
 * - An INVITE the SIP leg lets in starts a SIP-originated call.
 * - Every other Jingle IQ, JMI message and SIP event goes to the call it belongs to; a Jingle IQ
 *   for no live call is answered `<unknown-session/>`.
 * `liveCalls()` counts the calls; `stop()` ends them all on both legs, then closes both legs.
 */
import { randomBytes } from 'node:crypto';
import { addressContext } from '../config/address-context';
import type { GatewayConfig } from '../config/config';
import { CallRegistry, SipCall, XmppCall, type CallContext } from '../calls';
import { createLogger, type Logger } from '../log';
import type { ServerInvite } from '../sip/server-invite';
import { userAgentOptions } from '../sip/config-options';
import { SipUserAgent } from '../sip/user-agent';
import type { Reason } from '../jingle/types';
import { bareJid, jidToSipUri } from '../translate/address';
import { XmppLeg, type IncomingJingleIq, type JingleAnswer, type JmiNotice } from '../xmpp';
import { parseNgUri } from '../config/config';
import { RtpengineAnchor, type MediaAnchor } from '../media/anchor';
import { mappings } from '../config/mappings';
import { calleeDenial } from '../policy/callee';
import { CallLimits } from '../policy/limits';
import { CallRunner } from './call-runner';

export interface GatewayOptions {
  logger?: Logger;
  /** Extra SIP user agent options (tests: port 0, timers). */
  sip?: Partial<Parameters<typeof SipUserAgent.start>[0]>;
  /** A media anchor in place of the configured rtpengine (tests). */
  media?: MediaAnchor;
}

export class Gateway {
  readonly calls = new CallRegistry();
  private readonly runners = new Map<string, CallRunner>();
  private readonly ctx: CallContext;
  private stopping = false;
  private readonly limits: CallLimits;
  private readonly logged = new Map<string, number>();

  private constructor(
    readonly config: GatewayConfig,
    readonly xmpp: XmppLeg,
    readonly sip: SipUserAgent,
    private readonly log: Logger,
    readonly media?: MediaAnchor,
  ) {
    this.limits = new CallLimits(config.limits);
    this.ctx = {
      config,
      address: addressContext(config),
      log: (message, meta) => log.debug(message, meta),
    };
    xmpp.setHandler({ onJingle: (iq) => this.onJingle(iq) });
    xmpp.on('jmi', (n: JmiNotice) => this.onJmi(n));
    xmpp.on('jmi-error', (n: { id: string; text?: string }) => {
      // A JMI message bounced (no device online): the call decides what that means in its state.
      this.runners.get(n.id)?.post({ kind: 'jmi-bounced' });
    });
    xmpp.on('offline', (reason: unknown) => {
      if (this.stopping) return; // stop() closes the connection itself
      log.warn('XMPP connection lost; ending its calls and reconnecting', { reason: String(reason) });
      for (const r of [...this.runners.values()]) r.post({ kind: 'xmpp-down' });
    });
    xmpp.on('online', () => log.info('XMPP component online', { domain: config.xmpp.domain }));
    xmpp.on('fatal', (e: Error) => log.error(`XMPP component refused: ${e.message}`));
    sip.on('invite', (inv: ServerInvite) => this.onInvite(inv));
  }

  static async start(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
    const log = opts.logger ?? createLogger(config.log.level, { format: config.log.format });
    // Every `sip.*` key (TLS files read, trunks, inbound auth, outbound proxy, session timer,
    // message size), not only the listen addresses.
    const sip = await SipUserAgent.start({
      ...userAgentOptions(config.sip, log.child({ leg: 'sip' })),
      ...(config.log.trace ? { wireLog: 'info' as const } : {}),
      ...opts.sip,
    });
    const xmpp = XmppLeg.start(config, { logger: log.child({ leg: 'xmpp' }) });
    const media = opts.media ?? rtpengine(config, log.child({ leg: 'media' }));
    log.info('gateway started', {
      domain: config.xmpp.domain,
      sip: config.sip.listen,
      xmpp: config.xmpp.service,
    });
    return new Gateway(config, xmpp, sip, log, media);
  }

  liveCalls(): number {
    return this.calls.size;
  }

  /** A call admitted under `limitKey` (docs/policy.md §Limits); the limit is freed when it ends. */
  private add(call: XmppCall | SipCall, limitKey: string): CallRunner {
    const runner = new CallRunner(
      call,
      this.calls,
      this.media ? { xmpp: this.xmpp, sip: this.sip, media: this.media } : { xmpp: this.xmpp, sip: this.sip },
      this.log.child({ sid: call.sid, callId: call.callId }),
      (r) => {
        this.runners.delete(r.call.sid);
        this.limits.ended(limitKey);
      },
    );
    this.calls.add(call);
    this.runners.set(call.sid, runner);
    return runner;
  }

  private onJingle(iq: IncomingJingleIq): Promise<JingleAnswer> | JingleAnswer {
    const runner = this.runners.get(iq.jingle.sid);
    if (runner) return runner.jingle({ kind: 'jingle', iq });
    if (iq.jingle.action !== 'session-initiate') {
      return { jingleCondition: 'unknown-session', text: `no session ${iq.jingle.sid}` };
    }
    if (this.stopping) return { condition: 'service-unavailable', text: 'the gateway is shutting down' };
    const limitKey = `user:${bareJid(iq.from ?? '')}`;
    const refused = this.limits.admit(limitKey);
    if (refused) {
      this.logOnce(limitKey, refused.why, 'call refused by a limit', { caller: iq.from });
      return {
        condition: 'resource-constraint',
        text: `${refused.why}; try again in ${refused.retryAfter} s`,
      };
    }
    const callId = `${randomBytes(12).toString('hex')}@${this.config.sip.host.replace(/^\[|\]$/g, '')}`;
    const { call, effects } = XmppCall.start(iq, this.ctx, callId);
    let answer: JingleAnswer = 'ok';
    const first = effects.find((e) => e.kind === 'iq-error');
    if (first && first.kind === 'iq-error') {
      answer = { condition: first.condition, text: first.text };
      if (first.jingleCondition) answer.jingleCondition = first.jingleCondition;
      if (first.condition === 'forbidden')
        this.log.warn('call denied by policy', { caller: iq.from, callee: iq.to, text: first.text });
    }
    if (call.ended) {
      this.limits.ended(limitKey);
      return answer;
    }
    this.add(call, limitKey).run(effects.filter((e) => e.kind !== 'iq-result' && e.kind !== 'iq-error'));
    return answer;
  }

  /**
   * JMI (XEP-0353). `out`: the devices' answers to the propose of a SIP-originated call (its id is
   * the call's sid). `in`: an XMPP client proposes a call to a SIP address; the gateway stands for
   * the callee's device and proceeds at once, and the call starts with the session-initiate.
   */
  private onJmi(n: JmiNotice): void {
    if (n.direction === 'in') {
      if (n.kind === 'propose') this.answerPropose(n);
      return;
    }
    const runner = this.runners.get(n.id);
    if (!runner) return;
    if (n.kind === 'proceed' || n.kind === 'reject' || n.kind === 'ringing' || n.kind === 'finish') {
      runner.post(
        n.reason
          ? { kind: 'jmi', jmi: n.kind, from: n.from, reason: n.reason }
          : { kind: 'jmi', jmi: n.kind, from: n.from },
      );
    } else if (n.kind === 'expired') {
      runner.post({ kind: 'jmi-bounced' });
    }
  }

  private answerPropose(n: JmiNotice): void {
    let refusal: Reason | undefined;
    if (this.stopping) refusal = { condition: 'general-error', text: 'the gateway is shutting down' };
    else {
      try {
        jidToSipUri(bareJid(n.to), this.ctx.address);
        const denial = calleeDenial(
          bareJid(n.from),
          bareJid(n.to),
          this.ctx.address.rules,
          this.config.policy,
          mappings().denyNumbers,
        );
        if (denial) {
          this.log.warn('call denied by policy', { caller: n.from, callee: n.to, rule: denial.rule });
          refusal = { condition: 'security-error', text: denial.text };
        }
      } catch (e) {
        refusal = { condition: 'gone', text: (e as Error).message };
      }
    }
    const sent = refusal
      ? this.xmpp.sendJmi('reject', { id: n.id, reason: refusal })
      : this.xmpp.sendJmi('proceed', { id: n.id });
    sent.catch((e: Error) => this.log.warn('JMI answer not sent', { id: n.id, error: e.message }));
  }

  private onInvite(inv: ServerInvite): void {
    if (this.stopping) {
      inv.reject(503, 'Service Unavailable');
      return;
    }
    const limitKey = `source:${inv.source.address}`;
    const refused = this.limits.admit(limitKey);
    if (refused) {
      this.logOnce(limitKey, refused.why, 'call refused by a limit', { source: inv.source.address });
      // RFC 3261 §21.5.4: 503 with Retry-After; the Warning says which limit.
      inv.reject(503, 'Service Unavailable', [
        { name: 'Retry-After', value: String(refused.retryAfter) },
        { name: 'Warning', value: `399 ${this.config.sip.host} "${refused.why}"` },
      ]);
      return;
    }
    // XEP-0353 §3.1: the propose id is the sid of the session that follows.
    const sid = randomBytes(12).toString('hex');
    const { call, effects } = SipCall.start(inv.request, sid, this.ctx, inv.source.address);
    if (!call) {
      this.limits.ended(limitKey);
      const denied = effects.find((e) => e.kind === 'sip-reject' && e.status === 403);
      if (denied) this.log.warn('call denied by policy', { source: inv.source.address, to: inv.request.uri });
      for (const e of effects) if (e.kind === 'sip-reject') inv.reject(e.status, e.reason, e.headers);
      return;
    }
    const runner = this.add(call, limitKey);
    runner.attachServer(inv);
    runner.run(effects);
  }

  /** A limit's refusals are logged once per key and reason every 10 s, not per attempt. */
  private logOnce(key: string, why: string, message: string, meta: Record<string, unknown>): void {
    const k = `${key} ${why}`;
    const now = Date.now();
    if ((this.logged.get(k) ?? 0) > now - 10_000) return;
    if (this.logged.size > 10_000) this.logged.clear();
    this.logged.set(k, now);
    this.log.warn(message, { ...meta, why });
  }

  /** Ends every call on both legs (BYE / CANCEL / final response, session-terminate), then closes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const r of [...this.runners.values()]) r.post({ kind: 'shutdown' });
    // Let the last Jingle and SIP messages go out before the connections close.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await this.sip.stop();
    await this.xmpp.stop();
    // The calls' last deletes reach rtpengine before its client closes.
    await this.media?.drain();
    this.media?.close();
    this.log.info('gateway stopped');
  }
}

/** The configured rtpengine, pinged once so the log says at start whether it answers. */
function rtpengine(config: GatewayConfig, log: Logger): MediaAnchor | undefined {
  const at = config.media.rtpengine === undefined ? undefined : parseNgUri(config.media.rtpengine);
  if (at === undefined) return undefined;
  const anchor = new RtpengineAnchor(
    { ...at, timeoutMs: config.media.timeoutMs, retries: config.media.retries },
    log,
  );
  anchor.ping().then(
    () => log.info(`rtpengine at ${anchor.address} answers`, { anchor: config.media.anchor }),
    () => undefined, // the anchor logs unreachable once
  );
  return anchor;
}
