/**
 * The dialog layer without sockets: transition tables, and the UAS/UAC INVITE sessions and
 * dialogs driven through a fake core on a fake clock.
 */
import { ClientInvite, type InviteOptions } from '../../src/sip/dialog/client-invite';
import { header } from '../../src/sip/message/headers';
import { DIALOG_TABLE, OFFER_TABLE, UAC_TABLE, UAS_TABLE } from '../../src/sip/dialog/dialog-fsm';
import { Machine, nextOf, type TransitionTable } from '../../src/fsm';
import { ServerInvite } from '../../src/sip/dialog/server-invite';
import type { Dialog } from '../../src/sip/dialog/dialog';
import { bareOwner, type Respond } from '../../src/sip/dialog/events';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { FakeCore, fakeTx, request, response } from './fake-core';

describe('transition tables', () => {
  const tables: Array<[string, TransitionTable<string, string, unknown>, string]> = [
    ['uac', UAC_TABLE, 'terminated'],
    ['uas', UAS_TABLE, 'terminated'],
    ['dialog', DIALOG_TABLE, 'terminated'],
  ];
  test.each(tables)('%s: the terminal state has no exit; every target is a state', (_n, table, terminal) => {
    expect(table[terminal]).toEqual({});
    for (const moves of Object.values(table)) {
      for (const cell of Object.values(moves)) expect(Object.keys(table)).toContain(cell && nextOf(cell));
    }
  });

  test('an illegal event is refused without throwing and leaves the state', () => {
    const m = new Machine('uas', UAS_TABLE, 'proceeding');
    expect(m.apply('ack').ok).toBe(false);
    expect(m.state).toBe('proceeding');
    expect(m.apply('accept')).toEqual({ ok: true, from: 'proceeding', next: 'accepted', effects: [] });
    expect(m.apply('reject').ok).toBe(false);
  });

  test('the cells carry their effects: a CANCEL before the 2xx → 487 and the owner told; after it, none', () => {
    const early = new Machine('uas', UAS_TABLE, 'early');
    expect(early.apply('cancel')).toEqual({
      ok: true,
      from: 'early',
      next: 'terminated',
      effects: ['487', 'tell-cancel'],
    });
    const accepted = new Machine('uas', UAS_TABLE, 'accepted');
    expect(accepted.apply('cancel')).toEqual({ ok: true, from: 'accepted', next: 'accepted', effects: [] });
    expect(accepted.apply('ack-timeout').effects).toEqual(['tell-ack-timeout', 'bye']);
    const dialog = new Machine('dialog', DIALOG_TABLE, 'confirmed');
    expect(dialog.apply('bye-received').effects).toEqual(['200', 'tell-bye']);
    expect(dialog.apply('bye-received').ok).toBe(false);
  });

  test('offer/answer: a second offer while one is pending is glare', () => {
    const m = new Machine('offer', OFFER_TABLE, 'idle');
    m.apply('send');
    expect(m.can('receive')).toBe(false);
    m.apply('sent-final');
    expect(m.can('receive')).toBe(true);
  });
});

function serverInvite(core: FakeCore, extra: Record<string, string> = {}) {
  const tx = fakeTx(request('INVITE', extra, 'v=0\r\n'));
  const si = new ServerInvite(core, tx, undefined, () => undefined);
  return { tx, si };
}

/** A ServerInvite with the session timer on: Session-Expires 120 s, the UAS the refresher. */
function uasRefresher(core: FakeCore) {
  const tx = fakeTx(request('INVITE', { 'Session-Expires': '120;refresher=uas' }, 'v=0\r\n'));
  const si = new ServerInvite(
    core,
    tx,
    { timer: { interval: 120, refresher: 'uas' }, require: false },
    () => undefined,
  );
  return { tx, si };
}

