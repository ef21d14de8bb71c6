/**
 * The running gateway: the XMPP leg, the SIP leg, and a call runner per live call between them.
 *
 * - A session-initiate to a JID at the gateway starts an XMPP-originated call.
 * - An INVITE the SIP leg lets in starts a SIP-originated call.
 * - Every other Jingle IQ, JMI message and SIP event goes to the call it belongs to; a Jingle IQ
 *   for no live call is answered `<unknown-session/>`.
 * `liveCalls()` counts the calls; `stop()` ends them all on both legs, then closes both legs.
 */
import { randomHex } from '../sip/common/random-hex';
import { addressContext } from '../config/address-context';
import type { GatewayConfig } from '../config/config';
import { CallRegistry, SipCall, XmppCall, type CallContext } from '../calls';
import { createLogger, type Logger } from '../log';
import type { ServerInvite } from '../sip/dialog/server-invite';
import { userAgentOptions } from '../sip/ua/config-options';
import { SipUserAgent } from '../sip/ua/user-agent';
import type { Reason } from '../jingle/types';
import { sipToReason } from '../translate/reason';
import type { SipMessage } from '../sip/message/types';
import { bareJid, jidToSipUri } from '../translate/address';
import { normalBareJid, sameJid } from '../translate/jid';
import { XmppLeg, type IncomingJingleIq, type JingleAnswer, type JmiNotice } from '../xmpp';
import { parseNgUri } from '../config/config';
import { RtpengineAnchor, type MediaAnchor } from '../media/anchor';
import { loadMappings, type Mappings } from '../config/mappings';
import { calleeDenial } from '../policy/callee';
import { CallLimits } from '../policy/limits';
import { CallRunner } from './call-runner';
import { reloadConfig } from '../config/reload';
import { fanOut, type CallInfo, type GatewayObserver } from './observer';
import { header } from '../sip/message/headers';
import { parseNameAddr } from '../sip/message/name-addr';
import type { GatewayStatus } from '../ops/health';
import { Ops } from '../ops/ops';

export interface GatewayOptions {
  logger?: Logger;
  /** Extra SIP user agent options (tests: port 0, timers). */
  sip?: Partial<Parameters<typeof SipUserAgent.start>[0]>;
  /** A media anchor in place of the configured rtpengine (tests). */
  media?: MediaAnchor;
  /** Sees calls and messages (src/gateway/observer.ts), besides the `http:` server's own. */
  observer?: GatewayObserver;
}

export class Gateway {
  readonly calls = new CallRegistry();
  private readonly runners = new Map<string, CallRunner>();
  private ctx: CallContext;
  private stopping = false;
  /** Past the drain: the legs are being closed, so losing the XMPP connection is expected. */
  private closing = false;
  private stopped?: Promise<void>;
  private readonly limits: CallLimits;
  private readonly logged = new Map<string, number>();
  /**
   * XEP-0172 nicks from the `<propose>`s we proceeded to, by id (the coming session's sid), until
   * the session-initiate: the INVITE's From display name. Bounded, oldest out.
   */
  private readonly proposeNicks = new Map<string, { from: string; nick: string }>();

  private constructor(
    private current: GatewayConfig,
    /** The mapping tables, loaded once in start() and passed down (src/config/mappings.ts). */
    private readonly tables: Mappings,
    readonly xmpp: XmppLeg,
    readonly sip: SipUserAgent,
    private readonly log: Logger,
    readonly media?: MediaAnchor,
    private readonly observer?: GatewayObserver,
    /** The `http:` server (docs/operations.md), when configured. */
    readonly ops?: Ops,
  ) {
    const config = current;
    this.limits = new CallLimits(config.limits);
    this.ctx = this.contextFor(config);
    xmpp.setHandler({ onJingle: (iq) => this.onJingle(iq) });
    xmpp.on('jmi', (n: JmiNotice) => this.onJmi(n));
    xmpp.on('jmi-error', (n: { id: string; text?: string }) => {
      // A JMI message bounced (no device online): the call decides what that means in its state.
      this.runners.get(n.id)?.post({ kind: 'jmi-bounced' });
    });
    xmpp.on('offline', (reason: unknown) => {
      if (this.closing) return; // stop() closes the connection itself
      log.warn('XMPP connection lost; ending its calls and reconnecting', { reason: String(reason) });
      for (const r of [...this.runners.values()]) r.post({ kind: 'xmpp-down' });
    });
    xmpp.on('online', () => {
      log.info('XMPP component online', { domain: config.xmpp.domain });
      ops?.xmppOnline();
    });
    ops?.attach(() => this.status());
    xmpp.on('fatal', (e: Error) => log.error(`XMPP component refused: ${e.message}`));
    sip.on('invite', (inv: ServerInvite) => this.onInvite(inv));
  }

