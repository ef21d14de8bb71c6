/**
 * Interop with a second server: the XMPP leg against a real ejabberd (Debian 23.01) as an
 * `ejabberd_service` component — connection, discovery, XEP-0100, a Jingle IQ both ways, JMI
 * delivery, and a wrong password ending in a clear error without a reconnect loop.
 */
import { randomUUID } from 'node:crypto';
import { CAPS_VER, capsVer } from '../../src/xmpp/routing/disco';
import { ComponentRefusedError } from '../../src/xmpp/stanza/errors';
import type { JmiNotice } from '../../src/xmpp/jmi/machine';
import { XmppLeg } from '../../src/xmpp/leg/leg';
import { xml } from '../../src/xmpp/stanza/xml';
import { EjabberdServer, ejabberdAvailable } from '../support/ejabberd';
import { Bot, jmiChild, NS_DISCO_INFO, NS_JMI } from './bots';
import { captureLogger, gatewayConfig, sleep } from './helpers';
import { tables } from '../support/tables';

const SECRET = 'ejabberd-secret-3';
const GW = 'gw.localhost';
const maybe = ejabberdAvailable() ? describe : describe.skip;

maybe('XMPP leg on ejabberd', () => {
  let ej: EjabberdServer;
  let leg: XmppLeg;
  let bot: Bot;
  const notices: JmiNotice[] = [];
  const log = captureLogger();

  beforeAll(async () => {
    const t0 = Date.now();
    ej = await EjabberdServer.start({ secret: SECRET });
    const t1 = Date.now();
    leg = XmppLeg.start(gatewayConfig({ componentPort: ej.componentPort, secret: SECRET }), {
      tables,
      logger: log.logger,
      handler: { onJingle: () => 'ok' },
    });
    leg.on('jmi', (n: JmiNotice) => notices.push(n));
    await leg.whenOnline(5000);
    console.log(`ejabberd ready in ${t1 - t0} ms; component online ${Date.now() - t1} ms later`);
    bot = await Bot.connect({ port: ej.c2sPort, resource: 'phone' });
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await leg?.stop();
    await ej?.dispose();
  });

  it('discovery: gateway/sip with the caps hash of the answer', async () => {
    for (const to of [GW, `+15551234567@${GW}`]) {
      const a = await bot.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS_DISCO_INFO })));
      expect(a.attrs.type).toBe('result');
      const q = a.getChild('query', NS_DISCO_INFO);
      const id = q?.getChild('identity');
      expect([id?.attrs.category, id?.attrs.type]).toEqual(['gateway', 'sip']);
      const features = (q?.getChildren('feature') ?? []).map((f) => f.attrs.var as string);
      expect(features).toEqual(
        expect.arrayContaining(['urn:xmpp:jingle:1', 'urn:xmpp:jingle-message:0', 'jabber:iq:gateway']),
      );
      expect(capsVer([{ category: 'gateway', type: 'sip', name: id?.attrs.name as string }], features)).toBe(
        CAPS_VER,
      );
    }
  });

  it('XEP-0100 and the IQ error contract', async () => {
    const a = await bot.iq(
      xml(
        'iq',
        { type: 'set', to: GW },
        xml('query', { xmlns: 'jabber:iq:gateway' }, xml('prompt', {}, 'alice@pbx.example.org')),
      ),
    );
    expect(a.getChild('query')?.getChildText('jid')).toBe(`alice\\40pbx.example.org@${GW}`);
    const bad = await bot.iq(
      xml(
        'iq',
        { type: 'set', to: `+1555@${GW}` },
        xml('jingle', { xmlns: 'urn:xmpp:jingle:1', action: 'session-initiate' }),
      ),
    );
    expect(bad.attrs.type).toBe('error');
    expect(bad.getChild('error')?.getChild('bad-request')).toBeDefined();
    expect(bad.getChild('error')?.getChildText('text')).toMatch(/sid/);
  });

  it('JMI both ways through ejabberd', async () => {
    const id = randomUUID();
    await leg.propose({
      from: `+15551234567@${GW}`,
      to: bot.jid.split('/')[0] as string,
      id,
      media: ['audio'],
    });
    await bot.waitFor((s) => jmiChild(s, 'propose')?.attrs.id === id, 4000, 'propose');
    await bot.send(
      xml('message', { to: `+15551234567@${GW}`, type: 'chat' }, xml('proceed', { xmlns: NS_JMI, id })),
    );
    const deadline = Date.now() + 4000;
    while (!notices.some((n) => n.id === id && n.kind === 'proceed') && Date.now() < deadline)
      await sleep(10);
    expect(notices.find((n) => n.id === id && n.kind === 'proceed')?.from).toBe(bot.jid);
    const jingle = {
      action: 'session-info' as const,
      sid: id,
      contents: [],
      groups: [],
      info: { kind: 'ringing' as const },
    };
    await leg.sendJingle(bot.jid, jingle, `+15551234567@${GW}/sip`);
  });

  it('a wrong password: a clear error and no reconnect loop', async () => {
    const bad = captureLogger();
    const wrong = XmppLeg.start(gatewayConfig({ componentPort: ej.componentPort, secret: 'wrong' }), {
      tables,
      logger: bad.logger,
    });
    try {
      const fatal = await new Promise<ComponentRefusedError>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no fatal')), 5000);
        wrong.once('fatal', (e: ComponentRefusedError) => (clearTimeout(t), resolve(e)));
      });
      expect(fatal.condition).toBe('not-authorized');
      await sleep(1000);
      expect(bad.lines.filter((l) => l.message === 'xmpp reconnecting')).toHaveLength(0);
    } finally {
      await wrong.stop();
    }
  });
});