describe('ServerInvite (UAS)', () => {
  test('2xx retransmitted until the ACK; ACK confirms; BYE ends; every timer cleared', () => {
    const core = new FakeCore();
    const { tx, si } = serverInvite(core);
    const events: string[] = [];
    si.on('ack', () => events.push('ack'));
    const d = si.accept('v=0\r\n');
    d.on('terminated', () => events.push('terminated'));
    expect(tx.responses.map((r) => r.status)).toEqual([200]);
    expect(header(tx.responses[0] as SipResponse, 'to')).toMatch(/;tag=/);
    expect(header(tx.responses[0] as SipResponse, 'contact')).toBe('<sip:gw@192.0.2.1:5060>');
    core.clock.advance(1600);
    expect(tx.resent.length).toBe(2);
    const ack = request('ACK', { To: header(tx.responses[0] as SipResponse, 'to') as string, CSeq: '1 ACK' });
    expect(d.handleAck(ack)).toBe(true);
    core.clock.advance(10_000);
    expect(tx.resent.length).toBe(2);
    expect(si.state).toBe('confirmed');
    const byeTx = fakeTx(
      request('BYE', { To: header(tx.responses[0] as SipResponse, 'to') as string, CSeq: '2 BYE' }),
    );
    d.handleRequest(byeTx);
    expect(byeTx.responses[0]?.status).toBe(200);
    expect(events).toEqual(['ack', 'terminated']);
    expect(core.dialogs.size).toBe(0);
    expect(core.clock.pending()).toBe(0);
  });

  test('no ACK within 64·T1: BYE and ack-timeout', () => {
    const core = new FakeCore();
    const { si } = serverInvite(core);
    let timeout = -1;
    si.on('ack-timeout', () => (timeout = core.clock.now()));
    si.accept('v=0\r\n');
    core.clock.advance(31_999);
    expect(core.methods()).toEqual([]);
    core.clock.advance(1);
    expect(timeout).toBe(32_000);
    expect(core.methods()).toEqual(['BYE']);
    expect(si.state).toBe('terminated');
  });

  test('CANCEL before the answer: 200 to CANCEL, 487 to INVITE, cancel event', () => {
    const core = new FakeCore();
    const { tx, si } = serverInvite(core);
    si.provisional(180);
    let cancelled = false;
    si.on('cancel', () => (cancelled = true));
    const cancelTx = fakeTx(request('CANCEL', { CSeq: '1 CANCEL' }));
    si.handleCancel(cancelTx);
    expect(cancelTx.responses.map((r) => r.status)).toEqual([200]);
    expect(tx.responses.map((r) => r.status)).toEqual([180, 487]);
    expect(cancelled).toBe(true);
    expect(() => si.accept('v=0')).toThrow();
  });

  test('CANCEL after the 2xx has no effect but a 200', () => {
    const core = new FakeCore();
    const { tx, si } = serverInvite(core);
    si.accept('v=0\r\n');
    const cancelTx = fakeTx(request('CANCEL', { CSeq: '1 CANCEL' }));
    si.handleCancel(cancelTx);
    expect(cancelTx.responses.map((r) => r.status)).toEqual([200]);
    expect(tx.responses.map((r) => r.status)).toEqual([200]);
    expect(si.state).toBe('accepted');
  });

  test('session timer: the UAS refresher re-INVITEs at half the interval', () => {
    const core = new FakeCore();
    const { tx, si } = uasRefresher(core);
    const d = si.accept('v=0\r\n');
    d.handleAck(request('ACK', { CSeq: '1 ACK' }));
    expect(header(tx.responses[0] as SipResponse, 'session-expires')).toBe('120;refresher=uas');
    core.clock.advance(59_999);
    expect(core.methods()).toEqual([]);
    core.clock.advance(1);
    expect(core.methods()).toEqual(['INVITE']);
    expect(core.last('INVITE').req.body).toBe('v=0\r\n');
  });

  test('session timer: the non-refresher sends BYE at SE − min(32, SE/3) without a refresh', () => {
    const core = new FakeCore();
    const tx = fakeTx(request('INVITE', {}, 'v=0\r\n'));
    const si = new ServerInvite(
      core,
      tx,
      { timer: { interval: 90, refresher: 'uac' }, require: true },
      () => undefined,
    );
    si.accept('v=0\r\n').handleAck(request('ACK', { CSeq: '1 ACK' }));
    expect(header(tx.responses[0] as SipResponse, 'require')).toBe('timer');
    core.clock.advance(59_999);
    expect(core.methods()).toEqual([]);
    core.clock.advance(1);
    expect(core.methods()).toEqual(['BYE']);
    expect(header(core.last('BYE').req, 'reason')).toMatch(/session expired/);
  });
});