  static async start(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
    const log = opts.logger ?? createLogger(config.log.level, { format: config.log.format });
    // The edge: the tables are read once here (a bad one fails before any socket opens).
    const tables = loadMappings();
    // First, so that its wire taps see the legs' first messages.
    const ops = config.http
      ? await Ops.start(config.http, (e) => log.warn('HTTP server error', { error: e.message }))
      : undefined;
    const observer = fanOut(opts.observer, ops?.observer);
    let sip: SipUserAgent;
    try {
      // Every `sip.*` key (TLS files read, trunks, inbound auth, outbound proxy, session timer,
      // message size), not only the listen addresses.
      sip = await SipUserAgent.start({
        ...userAgentOptions(config.sip, log.child({ leg: 'sip' })),
        ...(observer?.sipMessage ? { wireTap: wireTap(observer) } : {}),
        ...(config.log.trace ? { wireLog: 'info' as const } : {}),
        ...opts.sip,
      });
    } catch (e) {
      await ops?.close();
      throw e;
    }
    const xmpp = XmppLeg.start(config, {
      tables,
      logger: log.child({ leg: 'xmpp' }),
      ...(observer?.stanza ? { wire: (d, el) => observer.stanza?.(d, el, Date.now()) } : {}),
    });
    const media = opts.media ?? rtpengine(config, log.child({ leg: 'media' }));
    log.info('gateway started', {
      domain: config.xmpp.domain,
      sip: config.sip.listen,
      xmpp: config.xmpp.service,
      ...(ops ? { http: ops.server.url } : {}),
    });
    return new Gateway(config, tables, xmpp, sip, log, media, observer, ops);
  }

  /**
   * From stop() on: new calls are refused, live ones end by themselves or when the drain time is
   * up (docs/operations.md §Stopping, §Health).
   */
  get draining(): boolean {
    return this.stopping;
  }

