/**
 * The XMPP leg's timers on an injected fake clock (docs/architecture.md §Clock): the reconnect
 * backoff of the component connection (against a loopback port where nothing listens: the
 * kernel refuses each attempt), and the expiry of an unanswered XEP-0353 proposal (against a
 * real Prosody, whose device hears the `<retract>`). Time moves only when the test says so.
 */
import { tables } from '../support/tables';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../src/peers/processes';
import { backoffDelay, ComponentConnection, xmppOptions } from '../../src/xmpp/connection';
import type { JmiNotice } from '../../src/xmpp/jmi';
import { XmppLeg } from '../../src/xmpp/leg';
import { xml } from '../../src/xmpp/stanza';
import { FakeClock } from '../support/fake-clock';
import { ProsodyServer, prosodyAvailable } from '../support/prosody';
import { Bot, jmiChild } from './bots';
import { captureLogger, gatewayConfig, sleep } from './helpers';

/** Real time for the socket to be refused; the fake clock does not move meanwhile. */
async function until(what: string, test: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`not ${what} within ${ms} ms`);
    await sleep(10);
  }
}

describe('reconnect backoff on the fake clock', () => {
  it('waits the backoff delay of each attempt, and not a moment less, before trying again', async () => {
    const port = await freePort();
    const config = gatewayConfig({ componentPort: port, secret: 's' });
    config.xmpp.reconnect = { initialDelayMs: 1000, maxDelayMs: 60_000 };
    const o = xmppOptions(config);
    const clock = new FakeClock();
    const log = captureLogger();
    const random = (): number => 0.5;
    const conn = new ComponentConnection(
      o,
      log.logger,
      { onIq: async () => true, onStanza: () => undefined },
      random,
      clock,
    );
    const attempts = (): number =>
      log.lines.filter((l) => l.message === 'xmpp connection attempt failed').length;
    try {
      conn.start();
      await until('refused once', () => attempts() === 1 && conn.status === 'waiting');
      const first = backoffDelay(0, o.reconnect, random);
      const second = backoffDelay(1, o.reconnect, random);
      expect([first, second]).toEqual([750, 1500]);
      expect(log.lines.find((l) => l.message === 'xmpp reconnecting')).toMatchObject({ inMs: first });
      // Real time passes, the fake clock does not: no second attempt.
      await sleep(200);
      clock.advance(first - 1);
      await sleep(100);
      expect(attempts()).toBe(1);
      expect(conn.status).toBe('waiting');
      clock.advance(1);
      await until('refused twice', () => attempts() === 2 && conn.status === 'waiting');
      // The second delay is the doubled ceiling's.
      expect(log.lines.filter((l) => l.message === 'xmpp reconnecting').map((l) => l.inMs)).toEqual([
        first,
        second,
      ]);
      expect(clock.pending()).toBe(1);
    } finally {
      await conn.stop();
    }
    // stop() cancelled the pending reconnect: advancing the clock starts nothing.
    clock.advance(60_000);
    await sleep(100);
    expect(attempts()).toBe(2);
    expect(clock.pending()).toBe(0);
  });
});

const maybe = prosodyAvailable() ? describe : describe.skip;
const SECRET = 'fake-clock-secret';
const CALLER = '+15551234567@gw.localhost';

maybe('JMI expiry on the fake clock (Prosody)', () => {
  let prosody: ProsodyServer;
  let leg: XmppLeg;
  let phone: Bot;
  const clock = new FakeClock();
  const notices: JmiNotice[] = [];

  beforeAll(async () => {
    prosody = await ProsodyServer.start({ secret: SECRET, users: [['alice', 'alicepass']] });
    // No keepalive: its pings would time out on the fake clock before the server could answer.
    const config = gatewayConfig({
      componentPort: prosody.componentPort,
      secret: SECRET,
      xmpp: { keepalive: { intervalSeconds: 0, timeoutSeconds: 1 } },
    });
    leg = XmppLeg.start(config, {
      tables,
      logger: captureLogger().logger,
      clock,
      jmi: { maxProposedMs: 60_000 },
    });
    leg.on('jmi', (n) => notices.push(n));
    // whenOnline's own timeout is on the fake clock too: wait in real time instead.
    await until('online', () => leg.isOnline, 10_000);
    phone = await Bot.connect({
      port: prosody.c2sPort,
      username: 'alice',
      password: 'alicepass',
      resource: 'phone',
    });
    // The server has taken the phone's initial presence (a bare-JID message reaches it) once a
    // directed presence sent after it has reached the leg: the c2s stream keeps the order.
    await phone.send(xml('presence', { to: CALLER }));
    await until('the phone seen', () => leg.presence.devicesOf('alice@localhost').length > 0);
  });

  afterAll(async () => {
    await phone?.stop();
    await leg?.stop();
    await prosody?.dispose();
  });

  it('an unanswered proposal expires when the clock passes maxProposedMs: the device gets <retract>', async () => {
    const id = randomUUID();
    await leg.propose({ from: CALLER, to: 'alice@localhost', id, media: ['audio'] });
    await phone.waitFor((s) => jmiChild(s, 'propose')?.attrs.id === id, 4000, 'propose');
    // Just short of the limit (the sweep runs every 15 s): still proposed.
    clock.advance(45_000);
    expect(leg.jmi.get(id)?.state).toBe('proposed');
    expect(notices.filter((n) => n.id === id)).toEqual([]);
    clock.advance(15_000);
    expect(leg.jmi.get(id)?.state).toBe('retracted');
    // The notice follows the <retract> it sends (the leg awaits the socket write first).
    await until('expired', () => notices.some((n) => n.id === id));
    expect(notices.filter((n) => n.id === id).map((n) => n.kind)).toEqual(['expired']);
    const retract = await phone.waitFor((s) => jmiChild(s, 'retract')?.attrs.id === id, 4000, 'retract');
    expect(jmiChild(retract, 'retract')?.getChild('reason')?.getChild('expired')).toBeDefined();
  });
});
