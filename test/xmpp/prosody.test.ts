/**
 * The XMPP leg against a real Prosody (Debian's package), started by the test on free loopback
 * ports: discovery, XEP-0100, presence, the IQ error contract, XEP-0353 ringing on two devices
 * (proceed, reject, retract, the proceed race), XMPP-originated proposals, the direct route
 * for clients without JMI. Connection robustness (restart, dead server, wrong secret) is in
 * ./robustness.test.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Jingle } from '../../src/jingle/types';
import { CAPS_NODE, CAPS_VER, FEATURES, capsVer } from '../../src/xmpp/routing/disco';
import type { IncomingJingleIq, JingleAnswer, JingleHandler } from '../../src/xmpp/routing/router';
import type { JmiNotice } from '../../src/xmpp/jmi/machine';
import { XmppLeg, type JmiErrorNotice } from '../../src/xmpp/leg/leg';
import { xml } from '../../src/xmpp/stanza/xml';
import { ProsodyServer, prosodyAvailable } from '../support/prosody';
import { Bot, carbonJmi, jmiChild, NS_DISCO_INFO, NS_JMI, type Element } from './bots';
import { captureLogger, gatewayConfig, sleep } from './helpers';
import { tables } from '../support/tables';

const SECRET = 'test-secret-1';
const GW = 'gw.localhost';
const CALLER = `+15551234567@${GW}`;
const NS_JINGLE = 'urn:xmpp:jingle:1';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const NS_JINGLE_ERRORS = 'urn:xmpp:jingle:errors:1';

const maybe = prosodyAvailable() ? describe : describe.skip;

/** A stand-in for the call layer: sessions by sid, the XEP-0166 answers it owes. */
class FakeCalls implements JingleHandler {
  readonly sessions = new Map<string, string>();
  readonly received: IncomingJingleIq[] = [];
  onJingle(iq: IncomingJingleIq): JingleAnswer {
    this.received.push(iq);
    const { action, sid } = iq.jingle;
    if (sid === 'explode') throw new Error('handler bug');
    if (action === 'session-initiate') {
      if (this.sessions.has(sid)) return { condition: 'bad-request', text: `sid ${sid} in use` };
      this.sessions.set(sid, 'pending');
      return 'ok';
    }
    const state = this.sessions.get(sid);
    if (state === undefined) return { jingleCondition: 'unknown-session', text: `no session ${sid}` };
    if (action === 'session-accept')
      return { jingleCondition: 'out-of-order', text: 'session-accept from the initiator' };
    if (action === 'session-info' && iq.jingle.info === undefined)
      return { jingleCondition: 'unsupported-info', text: 'unknown payload' };
    return 'ok';
  }
}

const errorOf = (iq: Element): { type?: string; condition?: string; jingle?: string; text?: string } => {
  const e = iq.getChild('error');
  const kids = e?.getChildElements() ?? [];
  return {
    type: e?.attrs.type,
    condition: kids.find((c) => c.getNS() === NS_STANZAS && c.name !== 'text')?.name,
    jingle: kids.find((c) => c.getNS() === NS_JINGLE_ERRORS)?.name,
    text: kids.find((c) => c.name === 'text')?.getText(),
  };
};

const jingleIq = (to: string, attrs: Record<string, string>, ...children: Element[]): Element =>
  xml('iq', { type: 'set', to }, xml('jingle', { xmlns: NS_JINGLE, ...attrs }, ...children));