function confirmed(core: FakeCore): { d: Dialog; okTo: string } {
  const { tx, si } = serverInvite(core);
  const d = si.accept('v=0\r\n');
  d.handleAck(request('ACK', { CSeq: '1 ACK' }));
  return { d, okTo: header(tx.responses[0] as SipResponse, 'to') as string };
}

describe('Dialog', () => {
  test('re-INVITE glare: theirs gets 491 while ours is pending; ours is retried after 491', async () => {
    const core = new FakeCore();
    const { d, okTo } = confirmed(core);
    const p = d.reinvite('v=0\r\nours\r\n');
    await Promise.resolve();
    const theirs = fakeTx(request('INVITE', { To: okTo, CSeq: '2 INVITE' }, 'v=0\r\n'));
    d.handleRequest(theirs);
    expect(theirs.responses.map((r) => r.status)).toEqual([491]);
    const first = core.last('INVITE');
    first.onResponse(response(first.req, 491));
    await new Promise((r) => setImmediate(r));
    core.clock.advance(2000); // not the Call-ID owner: 0–2 s
    await new Promise((r) => setImmediate(r));
    const retry = core.last('INVITE');
    expect(retry).not.toBe(first);
    expect(Number((header(retry.req, 'cseq') as string).split(' ')[0])).toBeGreaterThan(
      Number((header(first.req, 'cseq') as string).split(' ')[0]),
    );
    retry.onResponse(response(retry.req, 200, { Contact: '<sip:peer@192.0.2.9>' }, 'v=0\r\n'));
    expect((await p).status).toBe(200);
    expect(core.acks.length).toBe(1);
  });

  test('a request with a lower CSeq gets 500; an unknown method 405', () => {
    const core = new FakeCore();
    const { d, okTo } = confirmed(core);
    const info = fakeTx(request('INFO', { To: okTo, CSeq: '5 INFO' }));
    d.handleRequest(info);
    expect(info.responses[0]?.status).toBe(200);
    const old = fakeTx(request('INFO', { To: okTo, CSeq: '4 INFO' }));
    d.handleRequest(old);
    expect(old.responses[0]?.status).toBe(500);
    const msg = fakeTx(request('MESSAGE', { To: okTo, CSeq: '6 MESSAGE' }));
    d.handleRequest(msg);
    expect(msg.responses[0]?.status).toBe(405);
  });

  test('INFO, REFER and NOTIFY reach the dialog owner, which answers', () => {
    const core = new FakeCore();
    const { d, okTo } = confirmed(core);
    const seen: string[] = [];
    const answer =
      (ev: string, status: number) =>
      (_req: SipRequest, respond: Respond): void => {
        seen.push(ev);
        respond(status);
      };
    d.own({
      offer: answer('offer', 200),
      info: answer('info', 200),
      refer: answer('refer', 202),
      notify: answer('notify', 200),
    });
    const txs = ['INFO', 'REFER', 'NOTIFY'].map((m, i) =>
      fakeTx(request(m, { To: okTo, CSeq: `${i + 2} ${m}` })),
    );
    txs.forEach((tx) => d.handleRequest(tx));
    expect(seen).toEqual(['info', 'refer', 'notify']);
    expect(txs.map((tx) => tx.responses[0]?.status)).toEqual([200, 202, 200]);
  });

  test('a 481 to an in-dialog request ends the dialog', async () => {
    const core = new FakeCore();
    const { d } = confirmed(core);
    let ended = false;
    d.on('terminated', () => (ended = true));
    const p = d.info('application/dtmf-relay', 'Signal=1\r\nDuration=100\r\n');
    core.last('INFO').onResponse(response(core.last('INFO').req, 481));
    expect((await p).status).toBe(481);
    expect(ended).toBe(true);
  });
});

