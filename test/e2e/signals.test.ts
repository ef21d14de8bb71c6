/**
 * Issue 11: the gateway as an operator runs it — `jingle-sip-gateway run --config FILE` as its own
 * process, with real Prosody, SIPp and an XMPP client bot. SIGHUP with a changed route takes effect
 * on the next call while a live call continues; SIGTERM takes no new call and, after the drain
 * time, ends the live ones on both legs (SIPp gets BYE, the client session-terminate) and the
 * process exits 0. An invalid file on SIGHUP is refused and the running configuration stays.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, BIN, ROOT } from '../cli/run-cli';
import { ProsodyServer } from '../support/prosody';
import { freePort, spawnProc, waitFor, type Proc } from '../support/processes';
import { Bot } from '../xmpp/bots';
import { conversationsOffer } from './stanzas';
import {
  ALICE,
  CALLEE,
  describeWithPeers,
  GW_DOMAIN,
  jingleAction,
  offerCall,
  reasonOf,
  SECRET,
  sipp,
  sippPassed,
  traced,
  waitUdpBound,
} from './harness';

const configText = (o: { c2s: number; component: number; sip: number; trunk: number; extra?: string }) => `
xmpp:
  service: xmpp://127.0.0.1:${o.component}
  domain: ${GW_DOMAIN}
  secret: ${SECRET}
  reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }
sip:
  listen: [ "udp://127.0.0.1:${o.sip}" ]
  outbound: sip:127.0.0.1:9
  trusted: [ "127.0.0.0/8" ]
  keepalive: { intervalSeconds: 0 }
calls: { gatherWindowMs: 50, noAnswerSeconds: 10, drainSeconds: 3 }
routing:
  outbound: [{ match: '^\\+1555', trunk: 'sip:127.0.0.1:${o.trunk}' }]
limits: { attemptsPerSecondPerUser: 100 }
media: { anchor: never }
log: { level: info }
${o.extra ?? ''}`;

describeWithPeers()('e2e: the running process — SIGHUP reloads routes, SIGTERM drains and ends calls', () => {
  let prosody: ProsodyServer | undefined;
  let gw: Proc | undefined;
  let alice: Bot | undefined;
  let dir = '';

  beforeAll(async () => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-signals-'));
    prosody = await ProsodyServer.start({ secret: SECRET, users: [ALICE] });
  });
  afterAll(async () => {
    await alice?.stop();
    await gw?.stop();
    await prosody?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a reloaded route takes the next call while the live one goes on; SIGTERM ends both and exits 0', async () => {
    const p = prosody as ProsodyServer;
    const ports = {
      c2s: p.c2sPort,
      component: p.componentPort,
      sip: await freePort(),
      trunk: await freePort(),
    };
    const second = await freePort();
    const file = path.join(dir, 'gateway.yaml');
    fs.writeFileSync(file, configText(ports));
    gw = spawnProc('gateway', process.execPath, [BIN, 'run', '--config', file], { cwd: ROOT });
    const proc = gw;
    await waitFor(() => /XMPP component online/.test(proc.output()), 10_000, 'the component online');
    alice = await Bot.connect({ port: p.c2sPort, username: ALICE[0], password: ALICE[1], resource: 'phone' });
    const bot = alice;

    // Call 1, to the first trunk.
    const first = await sipp({ scenario: 'e2e-uas-dtls-bye-in.xml', port: ports.trunk, timeoutSec: 40 });
    await waitUdpBound(ports.trunk, first);
    const sid1 = randomUUID();
    await offerCall(bot, CALLEE, sid1);
    await bot.waitFor(jingleAction(sid1, 'session-accept'), 8000, 'session-accept of call 1');

    // An invalid file is refused; the running configuration stays.
    fs.writeFileSync(file, configText(ports).replace('limits:', 'limits: { calls: -1 }\nlimitz:'));
    proc.child.kill('SIGHUP');
    await waitFor(
      () => /SIGHUP: .* refused, the running configuration stays/.test(proc.output()),
      5000,
      'refusal',
    );

    // The route now names the second trunk; a changed listen address needs a restart.
    fs.writeFileSync(
      file,
      configText({ ...ports, trunk: second }).replace(
        `udp://127.0.0.1:${ports.sip}`,
        `udp://127.0.0.1:${ports.sip}", "tcp://127.0.0.1:${ports.sip}`,
      ),
    );
    proc.child.kill('SIGHUP');
    await waitFor(() => /SIGHUP: reloaded .*need a restart.*sip\.listen/.test(proc.output()), 5000, 'reload');

    const next = await sipp({ scenario: 'e2e-uas-dtls-bye-in.xml', port: second, timeoutSec: 40 });
    await waitUdpBound(second, next);
    const sid2 = randomUUID();
    await offerCall(bot, CALLEE, sid2);
    await bot.waitFor(jingleAction(sid2, 'session-accept'), 8000, 'session-accept of call 2 (second trunk)');
    expect(bot.all(jingleAction(sid1, 'session-terminate'))).toHaveLength(0);

    // SIGTERM: no new call while draining; after the drain time both calls end on both legs.
    const termAt = Date.now();
    proc.child.kill('SIGTERM');
    await waitFor(() => /SIGTERM: taking no new calls; 2 live call/.test(proc.output()), 5000, 'drain');
    const sid3 = randomUUID();
    const refused = await bot.iq(conversationsOffer({ to: CALLEE, from: bot.jid, sid: sid3 }));
    expect(refused.attrs.type).toBe('error');
    expect(refused.getChild('error')?.getChild('resource-constraint')).toBeDefined();
    expect(refused.getChild('error')?.getChildText('text')).toMatch(/shutting down/);
    const ends = await Promise.all(
      [sid1, sid2].map((sid) =>
        bot.waitFor(jingleAction(sid, 'session-terminate'), 10_000, 'session-terminate'),
      ),
    );
    expect(Date.now() - termAt).toBeGreaterThanOrEqual(2500);
    for (const t of ends) expect(reasonOf(t).condition).toBeDefined();
    for (const run of [first, next]) expect(traced(await sippPassed(run), 'received', 'BYE')).toBeDefined();
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
