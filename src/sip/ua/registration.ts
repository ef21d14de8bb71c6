/**
 * REGISTER to an upstream registrar (RFC 3261 §10.2) for one trunk: refreshed before expiry,
 * answered challenges (401/407), 423 Min-Expires honoured, failures retried with exponential
 * back-off and jitter (RFC 5626 §4.5 style). Its state is observable: `state()` and a
 * 'state' event, and each change is logged.
 *
 *     idle --start--> registering --2xx--> registered --refresh due--> registering
 *                        |   ^  
 *                        v   | back-off elapsed  
 *                       failed <--failure/timeout--
 */
import { EventEmitter } from 'node:events';
import { TimerGroup, type TimerHandle } from '../common/clock';
import { targetIsSips, type UaCore } from '../dialog/core';
import { authorizationValue, pickChallenge } from '../message/digest';
import { header, headers } from '../message/headers';
import { newCallId, newTag } from '../message/ids';
import { parseNameAddr } from '../message/name-addr';
import type { SipRequest, SipResponse } from '../message/types';

export type RegistrationStatus = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

export interface RegistrationState {
  trunk: string;
  aor: string;
  registrar: string;
  status: RegistrationStatus;
  /** Granted expiry in seconds (last success). */
  expires?: number;
  /** Epoch ms when the binding lapses (registered) or the next attempt is due (failed). */
  expiresAt?: number;
  nextAttemptAt?: number;
  lastStatus?: number;
  lastReason?: string;
  failures: number;
  registeredCount: number;
}

export interface RegistrationOptions {
  trunk: string;
  /** Request-URI: `sip:registrar.example.net`. */
  registrar: string;
  /** The address of record: `sip:user@example.net`. */
  aor: string;
  expires?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export class Registration extends EventEmitter {
  private readonly callId = newCallId('gw');
  private readonly fromTag = newTag();
  private seq = 0;
  private readonly timers: TimerGroup;
  private next?: TimerHandle;
  private readonly st: RegistrationState;
  private readonly expires: number;

  constructor(
    private readonly core: UaCore,
    private readonly o: RegistrationOptions,
  ) {
    super();
    this.timers = new TimerGroup(core.clock);
    this.expires = o.expires ?? 3600;
    this.st = {
      trunk: o.trunk,
      aor: o.aor,
      registrar: o.registrar,
      status: 'idle',
      failures: 0,
      registeredCount: 0,
    };
  }

  state(): RegistrationState {
    return { ...this.st };
  }

  start(): void {
    this.attempt(this.expires);
  }

  /**
   * Stops refreshing. When registered, removes the binding first (REGISTER with Expires: 0,
   * RFC 3261 §10.2.2), waiting at most `waitMs` for the answer.
   */
  async stop(waitMs = 1000): Promise<void> {
    const wasRegistered = this.st.status === 'registered';
    this.timers.cancelAll();
    this.set({ status: 'stopped' });
    if (!wasRegistered || waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const t = this.core.clock.setTimeout(resolve, waitMs);
      this.core.send(
        this.build(0),
        (res) => {
          if (res.status < 200) return;
          t.cancel();
          resolve();
        },
        { fillContact: true },
      );
    });
  }

  private set(p: Partial<RegistrationState>): void {
    Object.assign(this.st, p);
    this.core.logger.info('registration', { ...this.st });
    this.emit('state', this.state());
  }

