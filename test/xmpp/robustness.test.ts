/**
 * The component connection against a real Prosody: restarted mid-test (back within 5 s, time
 * printed), frozen (SIGSTOP: the XEP-0199 ping notices), a wrong secret and an unknown domain
 * (a clear error, no reconnect loop), IQ failures as typed errors, and the wire log with the
 * handshake masked.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ComponentRefusedError, IqError, NotConnectedError } from '../../src/xmpp/stanza/errors';
import { XmppLeg, type XmppLegEvents } from '../../src/xmpp/leg';
import { xml } from '../../src/xmpp/stanza/xml';
import { ProsodyServer, prosodyAvailable } from '../support/prosody';
import { Bot, NS_DISCO_INFO } from './bots';
import { captureLogger, gatewayConfig, sleep } from './helpers';
import { tables } from '../support/tables';

const SECRET = 'robust-secret-2';
const GW = 'gw.localhost';
const maybe = prosodyAvailable() ? describe : describe.skip;

/** The first payload of the leg's next `event` (typed by the leg's event map). */
async function waitEvent<K extends 'online' | 'offline' | 'fatal'>(
  leg: XmppLeg,
  event: K,
  timeoutMs: number,
): Promise<XmppLegEvents[K][0]> {
  try {
    const [payload] = await once(leg, event, { signal: AbortSignal.timeout(timeoutMs) });
    return payload;
  } catch {
    throw new Error(`no '${event}' within ${timeoutMs} ms`);
  }
}

maybe('XMPP component connection robustness (Prosody)', () => {
  let prosody: ProsodyServer;
  let leg: XmppLeg;
  const log = captureLogger();
  const legs: XmppLeg[] = [];

  beforeAll(async () => {
    prosody = await ProsodyServer.start({ secret: SECRET, users: [['alice', 'alicepass']] });
    leg = XmppLeg.start(
      gatewayConfig({ componentPort: prosody.componentPort, secret: SECRET, xmpp: { debugWire: true } }),
      { tables, logger: log.logger },
    );
    legs.push(leg);
    await leg.whenOnline(5000);
  });

  afterAll(async () => {
    prosody?.resume();
    for (const l of legs) await l.stop();
    await prosody?.dispose();
  });

  it('wire logging masks the handshake and never shows the secret', () => {
    const wire = log.lines.filter((l) => String(l.message).startsWith('xmpp wire'));
    expect(wire.length).toBeGreaterThan(0);
    const text = JSON.stringify(wire);
    expect(text).toContain('<handshake>***</handshake>');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/<handshake>[0-9a-f]{40}<\/handshake>/);
  });

  it('an IQ refused by the server rejects with a typed IqError', async () => {
    const jingle = {
      action: 'session-info' as const,
      sid: randomUUID(),
      contents: [],
      groups: [],
      info: { kind: 'ringing' as const },
    };
    const err = await leg
      .sendJingle('alice@localhost/nowhere', jingle, `+1555@${GW}/sip`)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IqError);
    expect(err).toMatchObject({ condition: 'service-unavailable', to: 'alice@localhost/nowhere' });
  });

  it('Prosody restarted mid-test: the component is back within 5 s', async () => {
    const offline = waitEvent(leg, 'offline', 5000);
    const online = waitEvent(leg, 'online', 10_000);
    const t0 = Date.now();
    await prosody.restart();
    const tUp = Date.now();
    await offline;
    const info = await online;
    const back = Date.now() - t0;
    console.log(
      `Prosody restart: server down+up took ${tUp - t0} ms; component online again ${back} ms after the restart began ` +
        `(${Date.now() - tUp} ms after the server was up; leg downtime ${info.downtimeMs} ms, ${info.attempts} attempts)`,
    );
    expect(back).toBeLessThan(5000);
    // And it works: a fresh client discovers the gateway.
    const bot = await Bot.connect({
      port: prosody.c2sPort,
      username: 'alice',
      password: 'alicepass',
      resource: 'r',
    });
    try {
      const a = await bot.iq(xml('iq', { type: 'get', to: GW }, xml('query', { xmlns: NS_DISCO_INFO })));
      expect(a.attrs.type).toBe('result');
    } finally {
      await bot.stop();
    }
  });

  it('a frozen server (SIGSTOP) is noticed by the ping keepalive, and the leg comes back after SIGCONT', async () => {
    const offline = waitEvent(leg, 'offline', 6000);
    const t0 = Date.now();
    prosody.pause();
    try {
      await offline;
      const detected = Date.now() - t0;
      expect(detected).toBeLessThan(4000); // 1 s interval + 1 s timeout (+ scheduling)
      const err = await leg
        .propose({ from: `+1555@${GW}`, to: 'alice@localhost', id: randomUUID(), media: ['audio'] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotConnectedError);
      const online = waitEvent(leg, 'online', 15_000);
      const t1 = Date.now();
      prosody.resume();
      await online;
      console.log(
        `Frozen server: offline detected after ${detected} ms; online ${Date.now() - t1} ms after SIGCONT`,
      );
    } finally {
      prosody.resume();
    }
  }, 30_000);

  it('a wrong secret: a clear error, and no reconnect loop', async () => {
    const bad = captureLogger();
    const wrong = XmppLeg.start(
      gatewayConfig({ componentPort: prosody.componentPort, secret: 'not-the-secret' }),
      { tables, logger: bad.logger },
    );
    legs.push(wrong);
    const fatal = await waitEvent(wrong, 'fatal', 5000);
    expect(fatal).toBeInstanceOf(ComponentRefusedError);
    expect(fatal.condition).toBe('not-authorized');
    expect(fatal.message).toMatch(/refused the component secret \(check xmpp\.secret\) for gw\.localhost/);
    expect(fatal.message).toMatch(/not reconnecting/);
    await expect(wrong.whenOnline(100)).rejects.toThrow();
    await sleep(1500);
    expect(bad.lines.filter((l) => l.message === 'xmpp reconnecting')).toHaveLength(0);
    expect(bad.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([fatal.message]);
    expect(JSON.stringify(bad.lines)).not.toContain('not-the-secret');
    expect(leg.isOnline).toBe(true); // the right component was not disturbed
  });

  it('an unknown component domain: a clear error, no loop', async () => {
    const bad = captureLogger();
    const wrong = XmppLeg.start(
      gatewayConfig({ componentPort: prosody.componentPort, secret: SECRET, domain: 'nope.localhost' }),
      { tables, logger: bad.logger },
    );
    legs.push(wrong);
    const fatal = await waitEvent(wrong, 'fatal', 5000);
    expect(fatal.condition).toBe('host-unknown');
    expect(fatal.message).toMatch(/does not know the component domain/);
    await sleep(500);
    expect(bad.lines.filter((l) => l.message === 'xmpp reconnecting')).toHaveLength(0);
  });

  it('no server at all: keeps retrying with growing delays, then connects when one appears', async () => {
    const bad = captureLogger();
    const p2 = await ProsodyServer.start({ secret: SECRET });
    await p2.stop();
    const late = XmppLeg.start(gatewayConfig({ componentPort: p2.componentPort, secret: SECRET }), {
      tables,
      logger: bad.logger,
      random: () => 1,
    });
    legs.push(late);
    try {
      await sleep(1600);
      const delays = bad.lines.filter((l) => l.message === 'xmpp reconnecting').map((l) => l.inMs as number);
      expect(delays.slice(0, 4)).toEqual([100, 200, 400, 800]); // random() = 1: the ceiling each time
      await p2.restart();
      await late.whenOnline(5000);
    } finally {
      await late.stop();
      await p2.dispose();
    }
  }, 20_000);
});