describe('ClientInvite (UAC)', () => {
  /** bob's 200 with an answer (To tag B), to `req`. */
  const okFromB = (req: SipRequest): SipResponse =>
    response(req, 200, { To: '<sip:bob@192.0.2.9>;tag=B', Contact: '<sip:bob@192.0.2.9:5070>' }, 'v=0\r\n');
  /** A ClientInvite to bob with an offer, started; `o` overrides the options. */
  function start(core: FakeCore, o: Partial<InviteOptions> = {}) {
    const ci = new ClientInvite(
      core,
      { uri: 'sip:bob@192.0.2.9', from: 'sip:alice@gw.test', body: 'v=0\r\n', ...o },
      () => undefined,
    );
    ci.start();
    return ci;
  }

  test('answerInAck (RFC 3261 §13.2.2.4): an offerless INVITE’s 2xx is not ACKed until the owner answers; a retransmitted 2xx meanwhile gets nothing, after it the same ACK with the answer; ack() once only', () => {
    const core = new FakeCore();
    const ci = start(core, { body: '', answerInAck: true });
    const inv = core.last('INVITE');
    expect(inv.req.body).toBe('');
    expect(header(inv.req, 'content-type')).toBeUndefined();
    let dialog: Dialog | undefined;
    ci.on('accepted', (_r, d: Dialog) => (dialog = d));
    const ok = response(
      inv.req,
      200,
      {
        To: '<sip:bob@192.0.2.9>;tag=B',
        Contact: '<sip:bob@192.0.2.9:5070>',
        'Content-Type': 'application/sdp',
      },
      'v=0\r\n',
    );
    inv.onResponse(ok);
    expect(dialog).toBeDefined();
    expect(core.acks).toEqual([]);
    inv.onResponse(ok);
    expect(core.acks).toEqual([]);
    dialog!.ack('v=0\r\no=answer\r\n');
    expect(core.acks).toHaveLength(1);
    const ack = core.acks[0]!;
    expect(ack.body).toBe('v=0\r\no=answer\r\n');
    expect(header(ack, 'content-type')).toBe('application/sdp');
    expect(header(ack, 'cseq')).toBe(`${header(inv.req, 'cseq')!.split(' ')[0]} ACK`);
    dialog!.ack('v=0\r\nsecond\r\n');
    expect(core.acks).toHaveLength(1);
    inv.onResponse(ok);
    expect(core.acks).toHaveLength(2);
    expect(core.acks[1]!.body).toBe('v=0\r\no=answer\r\n');
  });

  test('answerInAck: a BYE before any answer sends the empty ACK first (§15: the 2xx is ACKed before the BYE)', () => {
    const core = new FakeCore();
    const ci = start(core, { body: '', answerInAck: true });
    const inv = core.last('INVITE');
    let dialog: Dialog | undefined;
    ci.on('accepted', (_r, d: Dialog) => (dialog = d));
    inv.onResponse(okFromB(inv.req));
    void dialog!.bye();
    expect(core.acks).toHaveLength(1);
    expect(core.acks[0]!.body).toBe('');
    expect(core.methods()).toEqual(['INVITE', 'BYE']);
  });

  test('answerInAck on an INVITE that has an offer: ACKed at once (the answer was in the 2xx)', () => {
    const core = new FakeCore();
    start(core, { answerInAck: true });
    const inv = core.last('INVITE');
    inv.onResponse(okFromB(inv.req));
    // answerInAck only with an empty body: an INVITE with an offer has the answer in the 2xx.
    expect(core.acks).toHaveLength(1);
  });

  test('cancel() before any provisional waits for one (§9.1), then CANCELs', () => {
    const core = new FakeCore();
    const ci = start(core);
    ci.cancel();
    expect(core.methods()).toEqual(['INVITE']);
    const inv = core.last('INVITE');
    inv.onResponse(response(inv.req, 100));
    expect(core.methods()).toEqual(['INVITE', 'CANCEL']);
    const cancel = core.last('CANCEL');
    expect(cancel.opts?.via).toBe('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfake');
    expect(header(cancel.req, 'cseq')).toBe('1 CANCEL');
    let failed = 0;
    ci.on('failed', (r: SipResponse) => (failed = r.status));
    inv.onResponse(response(inv.req, 487, { To: '<sip:bob@192.0.2.9>;tag=b' }));
    expect(failed).toBe(487);
  });

  test('forked 2xx: the first is the dialog; the second is ACKed and BYEd; a retransmission re-ACKed', () => {
    const core = new FakeCore();
    const ci = start(core);
    const inv = core.last('INVITE');
    const accepted: string[] = [];
    ci.on('accepted', (_r, d: Dialog) => accepted.push(d.remoteTag));
    const a = response(
      inv.req,
      200,
      { To: '<sip:bob@192.0.2.9>;tag=A', Contact: '<sip:bob@192.0.2.9:5070>' },
      'v=0\r\n',
    );
    inv.onResponse(a);
    inv.onResponse(
      response(inv.req, 200, { To: '<sip:bob@192.0.2.9>;tag=B', Contact: '<sip:bob@192.0.2.10>' }, 'v=0\r\n'),
    );
    inv.onResponse(a);
    expect(accepted).toEqual(['A']);
    expect(core.acks.map((x) => [x.uri, header(x, 'to')])).toEqual([
      ['sip:bob@192.0.2.9:5070', '<sip:bob@192.0.2.9>;tag=A'],
      ['sip:bob@192.0.2.10', '<sip:bob@192.0.2.9>;tag=B'],
      ['sip:bob@192.0.2.9:5070', '<sip:bob@192.0.2.9>;tag=A'],
    ]);
    expect(core.methods()).toEqual(['INVITE', 'BYE']);
    expect(header(core.last('BYE').req, 'to')).toBe('<sip:bob@192.0.2.9>;tag=B');
  });

  test('the 200 that crosses a CANCEL is ACKed and BYEd, and reported as failed (487)', () => {
    const core = new FakeCore();
    const ci = start(core);
    const inv = core.last('INVITE');
    inv.onResponse(response(inv.req, 180, { To: '<sip:bob@192.0.2.9>;tag=A' }));
    ci.cancel();
    let result = 0;
    ci.on('failed', (r: SipResponse) => (result = r.status));
    ci.on('accepted', () => (result = 200));
    inv.onResponse(
      response(inv.req, 200, { To: '<sip:bob@192.0.2.9>;tag=A', Contact: '<sip:bob@192.0.2.9>' }, 'v=0'),
    );
    expect(result).toBe(487);
    expect(core.acks.length).toBe(1);
    expect(core.methods()).toEqual(['INVITE', 'CANCEL', 'BYE']);
  });

  test('a 407 is answered once with Proxy-Authorization, a new CSeq and the same Call-ID', () => {
    const core = new FakeCore();
    core.creds = { username: 'u', password: 'p' };
    start(core);
    const inv = core.last('INVITE');
    inv.onResponse(
      response(inv.req, 407, {
        'Proxy-Authenticate': 'Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"',
      }),
    );
    const again = core.last('INVITE');
    expect(again).not.toBe(inv);
    expect(header(again.req, 'cseq')).toBe('2 INVITE');
    expect(header(again.req, 'call-id')).toBe(header(inv.req, 'call-id'));
    expect(header(again.req, 'proxy-authorization')).toMatch(/algorithm=SHA-256/);
    const ci2 = core.sent.length;
    again.onResponse(response(again.req, 407, { 'Proxy-Authenticate': 'Digest realm="r", nonce="n2"' }));
    expect(core.sent.length).toBe(ci2); // not retried twice
  });

  test('a 422 is retried once with Session-Expires raised to Min-SE (RFC 4028 §7.4)', () => {
    const core = new FakeCore();
    const ci = start(core, { sessionExpires: 90 });
    const inv = core.last('INVITE');
    expect(header(inv.req, 'session-expires')).toBe('90');
    inv.onResponse(response(inv.req, 422, { 'Min-SE': '600' }));
    const again = core.last('INVITE');
    expect(header(again.req, 'session-expires')).toBe('600');
    expect(header(again.req, 'min-se')).toBe('600');
    expect(header(again.req, 'cseq')).toBe('2 INVITE');
    let failed = 0;
    ci.on('failed', (r: SipResponse) => (failed = r.status));
    again.onResponse(response(again.req, 422, { 'Min-SE': '900' }));
    expect(failed).toBe(422);
  });
});

