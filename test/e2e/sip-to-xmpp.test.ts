/**
 * Issue 5, e2e item 2: SIPp calls `sip:alice@localhost` through the gateway; alice's two devices
 * both get the JMI `<propose>`; one proceeds and accepts with its DTLS fingerprint (setup=active);
 * SIPp gets the 200 with that fingerprint and ACKs; the other device is told (the carbon of the
 * proceed, XEP-0353 §3.4). SIPp hangs up.
 */
import { carbonJmi, jmiChild } from '../xmpp/bots';
import { describeE2e, iqOk, jingleAction, jingleOf, proposed, reasonOf, traced, type Bot } from './harness';
import { xml } from '../../src/xmpp/stanza/xml';
import { candidateEl, dtlsAccept, fingerprint, jingleIq, jmi, NS_DTLS, NS_ICE } from './stanzas';

describeE2e('e2e: SIPp → gateway → alice (two devices, JMI)', { devices: ['phone', 'laptop'] }, (bed) => {
  let phone: Bot;
  let laptop: Bot;
  beforeAll(() => {
    phone = bed.device('phone');
    laptop = bed.device('laptop');
  });

  test('both devices ring; the phone answers; SIPp gets its fingerprint; the laptop is told', async () => {
    const world = bed.world;
    const run = await bed.uac('e2e-uac-dtls.xml');
    const proposes = await Promise.all(
      [phone, laptop].map((d) => d.waitFor((s) => jmiChild(s, 'propose') !== undefined, 8000, 'propose')),
    );
    const proposedAt = Date.now();
    const id = jmiChild(proposes[0], 'propose')?.attrs.id as string;
    expect(jmiChild(proposes[1], 'propose')?.attrs.id).toBe(id);
    const caller = proposes[0].attrs.from as string;
    // sip:bob@<the gateway's own SIP host> is a plain user there (mappings/address-rules.yaml).
    expect(caller).toBe('bob@gw.localhost/sip');
    expect(jmiChild(proposes[0], 'propose')?.getChild('description')?.attrs.media).toBe('audio');

    // Both ring (XEP-0353 §3.2); the phone's ringing is ahead of its proceed on the same stream.
    await laptop.send(jmi('ringing', { to: caller, id }));
    await phone.send(jmi('ringing', { to: caller, id }));
    await phone.send(jmi('proceed', { to: caller, id }));

    const initiate = await phone.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    expect(initiate.attrs.from).toBe(caller);
    const t = jingleOf(initiate)?.getChild('content')?.getChild('transport', NS_ICE);
    expect(t?.attrs).toMatchObject({ ufrag: 'BoBs', pwd: 'bobpasswordbobpasswordbo' });
    expect(t?.getChild('fingerprint', NS_DTLS)?.attrs).toMatchObject({ hash: 'sha-256', setup: 'actpass' });
    expect(t?.getChild('fingerprint', NS_DTLS)?.getText()).toBe(fingerprint('B0'));
    expect(t?.getChildren('candidate').map((c) => `${c.attrs.ip} ${c.attrs.port} ${c.attrs.type}`)).toEqual([
      '127.0.0.1 49170 host',
      '192.0.2.60 49170 srflx',
    ]);

    const acceptedAt = Date.now();
    await iqOk(phone, dtlsAccept({ initiate, to: caller, from: phone.jid, fp: fingerprint('A1') }));

    // The other device is told: its server copies the proceed to it (carbons).
    await laptop.waitFor((s) => carbonJmi(s, 'proceed')?.attrs.id === id, 4000, 'carbon of the proceed');
    expect(laptop.all((s) => jingleOf(s)?.attrs.sid === id)).toHaveLength(0);

    // SIPp hangs up after its ACK: the phone hears session-terminate <success/>.
    const term = await phone.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    // XEP-0353 §3.5: and every device hears that the call is over.
    const fin = await laptop.waitFor((s) => jmiChild(s, 'finish')?.attrs.id === id, 4000, 'finish');
    expect(jmiChild(fin, 'finish')?.getChild('reason')?.getChild('success')).toBeDefined();
    const r = await bed.passed(run);
    const sentInvite = r.trace.find((e) => e.direction === 'sent' && e.firstLine.startsWith('INVITE'));
    const got200 = r.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('SIP/2.0 200'));
    if (sentInvite && got200) {
      console.log(
        `e2e SIP → XMPP: INVITE → <propose> on both devices ≤ ${proposedAt - sentInvite.at} ms; ` +
          `session-accept → 200 at SIPp ${got200.at - acceptedAt} ms (gather window 50)`,
      );
    }
    const ok = traced(r, 'received', 'SIP/2.0 200') ?? '';
    expect(ok).not.toMatch(/a=setup:actpass/);
    expect(r.trace.map((e) => `${e.direction} ${e.firstLine.split(' ').slice(0, 2).join(' ')}`)).toEqual(
      expect.arrayContaining([
        'received SIP/2.0 180',
        'received SIP/2.0 200',
        'sent ACK sip:gw@127.0.0.1:' + world.sipPort,
      ]),
    );
  });

  test('a candidate the device trickles after the 200 reaches SIP in a re-INVITE', async () => {
    const run = await bed.uac('e2e-uac-dtls-reinvite.xml');
    const seen = new Set(phone.all((s) => jmiChild(s, 'propose') !== undefined));
    const { id, caller } = await proposed(phone, (s) => !seen.has(s));
    await phone.send(jmi('proceed', { to: caller, id }));
    const initiate = await phone.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    await iqOk(phone, dtlsAccept({ initiate, to: caller, from: phone.jid, fp: fingerprint('A1') }));
    // Well after the gather window (and the 200): a server-reflexive candidate.
    await new Promise((r) => setTimeout(r, 200));
    const name = String(jingleOf(initiate)?.getChild('content')?.attrs.name);
    await iqOk(
      phone,
      jingleIq(
        caller,
        { action: 'transport-info', sid: id },
        xml(
          'content',
          { creator: 'initiator', name },
          xml(
            'transport',
            { xmlns: NS_ICE, ufrag: 'aLiC', pwd: 'alicepasswordalicepasswd' },
            candidateEl(
              {
                foundation: '2',
                component: 1,
                protocol: 'udp',
                priority: 1686052607,
                ip: '203.0.113.8',
                port: 41002,
                type: 'srflx',
                relAddr: '127.0.0.1',
                relPort: 41000,
              },
              'a2',
            ),
          ),
        ),
      ),
    );
    await phone.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    await bed.passed(run);
  });
});
