/**
 * The end-to-end bed (issue 5, "End-to-end tests in CI"): a real Prosody with the gateway as its
 * `gw.localhost` component, the gateway itself (SIP on a free UDP port), @xmpp/client bots for
 * the XMPP users, and helpers to run SIPp scenarios from test/scenarios/sipp/e2e-*.xml. Every
 * process a test file starts is stopped in `stopWorld` (afterAll), also when a test failed.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { parseConfig } from '../../src/config/config';
import { Gateway } from '../../src/gateway/gateway';
import { prosodyAvailable, ProsodyServer } from '../support/prosody';
import { freePort, freePortPair, stopAll, waitFor } from '../support/processes';
import { startSipp, type Sipp, type SippOptions, type SippResult } from '../support/sipp';
import { Bot, jmiChild, type Element } from '../xmpp/bots';
import { conversationsOffer, NS_JINGLE, transportInfo, TRICKLED } from './stanzas';

export const SECRET = 'e2e-secret';
export const GW_DOMAIN = 'gw.localhost';
/** The SIP number XMPP-originated calls go to (sip.outbound: a SIPp UAS or a proxy). */
export const CALLEE = '+15551230000@gw.localhost';
/** The XMPP user every e2e file registers: [user, password]. */
export const ALICE: [string, string] = ['alice', 'alicepass'];

export interface WorldOptions {
  /** XMPP users to register: [user, password]. */
  users?: Array<[string, string]>;
  /** Listen on TCP too, on the same port as UDP (`sipPort`). */
  sipTcp?: boolean;
  /** `sip.outbound` port (a SIPp UAS or a proxy); default: a fresh free port. */
  outboundPort?: number;
  gatherWindowMs?: number;
  noAnswerSeconds?: number;
  /** More `sip:` keys, as YAML lines (e.g. `outboundProxy: sip:127.0.0.1:5070`). */
  sipYaml?: string[];
  /**
   * `sip.keepalive` as YAML flow. Default off (`{ intervalSeconds: 0 }`): the SIPp scenarios do
   * not expect in-dialog OPTIONS, which they would take for an unexpected message (the shipped
   * default probes every 30 s; test/e2e/dead-peers.test.ts runs them).
   */
  keepaliveYaml?: string;
  /**
   * `sip.trunkKeepalive` as YAML flow. Default off (`{ intervalSeconds: 0 }`): the SIPp UAS
   * scenarios on the outbound port would take an out-of-dialog OPTIONS for an unexpected message
   * (the shipped default probes every 30 s; test/e2e/trunk-keepalive.test.ts runs them).
   */
  trunkKeepaliveYaml?: string;
  /** `media:` keys, as YAML lines (e.g. `rtpengine: udp://127.0.0.1:22222`). */
  mediaYaml?: string[];
  /** The `policy:` value as YAML flow; default `{ sipHosts: ['127.0.0.1'] }`. */
  policyYaml?: string;
  /**
   * The `limits:` value as YAML flow; default a per-user rate of 100/s, since these tests place
   * calls back to back (test/e2e/policy.test.ts runs the shipped limits).
   */
  limitsYaml?: string;
  /** The `routing:` value as YAML flow (docs/policy.md §Inbound); default none. */
  routingYaml?: string;
  /** The `http:` value as YAML flow (docs/operations.md); default none (no HTTP server). */
  httpYaml?: string;
}

export interface World {
  prosody: ProsodyServer;
  gateway: Gateway;
  /** The gateway's SIP port (UDP, and TCP with `sipTcp`; 127.0.0.1). */
  sipPort: number;
  /** Where XMPP-originated calls go (`sip.outbound`). */
  outboundPort: number;
  /** The gateway's log lines (JSON objects), for failure reports. */
  log: Array<Record<string, unknown>>;
  bots: Bot[];
}

function captureLogger(lines: Array<Record<string, unknown>>): winston.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) {
        if (l.trim() === '') continue;
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          lines.push({ message: l });
        }
      }
      cb();
    },
  });
  return winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** Prosody, then the gateway (waits until its component is online). */
