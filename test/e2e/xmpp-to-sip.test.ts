/**
 * Issue 5, e2e item 1: an XMPP client (Conversations-style ICE + DTLS offer) calls
 * `+15551230000@gw.localhost`; SIPp is the callee behind `sip.outbound`. Real Prosody, real
 * gateway, real SIPp on free loopback ports. Hang-up from each side in turn.
 */
import { randomUUID } from 'node:crypto';
import {
  CALLEE,
  describeE2e,
  iqOk,
  jingleAction,
  jingleOf,
  offerCall,
  reasonOf,
  traced,
  type Bot,
  type Element,
  type Sipp,
} from './harness';
import { jmiChild } from '../xmpp/bots';
import {
  conversationsOffer,
  jmiPropose,
  NS_DTLS,
  NS_ICE,
  terminate,
  transportInfo,
  TRICKLED,
} from './stanzas';

const SIPP_FP = Array(32).fill('5A').join(':');

describeE2e('e2e: XMPP client → gateway → SIPp (ICE + DTLS)', {}, (bed) => {
  let alice: Bot;
  let initiatedAt = 0;
  beforeAll(() => {
    alice = bed.device();
  });

  /** Places the call (after a JMI propose → proceed when `viaJmi`); resolves on the session-accept. */
  async function call(
    scenario: string,
    viaJmi = false,
  ): Promise<{
    sid: string;
    to: string;
    accept: Element;
    setupMs: number;
    sippRun: Sipp;
  }> {
    const s = await bed.uas(scenario);
    const sid = randomUUID();
    let to = CALLEE;
    if (viaJmi) {
      // XEP-0353: Conversations proposes first; the gateway proceeds for the SIP callee.
      await alice.send(jmiPropose({ to: CALLEE, id: sid }));
      const proceed = await alice.waitFor((s) => jmiChild(s, 'proceed')?.attrs.id === sid, 4000, 'proceed');
      to = proceed.attrs.from as string;
      expect(to).toBe(`${CALLEE}/sip`);
      // Addressed to the device that proposed, not to alice's bare JID (Dino needs it, issue 14).
      expect(proceed.attrs.to).toBe(alice.jid);
    }
    const accepted = alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    let acceptAt = 0;
    void accepted.then(
      () => (acceptAt = Date.now()),
      () => undefined,
    );
    // The offer and a trickled candidate right behind it, as Conversations does.
    initiatedAt = Date.now();
    await offerCall(alice, to, sid);
    const ringing = await alice.waitFor(jingleAction(sid, 'session-info'), 8000, 'session-info ringing');
    expect(jingleOf(ringing)?.getChild('ringing', 'urn:xmpp:jingle:apps:rtp:info:1')).toBeDefined();
    const accept = await accepted;
    return { sid, to, accept, setupMs: acceptAt, sippRun: s };
  }

  function expectSippAnswer(accept: Element): void {
    const j = jingleOf(accept) as Element;
    const content = j.getChild('content');
    expect(content?.attrs.name).toBe('0');
    const desc = content?.getChild('description', 'urn:xmpp:jingle:apps:rtp:1');
    expect(desc?.getChildren('payload-type').map((p) => p.attrs.name)).toEqual(['opus', 'telephone-event']);
    expect(desc?.getChild('rtcp-mux')).toBeDefined();
    const t = content?.getChild('transport', NS_ICE);
    expect(t?.attrs).toMatchObject({ ufrag: 'SiPp', pwd: 'sipppasswordsipppassword' });
    const fp = t?.getChild('fingerprint', NS_DTLS);
    expect(fp?.attrs.hash?.toLowerCase()).toBe('sha-256');
    expect(fp?.attrs.setup).toBe('active');
    expect(fp?.getText().toUpperCase()).toBe(SIPP_FP);
    const cands = (t?.getChildren('candidate') ?? []).map((c) => c.attrs);
    expect(cands).toEqual([
      expect.objectContaining({
        foundation: '1',
        component: '1',
        ip: '127.0.0.1',
        port: '49170',
        type: 'host',
        priority: '2130706431',
      }),
      expect.objectContaining({
        foundation: '2',
        ip: '192.0.2.50',
        port: '49170',
        type: 'srflx',
        'rel-addr': '127.0.0.1',
        'rel-port': '49170',
      }),
    ]);
    expect(j.getChild('group', 'urn:xmpp:jingle:apps:grouping:0')?.attrs.semantics).toBe('BUNDLE');
  }

  test('the client hangs up: SIPp sees the BYE', async () => {
    const { sid, accept, setupMs, sippRun } = await call('e2e-uas-dtls-bye-in.xml');
    expectSippAnswer(accept);
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const r = await bed.passed(sippRun);
    const ok = r.trace.find((e) => e.direction === 'sent' && e.firstLine.startsWith('SIP/2.0 200'));
    // Call setup through the gateway: SIPp's 200 OK sent → the client has the session-accept.
    const invite = r.trace.find((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE'));
    if (ok && invite) {
      console.log(
        `e2e XMPP → SIP: session-initiate → INVITE at SIPp ${invite.at - initiatedAt} ms (gather window 50); ` +
          `SIP 200 OK → session-accept ${setupMs - ok.at} ms`,
      );
    }
    expect(traced(r, 'received', 'BYE')).toMatch(/^BYE sip:sipp@127\.0\.0\.1:\d+ SIP\/2\.0/);
    expect(traced(r, 'received', 'INVITE')).toMatch(/^INVITE sip:\+15551230000@127\.0\.0\.1:\d+ SIP\/2\.0/);
    expect(traced(r, 'received', 'INVITE')).toMatch(/\r?\nFrom: <sip:alice%40localhost@gw\.localhost>;tag=/);
  });

  test('SIPp hangs up: the client gets session-terminate <success/>', async () => {
    const { sid, accept, sippRun } = await call('e2e-uas-dtls-bye-out.xml');
    expectSippAnswer(accept);
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await bed.passed(sippRun);
  });

  test('during the call SIPp holds, sends a DTMF INFO, an unknown Info-Package and a REFER: each answered truthfully (issue 14)', async () => {
    const { sid, sippRun } = await call('e2e-uas-dtls-midcall.xml');
    // RFC 3264 §8.4 hold → XEP-0167 §7 <hold/>; the 200's SDP is checked by the scenario.
    const hold = await alice.waitFor(
      (s) =>
        jingleOf(s)?.attrs.sid === sid && !!jingleOf(s)?.getChild('hold', 'urn:xmpp:jingle:apps:rtp:info:1'),
      8000,
      'session-info <hold/>',
    );
    expect(jingleOf(hold)?.attrs.action).toBe('session-info');
    // INFO application/dtmf-relay → XEP-0181 <dtmf code='5' duration='160'/>.
    const dtmf = await alice.waitFor(
      (s) => jingleOf(s)?.attrs.sid === sid && !!jingleOf(s)?.getChild('dtmf', 'urn:xmpp:jingle:dtmf:0'),
      8000,
      'session-info <dtmf/>',
    );
    expect(jingleOf(dtmf)?.getChild('dtmf', 'urn:xmpp:jingle:dtmf:0')?.attrs).toMatchObject({
      code: '5',
      duration: '160',
    });
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await bed.passed(sippRun);
  });

  test('during the call SIPp holds and resumes with UPDATE (RFC 3311): <hold/> then <active/>, each answered truthfully (issue 14)', async () => {
    const { sid, sippRun } = await call('e2e-uas-dtls-update-hold.xml');
    // The 200s' SDP (recvonly, then sendrecv; setup:passive) is checked by the scenario.
    const info = (name: string) => (s: Element) =>
      jingleOf(s)?.attrs.sid === sid && !!jingleOf(s)?.getChild(name, 'urn:xmpp:jingle:apps:rtp:info:1');
    expect(jingleOf(await alice.waitFor(info('hold'), 8000, 'session-info <hold/>'))?.attrs.action).toBe(
      'session-info',
    );
    await alice.waitFor(info('active'), 8000, 'session-info <active/>');
    const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    await bed.passed(sippRun);
  });

  test('Conversations-style JMI first: propose → proceed → the call → finish', async () => {
    const { sid, to, accept, sippRun } = await call('e2e-uas-dtls-bye-in.xml', true);
    expectSippAnswer(accept);
    await iqOk(alice, terminate({ to, sid }));
    await bed.passed(sippRun);
    const fin = await alice.waitFor((s) => jmiChild(s, 'finish')?.attrs.id === sid, 4000, 'finish');
    expect(fin.attrs.from).toBe(`${CALLEE}/sip`);
  });

  test('a propose to an address that maps to no SIP URI is rejected with <gone/>', async () => {
    const id = randomUUID();
    await alice.send(jmiPropose({ to: 'nobody\\40@gw.localhost', id }));
    const rej = await alice.waitFor((s) => jmiChild(s, 'reject')?.attrs.id === id, 4000, 'reject');
    expect(jmiChild(rej, 'reject')?.getChild('reason')?.getChild('gone')).toBeDefined();
  });

  test('a candidate trickled after the INVITE went out reaches SIP in a re-INVITE after the answer', async () => {
    const run = await bed.uas('e2e-uas-dtls-reinvite.xml');
    const sid = randomUUID();
    await iqOk(alice, conversationsOffer({ to: CALLEE, from: alice.jid, sid }));
    await alice.waitFor(jingleAction(sid, 'session-info'), 8000, 'ringing');
    await iqOk(alice, transportInfo({ to: CALLEE, from: alice.jid, sid, name: '0', candidate: TRICKLED }));
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    expectSippAnswer(accept);
    await new Promise((r) => setTimeout(r, 300));
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    await bed.passed(run);
  });

  test('the client restarts ICE (new ufrag/pwd in a transport-info, XEP-0176 §2.2): a re-INVITE with its new credentials and candidate, the settled DTLS role; the peer’s new credentials come back in a transport-info', async () => {
    const run = await bed.uas('e2e-uas-dtls-client-restart.xml');
    const sid = randomUUID();
    await iqOk(alice, conversationsOffer({ to: CALLEE, from: alice.jid, sid }));
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    expectSippAnswer(accept);
    const peerRestart = alice.waitFor(
      (s) =>
        jingleAction(sid, 'transport-info')(s) &&
        jingleOf(s)?.getChild('content')?.getChild('transport', NS_ICE)?.attrs.ufrag === 'SiP2',
      10_000,
      'the peer’s new credentials',
    );
    await iqOk(
      alice,
      transportInfo({
        to: CALLEE,
        from: alice.jid,
        sid,
        name: '0',
        ufrag: 'ReSt',
        pwd: 'restartpasswordrestartpass',
        candidate: {
          foundation: '9',
          component: 1,
          protocol: 'udp',
          priority: 2122260223,
          ip: '127.0.0.1',
          port: 40020,
          type: 'host',
        },
      }),
    );
    const t = jingleOf(await peerRestart)
      ?.getChild('content')
      ?.getChild('transport', NS_ICE);
    expect(t?.attrs.pwd).toBe('sipprestartpwdsipprestartpw');
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    await bed.passed(run);
  });

  test('trickle ICE in INFO both ways (RFC 8840 §4) with a peer whose 200 says trickle-ice: the client’s later candidate goes in an INFO sdpfrag, not a re-INVITE; the peer’s INFO sdpfrag reaches the client as a transport-info; its in-dialog OPTIONS gets 200 with Allow', async () => {
    const run = await bed.uas('e2e-uas-dtls-trickle-info.xml');
    const sid = randomUUID();
    const peerCandidate = alice.waitFor(
      (s) =>
        jingleAction(sid, 'transport-info')(s) &&
        (jingleOf(s)
          ?.getChild('content')
          ?.getChild('transport', NS_ICE)
          ?.getChildren('candidate')
          .some((c) => c.attrs.port === '49172' && c.attrs.ip === '127.0.0.1') ??
          false),
      10_000,
      'the peer’s trickled candidate',
    );
    await iqOk(alice, conversationsOffer({ to: CALLEE, from: alice.jid, sid }));
    const accept = await alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
    expectSippAnswer(accept);
    await iqOk(alice, transportInfo({ to: CALLEE, from: alice.jid, sid, name: '0', candidate: TRICKLED }));
    const info = jingleOf(await peerCandidate);
    // The peer's credentials came with its candidate (RFC 8840 §4.2): the same, so no restart.
    expect(info?.getChild('content')?.getChild('transport', NS_ICE)?.attrs.ufrag).toBe('SiPp');
    // SIPp's in-dialog OPTIONS is answered before the client hangs up.
    await new Promise((r) => setTimeout(r, 500));
    await iqOk(alice, terminate({ to: CALLEE, sid }));
    const result = await bed.passed(run);
    // No re-INVITE: SIPp's scenario would have failed on it; and exactly one INFO from us.
    expect(
      result.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('INFO')),
    ).toHaveLength(1);
  });
});