describe('review fixes: the dialog layer on a fake clock', () => {
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  function uac(core: FakeCore, done: () => void = () => undefined) {
    const ci = new ClientInvite(
      core,
      { uri: 'sip:bob@192.0.2.9', from: 'sip:alice@gw.test', body: 'v=0\r\n' },
      done,
    );
    ci.start();
    return ci;
  }

  function accepted(core: FakeCore): Dialog {
    const ci = uac(core);
    let dialog: Dialog | undefined;
    ci.on('accepted', (_r, d: Dialog) => (dialog = d));
    const inv = core.last('INVITE');
    inv.onResponse(
      response(inv.req, 200, { To: '<sip:bob@192.0.2.9>;tag=A', Contact: '<sip:bob@192.0.2.9>' }, 'v=0\r\n'),
    );
    if (!dialog) throw new Error('not accepted');
    return dialog;
  }

  test('#1 a CANCEL answered 200 but never followed by 487 gives up after 64·T1 (§9.1)', () => {
    const core = new FakeCore();
    let done = 0;
    const ci = uac(core, () => done++);
    const inv = core.last('INVITE');
    inv.onResponse(response(inv.req, 180, { To: '<sip:bob@192.0.2.9>;tag=A' }));
    ci.cancel();
    const cancel = core.last('CANCEL');
    cancel.onResponse(response(cancel.req, 200));
    let failed = 0;
    ci.on('failed', (r: SipResponse) => (failed = r.status));
    core.clock.advance(31_999);
    expect(failed).toBe(0);
    expect(ci.state).toBe('cancelling');
    core.clock.advance(1);
    expect(failed).toBe(487);
    expect(ci.state).toBe('terminated');
    expect(done).toBe(1); // the user agent forgets it (liveDialogs back to 0)
    expect(core.aborts).toBe(1); // the INVITE client transaction is ended
    expect(core.clock.pending()).toBe(0);
    inv.onResponse(response(inv.req, 487, { To: '<sip:bob@192.0.2.9>;tag=A' })); // too late: ignored
    expect(failed).toBe(487);
  });

  test('#1 the 487 in time stops the 64·T1 guard', () => {
    const core = new FakeCore();
    const ci = uac(core);
    const inv = core.last('INVITE');
    inv.onResponse(response(inv.req, 100));
    ci.cancel();
    const failures: number[] = [];
    ci.on('failed', (r: SipResponse) => failures.push(r.status));
    inv.onResponse(response(inv.req, 487, { To: '<sip:bob@192.0.2.9>;tag=A' }));
    expect(core.clock.pending()).toBe(0);
    core.clock.advance(64_000);
    expect(failures).toEqual([487]);
    expect(core.aborts).toBe(0);
  });

  test('#3 the UAC of a dialog owns its Call-ID: its 491 back-off is 2.1–4 s (§14.1)', async () => {
    const core = new FakeCore();
    const d = accepted(core);
    expect(d.role).toBe('uac');
    void d.reinvite('v=0\r\nagain\r\n');
    await tick();
    const first = core.last('INVITE');
    first.onResponse(response(first.req, 491));
    await tick();
    core.clock.advance(2099);
    await tick();
    expect(core.last('INVITE')).toBe(first);
    core.clock.advance(1901);
    await tick();
    expect(core.last('INVITE')).not.toBe(first);
  });

  test('#4 a 2xx with `Contact: *` is ACKed and BYEd at the Request-URI, and the call fails', () => {
    const core = new FakeCore();
    let done = 0;
    const ci = uac(core, () => done++);
    let result = 0;
    ci.on('failed', (r: SipResponse) => (result = r.status));
    ci.on('accepted', () => (result = 200));
    const inv = core.last('INVITE');
    expect(() =>
      inv.onResponse(response(inv.req, 200, { To: '<sip:bob@192.0.2.9>;tag=A', Contact: '*' }, 'v=0\r\n')),
    ).not.toThrow();
    expect(result).toBe(502);
    expect(ci.state).toBe('terminated');
    expect(done).toBe(1);
    expect(core.acks.map((a) => a.uri)).toEqual(['sip:bob@192.0.2.9']);
    expect(core.methods()).toEqual(['INVITE', 'BYE']);
    expect(core.last('BYE').req.uri).toBe('sip:bob@192.0.2.9');
    expect(core.dialogs.size).toBe(0);
  });

  test('#4 accept() of an INVITE with `Contact: *` throws before the state moves', () => {
    const core = new FakeCore();
    const { tx, si } = serverInvite(core, { Contact: '*' });
    expect(() => si.accept('v=0\r\n')).toThrow(/Contact/);
    expect(si.state).toBe('proceeding');
    si.reject(400);
    expect(tx.responses.map((r) => r.status)).toEqual([400]);
    expect(core.dialogs.size).toBe(0);
    expect(core.clock.pending()).toBe(0);
  });

  test('#4 a re-INVITE with `Contact: *` gets 400 and the remote target stays', () => {
    const core = new FakeCore();
    const { d, okTo } = confirmed(core);
    const tx = fakeTx(request('INVITE', { To: okTo, CSeq: '2 INVITE', Contact: '*' }, 'v=0\r\n'));
    d.handleRequest(tx);
    expect(tx.responses.map((r) => r.status)).toEqual([400]);
    expect(d.remoteTarget).toBe('sip:peer@192.0.2.9:5060');
    const again = fakeTx(request('INVITE', { To: okTo, CSeq: '3 INVITE' }, 'v=0\r\n'));
    d.handleRequest(again);
    expect(again.responses.map((r) => r.status)).toEqual([200]); // the offer machine is not stuck
  });

  test('#7 a UAS BYE before the ACK waits for it, retransmitting the 2xx meanwhile (§15)', async () => {
    const core = new FakeCore();
    const { tx, si } = serverInvite(core);
    const d = si.accept('v=0\r\n');
    let byeDone = false;
    void d.bye().then(() => (byeDone = true));
    expect(core.methods()).toEqual([]);
    core.clock.advance(1600);
    expect(tx.resent.length).toBe(2); // the 2xx is still retransmitted
    const okTo = header(tx.responses[0] as SipResponse, 'to') as string;
    expect(d.handleAck(request('ACK', { To: okTo, CSeq: '1 ACK' }))).toBe(true);
    expect(si.state).toBe('confirmed');
    expect(d.state).toBe('terminated');
    expect(core.methods()).toEqual(['BYE']);
    core.clock.advance(10_000);
    expect(tx.resent.length).toBe(2);
    const bye = core.last('BYE');
    bye.onResponse(response(bye.req, 200));
    await tick();
    expect(byeDone).toBe(true);
    expect(core.dialogs.size).toBe(0);
    expect(core.clock.pending()).toBe(0);
  });

  test('#7 … or for the ACK timeout; a single BYE goes out', async () => {
    const core = new FakeCore();
    const { tx, si } = serverInvite(core);
    const d = si.accept('v=0\r\n');
    void d.bye([{ name: 'Reason', value: 'SIP;cause=200;text="hung up"' }]);
    core.clock.advance(31_999);
    expect(core.methods()).toEqual([]);
    expect(tx.resent.length).toBeGreaterThan(5);
    core.clock.advance(1);
    expect(core.methods()).toEqual(['BYE']);
    expect(header(core.last('BYE').req, 'reason')).toMatch(/hung up/);
    expect(si.state).toBe('terminated');
  });

  test('#9 a refresh refused because an offer is pending is retried shortly (RFC 4028)', async () => {
    const core = new FakeCore();
    const { tx, si } = uasRefresher(core);
    const d = si.accept('v=0\r\n');
    d.handleAck(request('ACK', { CSeq: '1 ACK' }));
    const okTo = header(tx.responses[0] as SipResponse, 'to') as string;
    let answer: ((s: number) => void) | undefined;
    d.own({ ...bareOwner(() => ''), offer: (_req, respond) => (answer = respond) });
    core.clock.advance(59_000);
    d.handleRequest(fakeTx(request('INVITE', { To: okTo, CSeq: '2 INVITE' }, 'v=0\r\n')));
    core.clock.advance(1000); // refresh due: their offer is pending → refused
    await tick();
    expect(core.methods()).toEqual([]);
    answer?.(500); // not a 2xx: no re-arm from their transaction
    core.clock.advance(2000);
    await tick();
    expect(core.methods()).toEqual(['INVITE']);
  });

  test('#9 a refresh that ends in 491 (twice) is retried, not dropped', async () => {
    const core = new FakeCore();
    const { si } = uasRefresher(core);
    si.accept('v=0\r\n').handleAck(request('ACK', { CSeq: '1 ACK' }));
    core.clock.advance(60_000);
    await tick();
    const first = core.last('INVITE');
    first.onResponse(response(first.req, 491));
    await tick();
    core.clock.advance(2000); // not the Call-ID owner: 0–2 s
    await tick();
    const second = core.last('INVITE');
    expect(second).not.toBe(first);
    second.onResponse(response(second.req, 491));
    await tick();
    await tick();
    core.clock.advance(2000);
    await tick();
    const third = core.last('INVITE');
    expect(third).not.toBe(second);
    third.onResponse(response(third.req, 200, { Contact: '<sip:peer@192.0.2.9>' }, 'v=0\r\n'));
    await tick();
    expect(core.methods()).toEqual(['INVITE', 'INVITE', 'INVITE']);
  });

  test('#10 a CANCEL of a re-INVITE gets 200 (not 500); the unanswered re-INVITE gets 487', () => {
    const core = new FakeCore();
    const { d, okTo } = confirmed(core);
    let answer: ((s: number) => void) | undefined;
    d.own({ ...bareOwner(() => ''), offer: (_req, respond) => (answer = respond) });
    const reinvite = fakeTx(request('INVITE', { To: okTo, CSeq: '2 INVITE' }, 'v=0\r\n'));
    d.handleRequest(reinvite);
    const cancel = fakeTx(request('CANCEL', { To: okTo, CSeq: '2 CANCEL' }));
    d.handleRequest(cancel);
    expect(cancel.responses.map((r) => r.status)).toEqual([200]);
    expect(reinvite.responses.map((r) => r.status)).toEqual([487]);
    answer?.(200); // too late: already answered
    expect(reinvite.responses.map((r) => r.status)).toEqual([487]);
    // A CANCEL after the final response: 200 as well, no effect.
    const late = fakeTx(request('CANCEL', { To: okTo, CSeq: '2 CANCEL' }));
    d.handleRequest(late);
    expect(late.responses.map((r) => r.status)).toEqual([200]);
    const next = fakeTx(request('INFO', { To: okTo, CSeq: '3 INFO' }));
    d.handleRequest(next);
    expect(next.responses.map((r) => r.status)).toEqual([200]);
  });
});