export async function startWorld(o: WorldOptions = {}): Promise<World> {
  const prosody = await ProsodyServer.start({ secret: SECRET, users: o.users ?? [] });
  const sipPort = await freePort();
  // The peer started there may be baresip, which binds the next port too (freePortPair).
  const outboundPort = o.outboundPort ?? (await freePortPair());
  const config = parseConfig(
    `
xmpp:
  service: xmpp://127.0.0.1:${prosody.componentPort}
  domain: ${GW_DOMAIN}
  secret: ${SECRET}
  reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }
  iqTimeoutSeconds: 3
sip:
  listen: [ "udp://127.0.0.1:${sipPort}"${o.sipTcp ? `, "tcp://127.0.0.1:${sipPort}"` : ''} ]
  outbound: sip:127.0.0.1:${outboundPort}
  trusted: [ "127.0.0.0/8" ]
  keepalive: ${o.keepaliveYaml ?? '{ intervalSeconds: 0 }'}
  trunkKeepalive: ${o.trunkKeepaliveYaml ?? '{ intervalSeconds: 0 }'}
${(o.sipYaml ?? []).map((l) => `  ${l}\n`).join('')}calls:
  gatherWindowMs: ${o.gatherWindowMs ?? 50}
  noAnswerSeconds: ${o.noAnswerSeconds ?? 10}
# The tests call baresip and SIPp by address (bob\\40127.0.0.1\\3a<port>@gw.localhost); the shipped
# default allows no SIP host (docs/policy.md).
policy: ${o.policyYaml ?? "{ sipHosts: ['127.0.0.1'] }"}
limits: ${o.limitsYaml ?? '{ attemptsPerSecondPerUser: 100 }'}
${o.routingYaml ? `routing: ${o.routingYaml}\n` : ''}${o.httpYaml ? `http: ${o.httpYaml}\n` : ''}${o.mediaYaml ? `media:\n${o.mediaYaml.map((l) => `  ${l}\n`).join('')}` : ''}log: { level: debug }
`,
    'e2e.yaml',
  );
  const log: Array<Record<string, unknown>> = [];
  const gateway = await Gateway.start(config, { logger: captureLogger(log), sip: { wireLog: true } });
  const world: World = { prosody, gateway, sipPort, outboundPort, log, bots: [] };
  try {
    await gateway.xmpp.whenOnline(5000);
  } catch (e) {
    await stopWorld(world);
    throw e;
  }
  return world;
}

/** A logged-in XMPP user (carbons on, available presence). */
export async function connectBot(
  w: World,
  username: string,
  password: string,
  resource: string,
): Promise<Bot> {
  const bot = await Bot.connect({ port: w.prosody.c2sPort, username, password, resource });
  w.bots.push(bot);
  return bot;
}

/** After each test: the gateway has no call left, and the SIP leg no dialog or transaction. */
export async function expectNoLiveCalls(w: World | undefined, ms = 5000): Promise<void> {
  if (w === undefined) return;
  await waitFor(
    () => w.gateway.liveCalls() === 0,
    ms,
    `gateway.liveCalls() === 0 (is ${w.gateway.liveCalls()})`,
  );
  await waitFor(() => w.gateway.sip.liveDialogs() === 0, ms, `sip.liveDialogs() === 0`);
}

