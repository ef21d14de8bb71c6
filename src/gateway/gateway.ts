/**
 * The running gateway: the XMPP leg, the SIP leg, and a call runner per live call between them.
 *
 * - What the XMPP leg brings (Jingle IQs, JMI notices) is taken in by ./xmpp-intake, what the
 *   SIP leg brings (INVITEs) by ./sip-intake; each starts a call or hands the event to its runner.
 * - The legs talk to the gateway through typed seams: the XMPP leg's event map
 *   (`XmppLegEvents`) and its Jingle delegate, whose answer is the call's (docs/architecture.md §Seams).
 * `liveCalls()` counts the calls; `stop()` ends them all on both legs, then closes both legs.
 */
import { addressContext } from '../config/address-context';
import type { GatewayConfig } from '../config/config';
import { CallRegistry, SipCall, XmppCall, type CallContext } from '../calls';
import { createLogger, type Logger } from '../log';
import type { ServerInvite } from '../sip/dialog/server-invite';
import { userAgentOptions } from '../sip/ua/config-options';
import { SipUserAgent } from '../sip/ua/user-agent';
import type { SipMessage } from '../sip/message/types';
import { XmppLeg } from '../xmpp';
import { parseNgUri } from '../config/config';
import { RtpengineAnchor, type MediaAnchor } from '../media/anchor';
import { CallLimits } from '../policy/limits';
import { CallRunner } from './call-runner';
import { reloadConfig } from '../config/reload';
import { fanOut, type GatewayObserver } from './observer';
import type { GatewayStatus } from '../ops/health';
import { Ops } from '../ops/ops';
import { loadMappings, type Mappings } from '../config/mappings';
import { onInvite, type SipIntakeHost } from './sip-intake';
import { XmppIntake, type IntakeHost } from './xmpp-intake';
import { otherCallLookup } from './other-call';

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
  private readonly intake: XmppIntake;

  private constructor(
    private current: GatewayConfig,
    /** The mapping tables, loaded once in start() and passed down (src/config/mappings.ts). */
    readonly tables: Mappings,
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
    const host: IntakeHost & SipIntakeHost = {
      xmpp,
      limits: this.limits,
      log,
      ...(observer ? { observer } : {}),
      draining: () => this.draining,
      config: () => this.current,
      ctx: () => this.ctx,
      runner: (sid) => this.runners.get(sid),
      add: (call: XmppCall | SipCall, limitKey: string) => this.add(call, limitKey),
      logOnce: (key, why, message, meta) => this.logOnce(key, why, message, meta),
    };
    this.intake = new XmppIntake(host);
    xmpp.setHandler({ onJingle: (iq) => this.intake.onJingle(iq) });
    xmpp.on('jmi', (n) => this.intake.onJmi(n));
    // A JMI message bounced (no device online): the call decides what that means in its state.
    xmpp.on('jmi-error', (n) => this.runners.get(n.id)?.post({ kind: 'jmi-bounced' }));
    xmpp.on('offline', (reason) => {
      if (this.closing) return; // stop() closes the connection itself
      log.warn('XMPP connection lost; ending its calls and reconnecting', { reason });
      for (const r of [...this.runners.values()]) r.post({ kind: 'xmpp-down' });
    });
    xmpp.on('online', () => {
      log.info('XMPP component online', { domain: config.xmpp.domain });
      ops?.xmppOnline();
    });
    ops?.attach(() => this.status());
    xmpp.on('fatal', (e) => log.error(`XMPP component refused: ${e.message}`));
    sip.on('invite', (inv: ServerInvite) => onInvite(host, inv));
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
      otherCall: otherCallLookup((sid) => this.runners.get(sid)),
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