const audioContent = (): Element =>
  xml(
    'content',
    { creator: 'initiator', name: 'audio' },
    xml(
      'description',
      { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' },
      xml('payload-type', { id: '0', name: 'PCMU', clockrate: '8000' }),
    ),
    xml('transport', {
      xmlns: 'urn:xmpp:jingle:transports:ice-udp:1',
      ufrag: 'ufuf',
      pwd: 'pwdpwdpwdpwdpwdpwdpwdpwd',
    }),
  );

const sessionInitiate = (sid: string, initiator: string): Jingle => ({
  action: 'session-initiate',
  sid,
  initiator,
  contents: [
    {
      creator: 'initiator',
      name: 'audio',
      description: {
        media: 'audio',
        payloadTypes: [{ id: 0, name: 'PCMU', clockrate: 8000, parameters: [], rtcpFb: [] }],
        bandwidths: [],
        rtcpMux: true,
        rtcpFb: [],
        hdrExts: [],
        extmapAllowMixed: false,
        sources: [],
        ssrcGroups: [],
      },
      transport: {
        kind: 'ice-udp',
        ufrag: 'gwuf',
        pwd: 'gwpwdgwpwdgwpwdgwpwdgw',
        candidates: [],
        fingerprints: [],
      },
    },
  ],
  groups: [],
});

async function rosterItem(bot: Bot, jid: string): Promise<Record<string, string> | undefined> {
  const r = await bot.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
  const item = r
    .getChild('query')
    ?.getChildren('item')
    .find((i) => i.attrs.jid === jid);
  return item?.attrs;
}

maybe('XMPP leg on Prosody', () => {
  let prosody: ProsodyServer;
  let leg: XmppLeg;
  const calls = new FakeCalls();
  const notices: JmiNotice[] = [];
  const bounces: JmiErrorNotice[] = [];
  let phone: Bot;
  let laptop: Bot;
  const log = captureLogger();

  const nextNotice = async (pred: (n: JmiNotice) => boolean, timeoutMs = 4000): Promise<JmiNotice> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = notices.find(pred);
      if (n !== undefined) return n;
      if (Date.now() > deadline) throw new Error(`no JMI notice; have ${JSON.stringify(notices)}`);
      await sleep(10);
    }
  };

  beforeAll(async () => {
    prosody = await ProsodyServer.start({
      secret: SECRET,
      users: [
        ['alice', 'alicepass'],
        ['bob', 'bobpass'],
        ['carol', 'carolpass'],
      ],
      extraHosts: ['evil.localhost'],
    });
    prosody.register('mallory', 'mallorypass', 'evil.localhost');
    leg = XmppLeg.start(gatewayConfig({ componentPort: prosody.componentPort, secret: SECRET }), {
      tables,
      logger: log.logger,
      handler: calls,
    });
    leg.on('jmi', (n: JmiNotice) => notices.push(n));
    // A call layer with a bug: its listener throws on every notice. The leg logs it and goes on.
    leg.on('jmi', () => {
      throw new Error('listener bug');
    });
    leg.on('jmi-error', (n: JmiErrorNotice) => bounces.push(n));
    await leg.whenOnline(5000);
    const alice = (resource: string) =>
      Bot.connect({ port: prosody.c2sPort, username: 'alice', password: 'alicepass', resource });
    phone = await alice('phone');
    laptop = await alice('laptop');
  });

  afterAll(async () => {
    expect(log.lines.some((l) => l.message === "xmpp leg 'jmi' listener failed")).toBe(true);
    await phone?.stop();
    await laptop?.stop();
    await leg?.stop();
    await prosody?.dispose();
  });

  /** A JMI `<propose>` of an audio call to `to` (then `extra` in the message). */
  function audioPropose(to: string, id: string, ...extra: Element[]): Element {
    return xml(
      'message',
      { to, type: 'chat' },
      xml(
        'propose',
        { xmlns: NS_JMI, id },
        xml('description', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' }),
      ),
      ...extra,
    );
  }

  /** mallory@evil.localhost (a domain the gateway refuses), logged in for `fn`, then gone. */
  async function asMallory(fn: (mallory: Bot) => Promise<void>): Promise<void> {
    const mallory = await Bot.connect({
      port: prosody.c2sPort,
      username: 'mallory',
      password: 'mallorypass',
      resource: 'x',
      domain: 'evil.localhost',
    });
    try {
      await fn(mallory);
    } finally {
      await mallory.stop();
    }
  }

  describe('discovery (XEP-0030, XEP-0115)', () => {
    it.each([GW, CALLER, `alice\\40pbx.example.org@${GW}`])(
      'disco#info on %s: gateway/sip and the features',
      async (to) => {
        const answer = await phone.iq(xml('iq', { type: 'get', to }, xml('query', { xmlns: NS_DISCO_INFO })));
        expect(answer.attrs.type).toBe('result');
        const q = answer.getChild('query', NS_DISCO_INFO) as Element;
        const id = q.getChild('identity') as Element;
        expect([id.attrs.category, id.attrs.type]).toEqual(['gateway', 'sip']);
        const features = q.getChildren('feature').map((f) => f.attrs.var);
        for (const f of [
          'urn:xmpp:jingle:1',
          'urn:xmpp:jingle:apps:rtp:1',
          'urn:xmpp:jingle:apps:rtp:audio',
          'urn:xmpp:jingle:apps:rtp:video',
          'urn:xmpp:jingle:transports:ice-udp:1',
          'urn:xmpp:jingle:transports:raw-udp:1',
          'urn:xmpp:jingle:apps:dtls:0',
          'urn:xmpp:jingle:security:xtls:0',
          'urn:xmpp:jingle-message:0',
          'urn:xmpp:jingle:apps:rtp:info:1',
          'jid\\20escaping',
          'jabber:iq:gateway',
        ]) {
          expect(features).toContain(f);
        }
        // XEP-0115 §5.4: the ver in presence is the hash of exactly this answer.
        expect(
          capsVer(
            [{ category: 'gateway', type: 'sip', name: id.attrs.name as string }],
            features as string[],
          ),
        ).toBe(CAPS_VER);
      },
    );

    it('answers the caps node#ver, refuses another node', async () => {
      const ok = await phone.iq(
        xml(
          'iq',
          { type: 'get', to: GW },
          xml('query', { xmlns: NS_DISCO_INFO, node: `${CAPS_NODE}#${CAPS_VER}` }),
        ),
      );
      expect(ok.attrs.type).toBe('result');
      expect(ok.getChild('query')?.getChildren('feature').length).toBe(FEATURES.length);
      const bad = await phone.iq(
        xml('iq', { type: 'get', to: GW }, xml('query', { xmlns: NS_DISCO_INFO, node: 'nope' })),
      );
      expect(errorOf(bad).condition).toBe('item-not-found');
    });

    it('answers disco#items, ping and version', async () => {
      const items = await phone.iq(
        xml('iq', { type: 'get', to: GW }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })),
      );
      expect(items.attrs.type).toBe('result');
      const ping = await phone.iq(
        xml('iq', { type: 'get', to: CALLER }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      );
      expect(ping.attrs.type).toBe('result');
      const version = await phone.iq(
        xml('iq', { type: 'get', to: GW }, xml('query', { xmlns: 'jabber:iq:version' })),
      );
      expect(version.getChild('query')?.getChildText('name')).toBe('jingle-sip-gateway');
    });
  });

  describe('XEP-0100 jabber:iq:gateway', () => {
    it('gives the prompt', async () => {
      const a = await phone.iq(
        xml('iq', { type: 'get', to: GW }, xml('query', { xmlns: 'jabber:iq:gateway' })),
      );
      expect(a.getChild('query')?.getChildText('prompt')).toMatch(/phone number/i);
      expect(a.getChild('query')?.getChildText('desc')).toBeTruthy();
    });

    it.each([
      ['+1 (555) 123-4567', `+15551234567@${GW}`],
      ['alice@pbx.example.org', `alice\\40pbx.example.org@${GW}`],
      ['sip:bob@pbx.example.org', `bob\\40pbx.example.org@${GW}`],
      ['tel:+4930123456', `+4930123456@${GW}`],
    ])('turns %s into %s', async (prompt, jid) => {
      const a = await phone.iq(
        xml(
          'iq',
          { type: 'set', to: GW },
          xml('query', { xmlns: 'jabber:iq:gateway' }, xml('prompt', {}, prompt)),
        ),
      );
      expect(a.attrs.type).toBe('result');
      expect(a.getChild('query')?.getChildText('jid')).toBe(jid);
    });

    it('refuses what maps to nothing, with a text', async () => {
      const a = await phone.iq(
        xml(
          'iq',
          { type: 'set', to: GW },
          xml('query', { xmlns: 'jabber:iq:gateway' }, xml('prompt', {}, 'sip:@')),
        ),
      );
      expect(errorOf(a).condition).toBe('bad-request');
      expect(errorOf(a).text).toMatch(/cannot map/);
    });
  });

  describe('presence (RFC 6121) for SIP contacts', () => {
    it('approves a subscription, subscribes back and shows the contact with caps', async () => {
      await phone.send(xml('presence', { to: CALLER, type: 'subscribe' }));
      await phone.waitFor(
        (s) => s.name === 'presence' && s.attrs.type === 'subscribe' && s.attrs.from === CALLER,
        4000,
        'subscribe',
      );
      const avail = await phone.waitFor(
        (s) => s.name === 'presence' && s.attrs.type === undefined && s.attrs.from === `${CALLER}/sip`,
        4000,
        'presence',
      );
      const c = avail.getChild('c', 'http://jabber.org/protocol/caps') as Element;
      expect(c.attrs).toMatchObject({ hash: 'sha-1', node: CAPS_NODE, ver: CAPS_VER });
      // The approval (`subscribed`) is processed by the server: the roster shows it.
      expect(await rosterItem(phone, CALLER)).toMatchObject({ subscription: 'to' });
    });

    it('refuses subscriptions from domains that may not use the gateway', async () => {
      await asMallory(async (mallory) => {
        await mallory.send(xml('presence', { to: CALLER, type: 'subscribe' }));
        const deadline = Date.now() + 4000;
        let item = await rosterItem(mallory, CALLER);
        while (item?.ask === 'subscribe' && Date.now() < deadline) {
          await sleep(20);
          item = await rosterItem(mallory, CALLER);
        }
        // `unsubscribed` cancelled the pending request (RFC 6121 §3.2.2): no subscription, none asked.
        expect(item?.subscription ?? 'none').toBe('none');
        expect(item?.ask).toBeUndefined();
      });
    });
  });

  describe('IQ error contract (RFC 6120 §8.3, XEP-0166 §10)', () => {
    const cases: Array<[string, () => Element, Partial<ReturnType<typeof errorOf>>]> = [
      [
        'unknown sid',
        () =>
          jingleIq(
            CALLER,
            { action: 'session-info', sid: 'no-such-sid' },
            xml('ringing', { xmlns: 'urn:xmpp:jingle:apps:rtp:info:1' }),
          ),
        { condition: 'item-not-found', jingle: 'unknown-session', type: 'cancel' },
      ],
      [
        'out-of-order action',
        () =>
          jingleIq(
            CALLER,
            { action: 'session-accept', sid: 'known-sid', responder: 'alice@localhost/phone' },
            audioContent(),
          ),
        { condition: 'unexpected-request', jingle: 'out-of-order', type: 'wait' },
      ],
      [
        'unsupported session-info',
        () => jingleIq(CALLER, { action: 'session-info', sid: 'known-sid' }),
        { condition: 'feature-not-implemented', jingle: 'unsupported-info', type: 'modify' },
      ],
      [
        'Jingle without sid',
        () => jingleIq(CALLER, { action: 'session-initiate' }, audioContent()),
        { condition: 'bad-request', text: expect.stringMatching(/sid/) as unknown as string },
      ],
      [
        'unknown action',
        () => jingleIq(CALLER, { action: 'session-dance', sid: 'x' }),
        { condition: 'bad-request', text: expect.stringMatching(/action/) as unknown as string },
      ],
      [
        'Jingle get',
        () =>
          xml(
            'iq',
            { type: 'get', to: CALLER },
            xml('jingle', { xmlns: NS_JINGLE, action: 'session-info', sid: 'x' }),
          ),
        { condition: 'bad-request' },
      ],
      [
        'session-initiate to the bare domain',
        () =>
          jingleIq(
            GW,
            { action: 'session-initiate', sid: 's-dom', initiator: 'alice@localhost/phone' },
            audioContent(),
          ),
        { condition: 'item-not-found' },
      ],
      [
        'unknown namespace',
        () => xml('iq', { type: 'get', to: CALLER }, xml('query', { xmlns: 'urn:example:nothing' })),
        { condition: 'service-unavailable' },
      ],
      [
        'a handler that throws',
        () =>
          jingleIq(
            CALLER,
            { action: 'session-terminate', sid: 'explode' },
            xml('reason', {}, xml('success')),
          ),
        { condition: 'internal-server-error' },
      ],
    ];

    beforeAll(() => calls.sessions.set('known-sid', 'active'));

    it.each(cases)('%s', async (_name, build, expected) => {
      const a = await phone.iq(build());
      expect(a.attrs.type).toBe('error');
      expect(errorOf(a)).toMatchObject(expected);
      expect(errorOf(a).text ?? '').not.toBe('');
    });

    it('accepts a good session-initiate and passes it to the handler', async () => {
      const sid = randomUUID();
      const a = await phone.iq(
        jingleIq(
          CALLER,
          { action: 'session-initiate', sid, initiator: 'alice@localhost/phone' },
          audioContent(),
        ),
      );
      expect(a.attrs.type).toBe('result');
      const got = calls.received.find((r) => r.jingle.sid === sid) as IncomingJingleIq;
      expect(got).toMatchObject({
        from: 'alice@localhost/phone',
        to: CALLER,
        jingle: { action: 'session-initiate' },
      });
    });

    it('refuses calls from domains that are not allowed (forbidden)', async () => {
      await asMallory(async (mallory) => {
        const a = await mallory.iq(
          jingleIq(
            CALLER,
            { action: 'session-initiate', sid: randomUUID(), initiator: 'mallory@evil.localhost/x' },
            audioContent(),
          ),
        );
        expect(errorOf(a)).toMatchObject({
          condition: 'forbidden',
          type: 'auth',
          text: expect.stringMatching(/evil\.localhost/),
        });
      });
    });

    it('the gateway still answers after all that', async () => {
      const a = await phone.iq(xml('iq', { type: 'get', to: GW }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      expect(a.attrs.type).toBe('result');
    });
  });

  describe('XEP-0353 for SIP-originated calls (both devices ring)', () => {
    const propose = async (): Promise<string> => {
      const id = randomUUID();
      await leg.propose({ from: CALLER, to: 'alice@localhost', id, media: ['audio'], nick: 'Romeo M.' });
      for (const dev of [phone, laptop]) {
        const p = await dev.waitFor((s) => jmiChild(s, 'propose')?.attrs.id === id, 4000, 'propose');
        expect(p.attrs).toMatchObject({ type: 'chat', from: `${CALLER}/sip` });
        expect(jmiChild(p, 'propose')?.getChild('description')?.attrs.media).toBe('audio');
        expect(p.getChild('store', 'urn:xmpp:hints')).toBeDefined();
        expect(p.getChildText('nick', 'http://jabber.org/protocol/nick')).toBe('Romeo M.'); // XEP-0172
      }
      return id;
    };
    const jmi = (kind: string, id: string, ...children: Element[]): Element =>
      xml(
        'message',
        { to: CALLER, type: 'chat' },
        xml(kind, { xmlns: NS_JMI, id }, ...children),
        xml('store', { xmlns: 'urn:xmpp:hints' }),
      );
    const reason = (cond: string, text?: string): Element =>
      xml('reason', { xmlns: NS_JINGLE }, xml(cond), text !== undefined ? xml('text', {}, text) : undefined);

    it('propose → ringing → proceed → session-initiate to that device; the other device is told', async () => {
      const id = await propose();
      await laptop.send(jmi('ringing', id));
      await nextNotice((n) => n.id === id && n.kind === 'ringing');
      await phone.send(jmi('proceed', id));
      const n = await nextNotice((x) => x.id === id && x.kind === 'proceed');
      expect(n).toMatchObject({
        from: 'alice@localhost/phone',
        to: CALLER,
        state: 'proceeding',
        direction: 'out',
      });
      // XEP-0353 §3.4: the responder's server tells the other device (a carbon of the proceed).
      await laptop.waitFor((s) => carbonJmi(s, 'proceed')?.attrs.id === id, 4000, 'carbon of proceed');
      await leg.sendJingle('alice@localhost/phone', sessionInitiate(id, `${CALLER}/sip`), `${CALLER}/sip`);
      const si = await phone.waitFor(
        (s) => s.name === 'iq' && s.getChild('jingle', NS_JINGLE)?.attrs.sid === id,
        4000,
        'session-initiate',
      );
      expect(si.getChild('jingle')?.attrs.action).toBe('session-initiate');
      expect(
        laptop.all((s) => s.name === 'iq' && s.getChild('jingle', NS_JINGLE)?.attrs.sid === id),
      ).toHaveLength(0);
      // The call ends: finish to the bare JID.
      expect(await leg.sendJmi('finish', { id })).toBe(true);
      const fin = await laptop.waitFor((s) => jmiChild(s, 'finish')?.attrs.id === id, 4000, 'finish');
      expect(jmiChild(fin, 'finish')?.getChild('reason')?.getChild('success')).toBeDefined();
      expect(leg.jmi.get(id)?.state).toBe('finished');
    });

    it('endSession: the machine ends what is open (<finish> once proceeded), and nothing twice', async () => {
      const id = await propose();
      await phone.send(jmi('proceed', id));
      await nextNotice((x) => x.id === id && x.kind === 'proceed');
      expect(await leg.endSession(id, 'success')).toBe(true);
      const fin = await laptop.waitFor((s) => jmiChild(s, 'finish')?.attrs.id === id, 4000, 'finish');
      expect(jmiChild(fin, 'finish')?.getChild('reason')?.getChild('success')).toBeDefined();
      expect(leg.jmi.get(id)?.state).toBe('finished');
      expect(await leg.endSession(id, 'success')).toBe(false);
      // Before anyone proceeded the same call retracts the proposal; an unknown sid sends nothing.
      const open = await propose();
      expect(await leg.endSession(open, 'cancel')).toBe(true);
      await phone.waitFor((s) => jmiChild(s, 'retract')?.attrs.id === open, 4000, 'retract');
      expect(leg.jmi.get(open)?.state).toBe('retracted');
      expect(await leg.endSession('no-such-sid', 'success')).toBe(false);
    });

    it('reject: the call layer hears it; a later proceed is told the call is over', async () => {
      const id = await propose();
      await laptop.send(jmi('reject', id, reason('busy', 'Busy')));
      const n = await nextNotice((x) => x.id === id && x.kind === 'reject');
      expect(n.reason).toEqual({ condition: 'busy', text: 'Busy' });
      await phone.send(jmi('proceed', id));
      const fin = await phone.waitFor((s) => jmiChild(s, 'finish')?.attrs.id === id, 4000, 'finish');
      expect(jmiChild(fin, 'finish')?.getChild('reason')?.getChildText('text')).toBe('Call is over');
      await sleep(200);
      // Sent to that device alone (XEP-0280 <private/>): the other device sees no copy.
      expect(
        laptop.all((s) => carbonJmi(s, 'finish')?.attrs.id === id || jmiChild(s, 'finish')?.attrs.id === id),
      ).toHaveLength(0);
      expect(notices.filter((x) => x.id === id && x.kind === 'proceed')).toHaveLength(0);
    });

    it('retract: both devices stop ringing; a proceed after the retract gets a finish', async () => {
      const id = await propose();
      expect(
        await leg.sendJmi('retract', { id, reason: { condition: 'cancel', text: 'Caller hung up' } }),
      ).toBe(true);
      for (const dev of [phone, laptop]) {
        const r = await dev.waitFor((s) => jmiChild(s, 'retract')?.attrs.id === id, 4000, 'retract');
        expect(jmiChild(r, 'retract')?.getChild('reason')?.getChildText('text')).toBe('Caller hung up');
      }
      await phone.send(jmi('proceed', id));
      const fin = await phone.waitFor((s) => jmiChild(s, 'finish')?.attrs.id === id, 4000, 'finish');
      expect(jmiChild(fin, 'finish')?.getChild('reason')?.getChildText('text')).toBe('Call was cancelled');
      expect(notices.filter((x) => x.id === id && x.kind === 'proceed')).toHaveLength(0);
      expect(await leg.sendJmi('retract', { id })).toBe(false); // idempotent: nothing more is sent
    });

    it('the race: both devices proceed; one wins, the other is told privately', async () => {
      const id = await propose();
      await Promise.all([phone.send(jmi('proceed', id)), laptop.send(jmi('proceed', id))]);
      const won = await nextNotice((x) => x.id === id && x.kind === 'proceed');
      await sleep(300);
      expect(notices.filter((x) => x.id === id && x.kind === 'proceed')).toHaveLength(1);
      const [winner, loser] = won.from.endsWith('/phone') ? [phone, laptop] : [laptop, phone];
      const fin = await loser.waitFor(
        (s) => jmiChild(s, 'finish')?.attrs.id === id,
        4000,
        'finish to the loser',
      );
      expect(jmiChild(fin, 'finish')?.getChild('reason')?.getChildText('text')).toBe(
        'Answered on another device',
      );
      expect(
        winner.all((s) => jmiChild(s, 'finish')?.attrs.id === id || carbonJmi(s, 'finish')?.attrs.id === id),
      ).toHaveLength(0);
      expect(leg.jmi.get(id)).toMatchObject({ state: 'proceeding', peerFull: won.from });
    });

    it('a propose to a user with no device online bounces as jmi-error', async () => {
      const id = randomUUID();
      await leg.propose({ from: CALLER, to: 'bob@localhost', id, media: ['audio'] });
      const deadline = Date.now() + 4000;
      while (!bounces.some((b) => b.id === id) && Date.now() < deadline) await sleep(20);
      expect(bounces.find((b) => b.id === id)).toMatchObject({ condition: 'service-unavailable' });
    });
  });

  describe('XEP-0353 for XMPP-originated calls', () => {
    it('a propose to a SIP address: the leg proceeds, then the session-initiate comes', async () => {
      const id = randomUUID();
      const target = `+4930123456@${GW}`;
      await phone.send(
        audioPropose(target, id, xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Alice')),
      );
      const n = await nextNotice((x) => x.id === id && x.kind === 'propose');
      expect(n.nick).toBe('Alice');
      expect(n).toMatchObject({
        direction: 'in',
        from: 'alice@localhost/phone',
        to: target,
        media: ['audio'],
      });
      expect(await leg.sendJmi('ringing', { id })).toBe(true);
      expect(await leg.sendJmi('proceed', { id })).toBe(true);
      const p = await phone.waitFor((s) => jmiChild(s, 'proceed')?.attrs.id === id, 4000, 'proceed');
      expect(p.attrs.from).toBe(`${target}/sip`);
      await phone.waitFor(
        (s) => s.name === 'presence' && s.attrs.from === `${target}/sip`,
        4000,
        'directed presence',
      );
      const a = await phone.iq(
        jingleIq(
          `${target}/sip`,
          { action: 'session-initiate', sid: id, initiator: 'alice@localhost/phone' },
          audioContent(),
        ),
      );
      expect(a.attrs.type).toBe('result');
      // The caller hangs up: finish from the initiator.
      await phone.send(
        xml(
          'message',
          { to: target, type: 'chat' },
          xml('finish', { xmlns: NS_JMI, id }, xml('reason', { xmlns: NS_JINGLE }, xml('success'))),
        ),
      );
      await nextNotice((x) => x.id === id && x.kind === 'finish');
      expect(leg.jmi.get(id)?.state).toBe('finished');
    });

    it('a propose from a domain that may not place calls is rejected', async () => {
      await asMallory(async (mallory) => {
        const id = randomUUID();
        await mallory.send(audioPropose(CALLER, id));
        const r = await mallory.waitFor((s) => jmiChild(s, 'reject')?.attrs.id === id, 4000, 'reject');
        expect(jmiChild(r, 'reject')?.getChild('reason')?.getChildText('text')).toMatch(
          /may not place calls/,
        );
        expect(notices.some((x) => x.id === id)).toBe(false);
      });
    });

    it('a malformed propose gets a bad-request error message; chat gets service-unavailable', async () => {
      await phone.send(
        xml(
          'message',
          { to: CALLER, type: 'chat', id: 'bad-propose' },
          xml('propose', { xmlns: NS_JMI, id: 'x' }),
        ),
      );
      const e = await phone.waitFor(
        (s) => s.name === 'message' && s.attrs.type === 'error' && s.attrs.id === 'bad-propose',
        4000,
        'error',
      );
      expect(errorOf(e)).toMatchObject({
        condition: 'bad-request',
        text: expect.stringMatching(/description/),
      });
      await phone.send(xml('message', { to: CALLER, type: 'chat', id: 'hello' }, xml('body', {}, 'hello?')));
      const e2 = await phone.waitFor(
        (s) => s.name === 'message' && s.attrs.type === 'error' && s.attrs.id === 'hello',
        4000,
        'error',
      );
      expect(errorOf(e2).condition).toBe('service-unavailable');
    });
  });

  describe('callees without JMI', () => {
    it('a device that shares presence without JMI support gets the session-initiate directly', async () => {
      const ver = 'no-jmi-client-ver';
      const carol = await Bot.connect({
        port: prosody.c2sPort,
        username: 'carol',
        password: 'carolpass',
        resource: 'desk',
        features: [
          NS_DISCO_INFO,
          'urn:xmpp:jingle:1',
          'urn:xmpp:jingle:apps:rtp:1',
          'urn:xmpp:jingle:transports:ice-udp:1',
        ],
      });
      try {
        expect(leg.routeFor('carol@localhost')).toEqual({ kind: 'jmi' }); // nothing known yet
        await carol.send(
          xml(
            'presence',
            { to: CALLER },
            xml('c', {
              xmlns: 'http://jabber.org/protocol/caps',
              hash: 'sha-1',
              node: 'urn:test:carol',
              ver,
            }),
          ),
        );
        const deadline = Date.now() + 4000;
        while (leg.routeFor('carol@localhost').kind === 'jmi' && Date.now() < deadline) await sleep(20);
        expect(leg.routeFor('carol@localhost')).toEqual({ kind: 'direct', to: ['carol@localhost/desk'] });
        const sid = randomUUID();
        await leg.sendJingle('carol@localhost/desk', sessionInitiate(sid, `${CALLER}/sip`), `${CALLER}/sip`);
        await carol.waitFor(
          (s) => s.name === 'iq' && s.getChild('jingle', NS_JINGLE)?.attrs.sid === sid,
          4000,
          'session-initiate',
        );
        // alice's clients do JMI: her route stays JMI once her caps are known.
        expect(leg.routeFor('alice@localhost').kind).toBe('jmi');
        await carol.send(xml('presence', { to: CALLER, type: 'unavailable' }));
        const d2 = Date.now() + 4000;
        while (leg.routeFor('carol@localhost').kind !== 'jmi' && Date.now() < d2) await sleep(20);
        expect(leg.routeFor('carol@localhost')).toEqual({ kind: 'jmi' });
      } finally {
        await carol.stop();
      }
    });
  });
});