/** Stops every bot, the gateway, Prosody, and each peer process started through test/support. */
export async function stopWorld(w: World | undefined): Promise<void> {
  await stopAll();
  if (w === undefined) return;
  // E2E_LOG=file keeps the gateway's log of the whole file for a look after a failure.
  if (process.env.E2E_LOG)
    fs.appendFileSync(process.env.E2E_LOG, w.log.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await Promise.all(w.bots.map((b) => b.stop()));
  await w.gateway.stop().catch(() => undefined);
  await w.prosody.dispose();
}

/** Runs a SIPp scenario (e2e-*.xml); `done` resolves with its exit code, stats and trace. */
export function sipp(o: SippOptions): Promise<Sipp> {
  return startSipp({ timeoutSec: 20, ...o });
}

/** Awaits SIPp and fails with its output and the gateway's log when it did not pass. */
export async function sippPassed(s: Sipp, w?: World): Promise<SippResult> {
  const r = await s.done;
  if (r.code !== 0) {
    const tail = (w?.log ?? [])
      .slice(-80)
      .map((l) => JSON.stringify(l))
      .join('\n');
    throw new Error(
      `SIPp exited ${r.code} (trace in ${s.dir}):\n${r.output.slice(-4000)}\n--- gateway log ---\n${tail}`,
    );
  }
  // Kept for a look when it failed; removed when it passed.
  fs.rmSync(s.dir, { recursive: true, force: true });
  return r;
}

/** The first SIPp trace entry whose first line starts with `prefix` (e.g. `'SIP/2.0 200'`, `'BYE'`). */
export function traced(r: SippResult, direction: 'sent' | 'received', prefix: string): string | undefined {
  return r.trace.find((e) => e.direction === direction && e.firstLine.startsWith(prefix))?.text;
}

// ── Jingle stanzas in and out ─────────────────────────────────────────────────────────────

export function jingleOf(s: Element): Element | undefined {
  return s.name === 'iq' ? s.getChild('jingle', NS_JINGLE) : undefined;
}

/** A predicate for `bot.waitFor`: a Jingle IQ set with this sid and action. */
export const jingleAction =
  (sid: string, action: string) =>
  (s: Element): boolean =>
    s.attrs.type === 'set' && jingleOf(s)?.attrs.sid === sid && jingleOf(s)?.attrs.action === action;

/** `{ condition, text }` of a session-terminate's `<reason>`. */
export function reasonOf(s: Element): { condition?: string; text?: string } {
  const r = jingleOf(s)?.getChild('reason');
  return {
    condition: r?.getChildElements().find((c) => c.name !== 'text')?.name,
    text: r?.getChildText('text') ?? undefined,
  };
}

/** Sends an IQ and expects a result (not an error). */
export async function iqOk(bot: Bot, iq: Element): Promise<Element> {
  const answer = await bot.iq(iq);
  if (answer.attrs.type !== 'result') throw new Error(`IQ refused: ${answer.toString()}`);
  return answer;
}

export { Bot, NS_JINGLE, type Element, type Sipp };

/** Resolves once something has bound UDP `port` on 127.0.0.1 (a SIPp UAS is ready). */
export async function waitUdpBound(port: number, run?: Sipp, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  let exited = false;
  void run?.proc.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`SIPp exited before binding ${port}:\n${run?.proc.output().slice(-2000)}`);
    const free = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (!free) return;
    if (Date.now() > until) throw new Error(`nothing bound UDP 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether the peers of the e2e bed are installed. */
export function peersAvailable(...bins: string[]): boolean {
  return bins.every((b) => {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * A Conversations-style call from `bot` to `to` (at the gateway): the session-initiate and a
 * trickled candidate right behind it, both answered with an IQ result.
 */
export async function offerCall(bot: Bot, to: string, sid: string): Promise<void> {
  const initiate = iqOk(bot, conversationsOffer({ to, from: bot.jid, sid }));
  const trickle = iqOk(bot, transportInfo({ to, from: bot.jid, sid, name: '0', candidate: TRICKLED }));
  await Promise.all([initiate, trickle]);
}

export interface BedOptions extends WorldOptions {
  /** Peers the tests need besides Prosody and SIPp (e.g. `kamailio`); skipped without them. */
  peers?: string[];
  /** alice's devices (resources) logged in before the tests; default `['phone']`. */
  devices?: string[];
  /** Runs once the gateway is up, before the devices log in (e.g. starts a proxy). */
  beforeDevices?: (w: World) => Promise<void>;
  /** Whether each test must leave no live call (`expectNoLiveCalls` in afterEach); default true. */
  noLiveCallsAfterEach?: boolean;
  /** More world options found in beforeAll (e.g. free ports), over the ones above. */
  late?: () => Promise<WorldOptions>;
}

/** What {@link useWorld} hands the tests of a `describe`. */
export interface Bed {
  /** The world started in beforeAll (throws when it did not start). */
  readonly world: World;
  /** alice's device logged in with `resource` (default: the first of `devices`). */
  device(resource?: string): Bot;
  /** A SIPp UAS (e2e-uas-*.xml) on `port` (default: the gateway's `sip.outbound`), once bound. */
  uas(scenario: string, port?: number): Promise<Sipp>;
  /** A SIPp UAS, then a Conversations-style call to {@link CALLEE} from `from` (alice's device). */
  callOut(scenario: string, o?: { port?: number; from?: Bot }): Promise<{ sid: string; run: Sipp }>;
  /** A SIPp UAC (e2e-uac-*.xml) calling the gateway's SIP port from a free port. */
  uac(scenario: string): Promise<Sipp>;
  /** {@link sippPassed} with this world's log. */
  passed(run: Sipp): Promise<SippResult>;
}

/**
 * An e2e `describe` (skipped unless Prosody, SIPp and `o.peers` are installed) whose tests run
 * against the world of {@link useWorld}.
 */
export function describeE2e(title: string, o: BedOptions, body: (bed: Bed) => void): void {
  describeWithPeers(...(o.peers ?? []))(title, () => body(useWorld(o)));
}

/** `describe` when Prosody, SIPp and the other `peers` are installed; `describe.skip` otherwise. */
export function describeWithPeers(...peers: string[]): jest.Describe {
  return prosodyAvailable() && peersAvailable('sipp', ...peers) ? describe : describe.skip;
}

/**
 * The hooks of an e2e `describe`: beforeAll starts the world (alice registered) and logs alice's
 * devices in; afterEach expects no live call; afterAll stops everything.
 */
export function useWorld(o: BedOptions = {}): Bed {
  let w: World | undefined;
  const devices = o.devices ?? ['phone'];
  const bots = new Map<string, Bot>();
  beforeAll(async () => {
    w = await startWorld({ users: [ALICE], ...o, ...(await o.late?.()) });
    await o.beforeDevices?.(w);
    for (const d of devices) bots.set(d, await connectBot(w, ...ALICE, d));
  });
  if (o.noLiveCallsAfterEach !== false) afterEach(() => expectNoLiveCalls(w));
  afterAll(() => stopWorld(w));
  const bed: Bed = {
    get world(): World {
      if (w === undefined) throw new Error('the e2e world did not start');
      return w;
    },
    device(resource = devices[0]) {
      const b = resource === undefined ? undefined : bots.get(resource);
      if (b === undefined) throw new Error(`no device ${String(resource)} logged in`);
      return b;
    },
    async uas(scenario, port = bed.world.outboundPort) {
      const run = await sipp({ scenario, port });
      await waitUdpBound(port, run);
      return run;
    },
    async callOut(scenario, { port, from } = {}) {
      const run = await bed.uas(scenario, port);
      const sid = randomUUID();
      await offerCall(from ?? bed.device(), CALLEE, sid);
      return { sid, run };
    },
    async uac(scenario) {
      return sipp({ scenario, remote: `127.0.0.1:${bed.world.sipPort}`, port: await freePort() });
    },
    passed: (run) => sippPassed(run, bed.world),
  };
  return bed;
}

/** Waits for a JMI `<propose>` at `bot` (that `also` accepts); its id and the caller's JID. */
export async function proposed(
  bot: Bot,
  also: (s: Element) => boolean = () => true,
): Promise<{ propose: Element; id: string; caller: string }> {
  const propose = await bot.waitFor((s) => jmiChild(s, 'propose') !== undefined && also(s), 8000, 'propose');
  return {
    propose,
    id: jmiChild(propose, 'propose')?.attrs.id as string,
    caller: propose.attrs.from as string,
  };
}