  private build(expires: number): SipRequest {
    return {
      kind: 'request',
      method: 'REGISTER',
      uri: this.o.registrar,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${this.o.aor}>;tag=${this.fromTag}` },
        { name: 'To', value: `<${this.o.aor}>` },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${++this.seq} REGISTER` },
        { name: 'Contact', value: this.core.contact() },
        { name: 'Expires', value: String(expires) },
        { name: 'User-Agent', value: this.core.userAgent },
      ],
      body: '',
    };
  }

  private attempt(expires: number, auth?: { res: SipResponse; req: SipRequest }, tries = 0): void {
    if (this.st.status === 'stopped') return;
    let req = this.build(expires);
    if (auth) {
      const isProxy = auth.res.status === 407;
      const ch = pickChallenge(headers(auth.res, isProxy ? 'proxy-authenticate' : 'www-authenticate'));
      const creds = ch && this.core.credentials(ch.realm, req);
      if (!ch || !creds) return this.fail(auth.res, 'no credentials for the challenge');
      req = {
        ...req,
        headers: [
          ...req.headers,
          {
            name: isProxy ? 'Proxy-Authorization' : 'Authorization',
            value: authorizationValue(ch, creds, 'REGISTER', req.uri),
          },
        ],
      };
    }
    if (this.st.status !== 'registered' && this.st.status !== 'registering')
      this.set({ status: 'registering' });
    const sent = req;
    const handle = this.core.send(
      req,
      (res) => {
        if (res.status < 200 || this.st.status === 'stopped') return;
        // The Contact the router filled in for the flow it picked (§8.1.1.8, §10.2.1).
        const ours = this.core.contact(handle.flow(), targetIsSips(sent));
        this.onAnswer(res, expires, req, tries, ours);
      },
      { fillContact: true },
    );
  }

  private onAnswer(res: SipResponse, expires: number, req: SipRequest, tries: number, ours: string): void {
    if ((res.status === 401 || res.status === 407) && tries < 2)
      return this.attempt(expires, { res, req }, tries + 1);
    if (res.status === 423 && tries < 2) {
      const min = Number(header(res, 'min-expires'));
      if (Number.isFinite(min) && min > expires) return this.attempt(min, undefined, tries + 1);
    }
    if (res.status >= 200 && res.status < 300) return this.success(res, expires, ours);
    this.fail(res, res.reason);
  }

  private grantedExpiry(res: SipResponse, asked: number, ours: string): number {
    // §10.2.4: our binding's expires param, else Expires, else what we asked for.
    for (const c of headers(res, 'contact')) {
      try {
        const na = parseNameAddr(c);
        if (na.uri === parseNameAddr(ours).uri && typeof na.params.expires === 'string')
          return Number(na.params.expires);
      } catch {
        /* ignore a contact we cannot parse */
      }
    }
    const e = header(res, 'expires');
    return e !== undefined && /^[0-9]+$/.test(e) ? Number(e) : asked;
  }

  private success(res: SipResponse, asked: number, ours: string): void {
    const granted = this.grantedExpiry(res, asked, ours);
    const now = this.core.clock.now();
    // Refresh at half the interval for short ones, a minute early for long ones.
    const refreshIn = granted > 120 ? (granted - 60) * 1000 : Math.max(500, (granted * 1000) / 2);
    this.next?.cancel();
    this.next = this.timers.set(() => this.attempt(this.expires), refreshIn);
    this.set({
      status: 'registered',
      expires: granted,
      expiresAt: now + granted * 1000,
      nextAttemptAt: now + refreshIn,
      lastStatus: res.status,
      lastReason: res.reason,
      failures: 0,
      registeredCount: this.st.registeredCount + 1,
    });
  }

  private fail(res: SipResponse, why: string): void {
    const failures = this.st.failures + 1;
    const base = this.o.retryBaseMs ?? 30_000;
    const max = this.o.retryMaxMs ?? 1_800_000;
    let wait = Math.min(max, base * 2 ** (failures - 1));
    wait = Math.round(wait * (0.5 + Math.random() * 0.5));
    const retryAfter = header(res, 'retry-after');
    if (retryAfter !== undefined && /^[0-9]+/.test(retryAfter))
      wait = Math.max(wait, parseInt(retryAfter, 10) * 1000);
    this.next?.cancel();
    this.next = this.timers.set(() => this.attempt(this.expires), wait);
    this.set({
      status: 'failed',
      lastStatus: res.status,
      lastReason: why,
      failures,
      nextAttemptAt: this.core.clock.now() + wait,
    });
  }
}
