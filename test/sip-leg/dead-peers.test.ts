/**
 * Dead peers at the dialog layer (docs/policy.md §Dead peers), without sockets: the real Dialog,
 * ServerInvite and ClientInvite on a fake core and a fake clock. In-dialog OPTIONS probes, RFC 4028
 * refresh failures and expiry, the UAS's session-timer choice, and the media watch on a captured
 * rtpengine `query` answer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { localFailure } from '../../src/sip/transaction/bridge';
import { ClientInvite } from '../../src/sip/dialog/client-invite';
import type { Dialog } from '../../src/sip/dialog/dialog';
import { probeVerdict } from '../../src/sip/dialog/dialog-probe';
import { header } from '../../src/sip/message/headers';
import { ServerInvite } from '../../src/sip/dialog/server-invite';
import { uasSessionTimer } from '../../src/sip/dialog/session-timer';
import type { SipResponse } from '../../src/sip/message/types';
import { MediaWatch, packetsByTag } from '../../src/media/media-watch';
import type { NgDict } from '../../src/media/ng-client';
import { FakeCore, fakeTx, request, response } from './fake-core';

const KEEPALIVE = { intervalMs: 30_000, timeoutMs: 32_000 };

/** A confirmed UAS dialog on `core` (keepalive as the core has it), and what it reports. */
function confirmed(core: FakeCore, timer?: ConstructorParameters<typeof ServerInvite>[2]) {
  const tx = fakeTx(request('INVITE', {}, 'v=0\r\n'));
  const si = new ServerInvite(core, tx, timer, () => undefined);
  const d = si.accept('v=0\r\n');
  d.handleAck(request('ACK', { CSeq: '1 ACK' }));
  const lost: Array<{ status: number; text: string; expired: boolean; at: number }> = [];
  const ended: string[] = [];
  d.on('lost', (status: number, text: string, expired: boolean) =>
    lost.push({ status, text, expired, at: core.clock.now() }),
  );
  d.on('terminated', (why: string) => ended.push(why));
  return { d, lost, ended, okTo: header(tx.responses[0] as SipResponse, 'to') as string };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('in-dialog OPTIONS probes', () => {
  test('an OPTIONS after 30 s of quiet; an answer (200, 405, 501) means alive and the next waits 30 s', async () => {
    const core = new FakeCore();
    core.keepalive = KEEPALIVE;
    const { d, lost } = confirmed(core);
    core.clock.advance(29_999);
    expect(core.methods()).toEqual([]);
    core.clock.advance(1);
    const first = core.last('OPTIONS');
    expect(first.at).toBe(30_000);
    // In the dialog: the peer's tag in To, our tag in From, the dialog's Call-ID, the remote target.
    expect(header(first.req, 'to')).toMatch(/tag=peertag/);
    expect(header(first.req, 'from')).toContain(`tag=${d.localTag}`);
    expect(header(first.req, 'call-id')).toBe(d.callId);
    expect(first.req.uri).toBe('sip:peer@192.0.2.9:5060');
    for (const [i, status] of [200, 405, 501].entries()) {
      core.last('OPTIONS').onResponse(response(core.last('OPTIONS').req, status));
      await flush();
      core.clock.advance(30_000);
      expect(core.methods().filter((m) => m === 'OPTIONS').length).toBe(i + 2);
    }
    expect(lost).toEqual([]);
    expect(d.state).toBe('confirmed');
  });

  test('no answer within the timeout: lost (408) at 30 + 32 s, a BYE saying why, the dialog ends', () => {
    const core = new FakeCore();
    core.keepalive = KEEPALIVE;
    const { d, lost, ended } = confirmed(core);
    core.clock.advance(61_999);
    expect(lost).toEqual([]);
    core.clock.advance(1);
    expect(lost).toEqual([
      {
        status: 408,
        text: expect.stringMatching(/no answer to in-dialog OPTIONS/),
        expired: false,
        at: 62_000,
      },
    ]);
    expect(core.methods()).toEqual(['OPTIONS', 'BYE']);
    expect(header(core.last('BYE').req, 'reason')).toMatch(
      /^SIP;cause=408;text="no answer to in-dialog OPTIONS within 32 s"$/,
    );
    expect(d.state).toBe('terminated');
    expect(ended).toEqual(['bye sent']);
    expect(core.dialogs.size).toBe(0);
    // Nothing outlives the dialog: no more probes.
    core.clock.advance(300_000);
    expect(core.methods()).toEqual(['OPTIONS', 'BYE']);
  });

  test('the transaction timeout (a local 408) and a transport failure (local 503) mean gone; a BYE follows', async () => {
    for (const status of [408, 503]) {
      const core = new FakeCore();
      core.keepalive = KEEPALIVE;
      const { lost } = confirmed(core);
      core.clock.advance(30_000);
      const o = core.last('OPTIONS');
      o.onResponse(localFailure(o.req, status, 'test'));
      await flush();
      expect(lost.map((l) => l.status)).toEqual([status]);
      expect(core.methods()).toEqual(['OPTIONS', 'BYE']);
    }
  });

  test('481 from the peer: gone, and no BYE (the peer has no such dialog)', async () => {
    const core = new FakeCore();
    core.keepalive = KEEPALIVE;
    const { d, lost, ended } = confirmed(core);
    core.clock.advance(30_000);
    core.last('OPTIONS').onResponse(response(core.last('OPTIONS').req, 481));
    await flush();
    expect(lost).toEqual([{ status: 481, text: expect.stringMatching(/481/), expired: false, at: 30_000 }]);
    expect(core.methods()).toEqual(['OPTIONS']);
    expect(d.state).toBe('terminated');
    expect(ended.length).toBe(1);
  });

  test('a request from the peer is a sign of life: the next probe waits a full interval from it', () => {
    const core = new FakeCore();
    core.keepalive = KEEPALIVE;
    const { d, okTo } = confirmed(core);
    core.clock.advance(20_000);
    d.handleRequest(fakeTx(request('INFO', { To: okTo, CSeq: '2 INFO' })));
    core.clock.advance(29_999);
    expect(core.methods()).toEqual([]);
    core.clock.advance(1);
    expect(core.last('OPTIONS').at).toBe(50_000);
  });

  test('one probe at a time; with keepalive off there is none', () => {
    const core = new FakeCore();
    core.keepalive = { intervalMs: 1000, timeoutMs: 32_000 };
    confirmed(core);
    core.clock.advance(20_000);
    expect(core.methods()).toEqual(['OPTIONS']);
    const off = new FakeCore();
    const { d } = confirmed(off);
    off.clock.advance(3_600_000);
    expect(off.methods()).toEqual([]);
    expect(d.state).toBe('confirmed');
  });

  test('RFC 5057 §5.1: which answers mean the dialog is gone', () => {
    const res = (status: number): SipResponse => response(request('OPTIONS'), status);
    for (const s of [404, 408, 410, 416, 481, 482, 483, 484, 485, 502, 604])
      expect([s, probeVerdict(res(s), false)]).toEqual([s, 'gone']);
    for (const s of [200, 400, 403, 405, 415, 420, 480, 486, 488, 500, 501, 503, 504, 600, 603])
      expect([s, probeVerdict(res(s), false)]).toEqual([s, 'alive']);
    expect(probeVerdict(res(503), true)).toBe('gone');
  });
});

describe('session timers (RFC 4028 §10)', () => {
  /** A UAS dialog that refreshes every 60 s (Session-Expires 120, refresher=uas). */
  const refresher = (core: FakeCore) =>
    confirmed(core, { timer: { interval: 120, refresher: 'uas' }, require: false });

  test('a refresh that times out (408): lost, and a BYE with Reason', async () => {
    const core = new FakeCore();
    const { d, lost } = refresher(core);
    core.clock.advance(60_000);
    const re = core.last('INVITE');
    re.onResponse(localFailure(re.req, 408, 'Timer B'));
    await flush();
    expect(lost.map((l) => [l.status, l.expired])).toEqual([[408, false]]);
    expect(core.methods()).toEqual(['INVITE', 'BYE']);
    expect(header(core.last('BYE').req, 'reason')).toMatch(/^SIP;cause=408;text="INVITE not answered"$/);
    expect(d.state).toBe('terminated');
  });

  test('a refresh answered 481: lost, the dialog ends without a BYE', async () => {
    const core = new FakeCore();
    const { d, lost } = refresher(core);
    core.clock.advance(60_000);
    core.last('INVITE').onResponse(response(core.last('INVITE').req, 481));
    await flush();
    expect(lost.map((l) => l.status)).toEqual([481]);
    expect(core.methods()).toEqual(['INVITE']);
    expect(d.state).toBe('terminated');
  });

  test('a refresh answered 500: the session ends with a BYE (the peer is alive but refused)', async () => {
    const core = new FakeCore();
    const { lost } = refresher(core);
    core.clock.advance(60_000);
    core.last('INVITE').onResponse(response(core.last('INVITE').req, 500));
    await flush();
    expect(lost.map((l) => l.text)).toEqual(['session refresh failed: 500']);
    expect(core.methods()).toEqual(['INVITE', 'BYE']);
  });

  test('the peer refreshes and stops: lost as expired at SE − min(32, SE/3), with a BYE', () => {
    const core = new FakeCore();
    const { lost } = confirmed(core, { timer: { interval: 1800, refresher: 'uac' }, require: true });
    core.clock.advance(1_767_999);
    expect(lost).toEqual([]);
    core.clock.advance(1);
    expect(lost).toEqual([
      { status: 408, text: expect.stringMatching(/session expired/), expired: true, at: 1_768_000 },
    ]);
    expect(core.methods()).toEqual(['BYE']);
  });

  test('the UAS: offers its interval to a caller that supports timers, and reduces a longer one', () => {
    const inv = (h: Record<string, string>) => request('INVITE', h);
    // Supported: timer but no Session-Expires (§9): we ask for ours and refresh ourselves.
    expect(uasSessionTimer(inv({ Supported: 'timer' }), 90, 1800)).toEqual({
      kind: 'use',
      timer: { interval: 1800, refresher: 'uas' },
      require: true,
    });
    // Without support and without Session-Expires: none (the probes watch such peers).
    expect(uasSessionTimer(inv({}), 90, 1800)).toEqual({ kind: 'none' });
    // A longer interval is reduced to ours, never below the request's Min-SE.
    expect(uasSessionTimer(inv({ 'Session-Expires': '7200', Supported: 'timer' }), 90, 1800)).toMatchObject({
      timer: { interval: 1800, refresher: 'uac' },
    });
    expect(uasSessionTimer(inv({ 'Session-Expires': '7200', 'Min-SE': '3600' }), 90, 1800)).toMatchObject({
      timer: { interval: 3600, refresher: 'uas' },
    });
    // A shorter one is kept.
    expect(uasSessionTimer(inv({ 'Session-Expires': '600' }), 90, 1800)).toMatchObject({
      timer: { interval: 600 },
    });
  });

  test('the UAC: asks for Session-Expires; the 2xx decides the refresher', () => {
    const core = new FakeCore();
    const ci = new ClientInvite(
      core,
      { uri: 'sip:bob@192.0.2.9', from: 'sip:alice@gw.test', body: 'v=0\r\n', sessionExpires: 1800 },
      () => undefined,
    );
    let dialog: Dialog | undefined;
    ci.on('accepted', (_r: SipResponse, d: Dialog) => (dialog = d));
    ci.start();
    const inv = core.last('INVITE');
    expect(header(inv.req, 'session-expires')).toBe('1800');
    expect(header(inv.req, 'supported')).toMatch(/timer/);
    inv.onResponse(
      response(
        inv.req,
        200,
        {
          To: '<sip:bob@192.0.2.9>;tag=b',
          Contact: '<sip:bob@192.0.2.9>',
          'Session-Expires': '1800;refresher=uac',
        },
        'v=0\r\n',
      ),
    );
    expect(dialog).toBeDefined();
    core.clock.advance(900_000);
    expect(core.methods()).toEqual(['INVITE', 'INVITE']);
  });
});

describe('the media watch (rtpengine query answers)', () => {
  const captured = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../fixtures/captured/rtpengine-10.5.3-query.json'), 'utf8'),
  ) as NgDict;
  /** The captured answer with the `sip` side's RTP stream at `sip` packets and the `jingle` side's at `jingle`. */
  const withPackets = (sip: number, jingle: number): NgDict => {
    const a = JSON.parse(JSON.stringify(captured)) as {
      tags: Record<string, { medias: Array<{ streams: Array<{ stats: { packets: number } }> }> }>;
    };
    (a.tags.sip?.medias[0]?.streams[0] as { stats: { packets: number } }).stats.packets = sip;
    (a.tags.jingle?.medias[0]?.streams[0] as { stats: { packets: number } }).stats.packets = jingle;
    return a as unknown as NgDict;
  };

  test('packets per side from the captured answer', () => {
    expect(packetsByTag(captured)).toEqual(
      new Map([
        ['sip', 5],
        ['jingle', 0],
      ]),
    );
    expect(packetsByTag({ result: 'ok' })).toEqual(new Map());
  });

  test('a side whose count stops growing for silenceMs is silent; the other side flowing does not help', () => {
    const w = new MediaWatch(45_000);
    expect(w.observe(0, withPackets(5, 10))).toEqual({ kind: 'ok' });
    expect(w.observe(15_000, withPackets(100, 20))).toEqual({ kind: 'ok' });
    // The XMPP side stops at 15 s; the SIP side goes on.
    expect(w.observe(30_000, withPackets(200, 20))).toEqual({ kind: 'ok' });
    expect(w.observe(45_000, withPackets(300, 20))).toEqual({ kind: 'ok' });
    expect(w.observe(60_000, withPackets(400, 20))).toEqual({ kind: 'silent', tag: 'jingle', seconds: 45 });
  });

  test('a side that never sent anything is silent silenceMs after the first look', () => {
    const w = new MediaWatch(45_000);
    expect(w.observe(1_000, captured)).toEqual({ kind: 'ok' });
    expect(w.observe(45_999, withPackets(50, 0))).toEqual({ kind: 'ok' });
    expect(w.observe(46_000, withPackets(60, 0))).toEqual({ kind: 'silent', tag: 'jingle', seconds: 45 });
  });
});
