/**
 * The bed of the socket fuzz targets: a real Prosody, the gateway (Gateway.start, in this process,
 * so `liveCalls()` and the heap can be read), SIPp as the SIP callee, and a raw @xmpp/client
 * user that pipelines IQs. Unlike test/e2e/harness.ts it keeps no full log (100,000 stanzas at
 * debug would fill the heap it measures): the logger counts lines by level and keeps the errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { client, type Client } from '@xmpp/client';
import { Element } from 'ltx';
import winston from 'winston';
import Transport from 'winston-transport';
import { parseConfig } from '../../src/config/config';
import { Gateway } from '../../src/gateway/gateway';
import { freePort, spawnProc, type Proc } from '../support/processes';
import { ProsodyServer } from '../support/prosody';
import { SCENARIOS } from '../support/sipp';

/** The heap in use after a full collection (`--expose-gc` switched on at run time). */
export function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Log lines counted by level; error and warn lines kept (the first 50 of each). */
export class CountingLog extends Transport {
  readonly counts: Record<string, number> = {};
  readonly kept: Array<{ level: string; message: string; meta: unknown }> = [];
  constructor() {
    super({ level: 'debug' });
  }
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const { level, message, ...meta } = info as { level: string; message: string };
    this.counts[level] = (this.counts[level] ?? 0) + 1;
    if ((level === 'error' || level === 'warn') && this.kept.filter((k) => k.level === level).length < 50)
      this.kept.push({ level, message, meta });
    next();
  }
  logger(): winston.Logger {
    return winston.createLogger({ level: 'debug', transports: [this] });
  }
}

/** SIPp running `scenario` (test/scenarios/sipp) on UDP `port` until stopped (no `-m`). */
export async function sippForever(scenario: string, port: number, extra: string[] = []): Promise<Proc> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipp-fuzz-'));
  const args = [
    '-sf',
    path.join(SCENARIOS, scenario),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    'u1',
    '-nostdin',
    '-cp',
    String(await freePort()),
    '-max_socket',
    '10000',
    ...extra,
  ];
  return spawnProc('sipp', 'sipp', args, { cwd: dir, removeOnExit: dir });
}

export const SECRET = 'fuzz-secret';
export const GW_DOMAIN = 'gw.localhost';

export interface FuzzWorld {
  prosody: ProsodyServer;
  gateway: Gateway;
  log: CountingLog;
  sipPort: number;
  outboundPort: number;
}

/**
 * Prosody (users registered), the gateway with limits out of the way (the fuzz places calls far
 * faster than a user may: docs/policy.md §Limits) and `sip.outbound` at `outboundPort`.
 */
export async function startFuzzWorld(o: {
  users: Array<[string, string]>;
  outboundPort: number;
  noAnswerSeconds?: number;
}): Promise<FuzzWorld> {
  const prosody = await ProsodyServer.start({ secret: SECRET, users: o.users });
  const sipPort = await freePort();
  const config = parseConfig(
    `
xmpp:
  service: xmpp://127.0.0.1:${prosody.componentPort}
  domain: ${GW_DOMAIN}
  secret: ${SECRET}
  reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }
  iqTimeoutSeconds: 5
sip:
  listen: [ "udp://127.0.0.1:${sipPort}" ]
  outbound: sip:127.0.0.1:${o.outboundPort}
  trusted: [ "127.0.0.0/8" ]
calls:
  gatherWindowMs: 50
  noAnswerSeconds: ${o.noAnswerSeconds ?? 10}
limits: { calls: 1000000, callsPerUser: 100000, callsPerSource: 1000000, attemptsPerSecond: 100000,
          attemptsPerSecondPerUser: 100000, attemptsPerSecondPerSource: 100000 }
log: { level: debug }
`,
    'fuzz.yaml',
  );
  const log = new CountingLog();
  const gateway = await Gateway.start(config, { logger: log.logger() });
  try {
    await gateway.xmpp.whenOnline(5000);
  } catch (e) {
    await gateway.stop();
    await prosody.dispose();
    throw e;
  }
  return { prosody, gateway, log, sipPort, outboundPort: o.outboundPort };
}

/**
 * A logged-in XMPP user that sends IQs and matches their answers by id, without keeping the
 * stanzas (the e2e Bot records everything). It answers the gateway's Jingle IQs with a result.
 */
export class IqClient {
  private readonly pending = new Map<string, (answer: Element) => void>();
  /** Jingle IQ sets the gateway sent us (session-terminate after the 486, session-info …). */
  jingleFromGateway = 0;

  private constructor(readonly xmpp: Client) {
    xmpp.on('stanza', (s: Element) => {
      if (s.name !== 'iq' || (s.attrs.type !== 'result' && s.attrs.type !== 'error')) return;
      const done = this.pending.get(s.attrs.id ?? '');
      if (done === undefined) return;
      this.pending.delete(s.attrs.id ?? '');
      done(s);
    });
  }

  static async connect(
    port: number,
    username: string,
    password: string,
    resource: string,
  ): Promise<IqClient> {
    const x = client({
      service: `xmpp://127.0.0.1:${port}`,
      domain: 'localhost',
      resource,
      username,
      password,
    });
    x.reconnect.stop();
    x.on('error', () => undefined);
    const c = new IqClient(x);
    x.iqCallee.set('urn:xmpp:jingle:1', 'jingle', () => {
      c.jingleFromGateway++;
      return true;
    });
    await x.start();
    await x.send(new Element('presence'));
    return c;
  }

  get outstanding(): number {
    return this.pending.size;
  }

  /** Sends `el` (its `id` must be set) and resolves with the answer, or undefined after `timeoutMs`. */
  request(el: Element | string, id: string, timeoutMs: number): Promise<Element | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(id, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      const sent = typeof el === 'string' ? this.xmpp.write(el) : this.xmpp.send(el);
      sent.catch(() => undefined);
    });
  }

  get online(): boolean {
    return this.xmpp.status === 'online';
  }

  async stop(): Promise<void> {
    await this.xmpp.stop().catch(() => undefined);
  }
}