  /** What /health, /metrics and /calls show. */
  status(): GatewayStatus {
    const regs = this.sip.registrations();
    const peers = this.sip.peers();
    return {
      xmppOnline: this.xmpp.isOnline,
      sipListening: this.sip
        .addresses()
        .map(
          (a) =>
            `${a.transport.toLowerCase()}://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
        ),
      trunks: [
        ...peers
          .filter((p) => p.name === 'sip.outbound' || p.name === 'sip.outboundProxy')
          .map((p) => ({ name: p.name, keepalive: p })),
        ...(this.config.sip.trunks ?? []).map((t) => {
          const registration = regs.find((r) => r.trunk === t.name);
          const keepalive = peers.find((p) => p.name === t.name);
          return {
            name: t.name,
            ...(registration ? { registration } : {}),
            ...(keepalive ? { keepalive } : {}),
          };
        }),
      ],
      calls: this.calls.all(),
      draining: this.draining,
    };
  }

  /** The running configuration (reloads replace its routing, policy, limits, trunk credentials). */
  get config(): GatewayConfig {
    return this.current;
  }

  liveCalls(): number {
    return this.calls.size;
  }

  private contextFor(config: GatewayConfig): CallContext {
    return {
      config,
      tables: this.tables,
      address: addressContext(config, this.tables),
      log: (message, meta) => this.log.debug(message, meta),
    };
  }

  /**
   * A new configuration file (SIGHUP, docs/operations.md §Reload): routing, policy, limits and
   * trunk credentials apply to the next call; live calls keep what they started with. Returns
   * the keys that changed but need a restart (left as they run).
   */
  reload(next: GatewayConfig): string[] {
    const { config, needRestart } = reloadConfig(this.current, next);
    this.current = config;
    this.ctx = this.contextFor(config);
    this.limits.reconfigure(config.limits);
    this.sip.updateTrunkCredentials(userAgentOptions(config.sip).trunks ?? []);
    this.log.info('configuration reloaded', { needRestart });
    return needRestart;
  }

  /** A call admitted under `limitKey` (docs/policy.md §Limits); the limit is freed when it ends. */
  private add(call: XmppCall | SipCall, limitKey: string): CallRunner {
    const runner = new CallRunner(
      call,
      this.calls,
      this.media
        ? {
            xmpp: this.xmpp,
            sip: this.sip,
            media: this.media,
            mediaCheck: {
              checkMs: this.config.media.checkSeconds * 1000,
              silenceMs: this.config.media.silenceSeconds * 1000,
            },
          }
        : { xmpp: this.xmpp, sip: this.sip },
      this.log.child({ sid: call.sid, callId: call.callId }),
      (r) => {
        this.runners.delete(r.call.sid);
        this.limits.ended(limitKey);
      },
      this.observer,
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
    if (this.stopping) return { condition: 'resource-constraint', text: 'the gateway is shutting down' };
    const limitKey = `user:${normalBareJid(iq.from ?? '')}`;
    const refused = this.limits.admit(limitKey);
    if (refused) {
      this.observer?.limited?.('user', limitName(refused.why));
      this.logOnce(limitKey, refused.why, 'call refused by a limit', { caller: iq.from });
      return {
        condition: 'resource-constraint',
        text: `${refused.why}; try again in ${refused.retryAfter} s`,
      };
    }
    const callId = `${randomHex(12)}@${this.config.sip.host.replace(/^\[|\]$/g, '')}`;
    const proposal = this.proposeNicks.get(iq.jingle.sid);
    this.proposeNicks.delete(iq.jingle.sid);
    // Only the caller that proposed may name itself for this sid.
    const nick =
      proposal && iq.from !== undefined && sameJid(proposal.from, iq.from) ? proposal.nick : undefined;
    const { call, effects } = XmppCall.start(iq, this.ctx, callId, nick);
    this.observer?.callStarted?.({
      sid: call.sid,
      callId,
      direction: 'xmpp-to-sip',
      from: iq.from ?? '',
      to: iq.to ?? '',
      at: Date.now(),
    });
    let answer: JingleAnswer = 'ok';
    const first = effects.find((e) => e.kind === 'iq-error');
    if (first && first.kind === 'iq-error') {
      answer = { condition: first.condition, text: first.text };
      if (first.jingleCondition) answer.jingleCondition = first.jingleCondition;
      if (first.condition === 'forbidden') {
        this.observer?.denied?.('callee');
        this.log.warn('call denied by policy', { caller: iq.from, callee: iq.to, text: first.text });
      }
    }
    if (call.ended) {
      this.limits.ended(limitKey);
      const ended = effects.find((e) => e.kind === 'ended');
      this.observer?.callEnded?.(
        call.sid,
        ended?.kind === 'ended' ? ended.condition : 'general-error',
        Date.now(),
      );
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
          this.tables.denyNumbers,
        );
        if (denial) {
          this.observer?.denied?.('callee');
          this.log.warn('call denied by policy', { caller: n.from, callee: n.to, rule: denial.rule });
          refusal = { condition: 'security-error', text: denial.text };
        }
      } catch (e) {
        refusal = { condition: 'gone', text: (e as Error).message };
      }
    }
    if (!refusal && n.nick !== undefined) {
      this.proposeNicks.set(n.id, { from: n.from, nick: n.nick });
      if (this.proposeNicks.size > 1000)
        this.proposeNicks.delete(this.proposeNicks.keys().next().value as string);
    }
    const sent = refusal
      ? this.xmpp.sendJmi('reject', { id: n.id, reason: refusal })
      : this.xmpp.sendJmi('proceed', { id: n.id });
    sent.catch((e: Error) => this.log.warn('JMI answer not sent', { id: n.id, error: e.message }));
  }

  private onInvite(inv: ServerInvite): void {
    if (this.stopping) {
      // RFC 3261 §21.5.4: the caller may try elsewhere at once (a restart takes seconds).
      inv.reject(503, 'Service Unavailable', [
        { name: 'Retry-After', value: '5' },
        { name: 'Warning', value: `399 ${this.config.sip.host} "the gateway is shutting down"` },
      ]);
      return;
    }
    const limitKey = `source:${inv.source.address}`;
    const refused = this.limits.admit(limitKey);
    if (refused) {
      this.observer?.limited?.('source', limitName(refused.why));
      this.logOnce(limitKey, refused.why, 'call refused by a limit', { source: inv.source.address });
      // RFC 3261 §21.5.4: 503 with Retry-After; the Warning says which limit.
      inv.reject(503, 'Service Unavailable', [
        { name: 'Retry-After', value: String(refused.retryAfter) },
        { name: 'Warning', value: `399 ${this.config.sip.host} "${refused.why}"` },
      ]);
      return;
    }
    // XEP-0353 §3.1: the propose id is the sid of the session that follows.
    const sid = randomHex(12);
    const { call, effects } = SipCall.start(inv.request, sid, this.ctx, inv.source.address);
    const info: CallInfo = {
      sid,
      callId: call?.callId ?? header(inv.request, 'call-id') ?? sid,
      direction: 'sip-to-xmpp',
      from: uriOf(header(inv.request, 'from')),
      to: inv.request.uri,
      at: Date.now(),
    };
    this.observer?.callStarted?.(info);
    if (!call) {
      this.limits.ended(limitKey);
      const denied = effects.find((e) => e.kind === 'sip-reject' && e.status === 403);
      if (denied) {
        this.observer?.denied?.('source');
        this.log.warn('call denied by policy', { source: inv.source.address, to: inv.request.uri });
      }
      for (const e of effects) if (e.kind === 'sip-reject') inv.reject(e.status, e.reason, e.headers);
      // Refused before it began: 403 (policy.sources), 404 (no such user), 488 (an offer we cannot read).
      const status = effects.find((e) => e.kind === 'sip-reject');
      this.observer?.callEnded?.(
        sid,
        sipToReason(status?.kind === 'sip-reject' ? status.status : 500, this.tables.reasons),
        Date.now(),
      );
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

  /**
   * Stops taking calls (503 / `resource-constraint`), lets live calls go on for up to `drainMs`,
   * then ends the rest on both legs (BYE / CANCEL / final response, session-terminate) and
   * closes both legs. A second call with a shorter drain cuts the wait short.
   */
  async stop(o: { drainMs?: number } = {}): Promise<void> {
    this.stopping = true;
    const drainMs = o.drainMs ?? 0;
    if (drainMs < (this.drainUntil ?? Infinity) - Date.now()) {
      this.drainUntil = Date.now() + drainMs;
      this.drainCut?.();
    }
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private drainUntil?: number;
  private drainCut?: () => void;

  private async shutdown(): Promise<void> {
    if (this.liveCalls() > 0 && (this.drainUntil ?? 0) > Date.now()) {
      this.log.info('draining: no new calls; waiting for the live ones', {
        calls: this.liveCalls(),
        seconds: Math.round(((this.drainUntil ?? 0) - Date.now()) / 1000),
      });
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (this.liveCalls() === 0 || Date.now() >= (this.drainUntil ?? 0)) done();
        }, 100);
        const done = (): void => {
          clearInterval(poll);
          this.drainCut = undefined;
          resolve();
        };
        this.drainCut = done;
      });
    }
    this.closing = true;
    for (const r of [...this.runners.values()]) r.post({ kind: 'shutdown' });
    // Let the last Jingle and SIP messages go out before the connections close.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await this.sip.stop();
    await this.xmpp.stop();
    // The calls' last deletes reach rtpengine before its client closes.
    await this.media?.drain();
    this.media?.close();
    await this.ops?.close();
    this.log.info('gateway stopped');
  }
}

/** The SIP tap of an observer, with the time each message passed. */
function wireTap(o: GatewayObserver): (d: 'in' | 'out', msg: SipMessage, peer: string) => void {
  return (d, msg, peer) => o.sipMessage?.(d, msg, peer, Date.now());
}

/** The URI of a From header (its tag is no party), or the header as it is when it does not parse. */
function uriOf(from: string | undefined): string {
  try {
    return parseNameAddr(from ?? '').uri;
  } catch {
    return from ?? '';
  }
}

/** `limits.callsPerUser` → `callsPerUser`: a bounded label (src/policy/limits.ts names the limit). */
function limitName(why: string): string {
  return /\(limits\.([A-Za-z]+)\)/.exec(why)?.[1] ?? 'other';
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
