/**
 * The seam between a call and its SIP leg (src/gateway/sip-seam.ts), without sockets: a real
 * ServerInvite and Dialog on the fake core, the seam as the dialog's owner. Every in-dialog
 * request that needs an answer reaches the call as an event with an id, and goes out with the
 * answer the call gives for that id; what is still unanswered when the call ends gets 487.
 */
import { EventEmitter } from 'node:events';
import type { CallEvent } from '../../src/calls/events';
import { SipSeam } from '../../src/gateway/sip-seam';
import type { Dialog } from '../../src/sip/dialog/dialog';
import { ServerInvite } from '../../src/sip/dialog/server-invite';
import { header } from '../../src/sip/message/headers';
import type { ClientInvite, InviteOptions } from '../../src/sip/dialog/client-invite';
import type { SipHeader, SipResponse } from '../../src/sip/message/types';
import { FakeCore, fakeTx, request, response } from './fake-core';

function established(acceptHeaders?: SipHeader[]) {
  const core = new FakeCore();
  const events: CallEvent[] = [];
  // The call ends when it hears the peer's BYE, as a real one does.
  let ended = false;
  const seam = new SipSeam(
    () => {
      throw new Error('no INVITE in this test');
    },
    (e) => {
      events.push(e);
      if (e.kind === 'sip-bye') ended = true;
    },
    () => ended,
    core.logger,
    () => undefined,
  );
  const tx = fakeTx(request('INVITE', {}, 'v=0\r\n'));
  const si = new ServerInvite(core, tx, undefined, () => undefined);
  seam.attachServer(si);
  seam.perform({
    kind: 'sip-accept',
    body: 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n',
    ...(acceptHeaders ? { headers: acceptHeaders } : {}),
  });
  const ok = tx.responses[0] as SipResponse;
  const to = header(ok, 'to') as string;
  const dialog = [...core.dialogs.values()][0] as Dialog;
  dialog.handleAck(request('ACK', { CSeq: '1 ACK' }));
  return { seam, events, to, dialog, ok, core };
}

describe('SipSeam: the call answers the in-dialog requests', () => {
  test('re-INVITE, INFO, REFER and NOTIFY come as events with ids; each answer goes to its request', () => {
    const { seam, events, to, dialog } = established();
    expect(events.map((e) => e.kind)).toEqual(['sip-ack']);
    const sdp = 'v=0\r\no=- 2 2 IN IP4 192.0.2.9\r\n';
    const reinvite = fakeTx(request('INVITE', { To: to, CSeq: '2 INVITE' }, sdp));
    const info = fakeTx(request('INFO', { To: to, CSeq: '3 INFO' }));
    const refer = fakeTx(request('REFER', { To: to, CSeq: '4 REFER', 'Refer-To': '<sip:c@192.0.2.7>' }));
    const notify = fakeTx(request('NOTIFY', { To: to, CSeq: '5 NOTIFY', Event: 'refer' }));
    for (const tx of [reinvite, info, refer, notify]) dialog.handleRequest(tx);
    const asked = events.slice(1);
    expect(asked).toEqual([
      { kind: 'sip-reoffer', id: 1, body: sdp },
      { kind: 'sip-info', id: 2, info: { kind: 'empty' } },
      { kind: 'sip-refer', id: 3, request: refer.request },
      { kind: 'sip-notify', id: 4, request: notify.request },
    ]);
    // Nothing is answered until the call decides.
    expect([reinvite, info, refer, notify].map((tx) => tx.responses.length)).toEqual([0, 0, 0, 0]);
    seam.perform({ kind: 'sip-request-answer', id: 3, status: 603 });
    seam.perform({ kind: 'sip-request-answer', id: 4, status: 481 });
    seam.perform({ kind: 'sip-reoffer-answer', id: 1, status: 200, body: 'v=0\r\nanswer\r\n' });
    seam.perform({
      kind: 'sip-request-answer',
      id: 2,
      status: 469,
      headers: [{ name: 'Recv-Info', value: '' }],
    });
    expect(refer.responses.map((r) => r.status)).toEqual([603]);
    expect(notify.responses.map((r) => r.status)).toEqual([481]);
    expect(reinvite.responses.map((r) => [r.status, r.body])).toEqual([[200, 'v=0\r\nanswer\r\n']]);
    expect(header(reinvite.responses[0] as SipResponse, 'content-type')).toBe('application/sdp');
    expect(info.responses.map((r) => r.status)).toEqual([469]);
    expect(header(info.responses[0] as SipResponse, 'recv-info')).toBe('');
    // An id answered twice (or never asked) answers nothing.
    seam.perform({ kind: 'sip-request-answer', id: 3, status: 200 });
    expect(refer.responses).toHaveLength(1);
  });

  test('a request still unanswered when the call ends gets 487 (RFC 3261 §15.1.2); the BYE is the call’s', () => {
    const { seam, events, to, dialog } = established();
    const reinvite = fakeTx(request('INVITE', { To: to, CSeq: '2 INVITE' }, 'v=0\r\n'));
    dialog.handleRequest(reinvite);
    expect(events.at(-1)).toMatchObject({ kind: 'sip-reoffer', id: 1 });
    seam.ended();
    expect(reinvite.responses.map((r) => r.status)).toEqual([487]);
    // The peer's BYE reaches the call as an event, answered 200 by the dialog; the dialog's end
    // after it says nothing more to a call that has ended.
    const bye = fakeTx(request('BYE', { To: to, CSeq: '3 BYE' }));
    dialog.handleRequest(bye);
    expect(bye.responses.map((r) => r.status)).toEqual([200]);
    expect(events.at(-1)).toMatchObject({ kind: 'sip-bye' });
  });
});

describe('SipSeam: the headers a call adds reach its messages (our Recv-Info, RFC 6086 §5.2.3)', () => {
  const EMPTY: SipHeader = { name: 'Recv-Info', value: '' };
  const TRICKLE: SipHeader = { name: 'Recv-Info', value: 'trickle-ice' };
  const recvInfo = (m: { headers: SipHeader[] }): string[] =>
    m.headers.filter((h) => h.name.toLowerCase() === 'recv-info').map((h) => h.value);

  test('the INVITE: the effect’s headers go to the user agent with the rest of its options', () => {
    const asked: InviteOptions[] = [];
    const seam = new SipSeam(
      (o) => {
        asked.push(o);
        return new EventEmitter() as unknown as ClientInvite;
      },
      () => undefined,
      () => false,
      new FakeCore().logger,
      () => undefined,
    );
    seam.perform({
      kind: 'sip-invite',
      uri: 'sip:+15551234567@192.0.2.7',
      from: 'sip:romeo@gw.example',
      to: 'sip:+15551234567@192.0.2.7',
      body: 'v=0\r\n',
      callId: 'c1@gw',
      headers: [EMPTY],
    });
    expect(asked.map((o) => o.headers)).toEqual([[EMPTY]]);
  });

  test('our 200 to the INVITE, our re-INVITE, our 200s to the peer’s re-INVITEs; the peer’s Recv-Info reaches the call', async () => {
    const { seam, events, to, dialog, ok, core } = established([TRICKLE]);
    expect(recvInfo(ok)).toEqual(['trickle-ice']);
    seam.perform({ kind: 'sip-reinvite', body: 'v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\n', headers: [TRICKLE] });
    expect(recvInfo(core.last('INVITE').req)).toEqual(['trickle-ice']);
    core.last('INVITE').onResponse(response(core.last('INVITE').req, 200, { To: to }, 'v=0\r\n'));
    // Our offer/answer is over once the dialog has taken the 2xx (a promise: the next turn).
    await new Promise((r) => setImmediate(r));
    expect(events.at(-1)).toMatchObject({ kind: 'sip-reinvite-done', response: { status: 200 } });
    // The peer's re-INVITE with an empty Recv-Info, then an offerless one with a package.
    const withEmpty = fakeTx(request('INVITE', { To: to, CSeq: '2 INVITE', 'Recv-Info': '' }, 'v=0\r\n'));
    dialog.handleRequest(withEmpty);
    expect(events.at(-1)).toEqual({ kind: 'sip-reoffer', id: 1, body: 'v=0\r\n', recvInfo: '' });
    seam.perform({
      kind: 'sip-reoffer-answer',
      id: 1,
      status: 200,
      body: 'v=0\r\na\r\n',
      headers: [TRICKLE],
    });
    expect(recvInfo(withEmpty.responses[0] as SipResponse)).toEqual(['trickle-ice']);
    const offerless = fakeTx(request('INVITE', { To: to, CSeq: '3 INVITE', 'Recv-Info': 'trickle-ice' }));
    dialog.handleRequest(offerless);
    expect(events.at(-1)).toMatchObject({ kind: 'sip-reoffer', id: 2, recvInfo: 'trickle-ice' });
    // The path without a body passes them too (the call adds Recv-Info to 2xx only).
    seam.perform({ kind: 'sip-reoffer-answer', id: 2, status: 491, headers: [EMPTY] });
    expect(recvInfo(offerless.responses[0] as SipResponse)).toEqual(['']);
    // A re-INVITE without Recv-Info: the event says nothing of one.
    const plain = fakeTx(request('INVITE', { To: to, CSeq: '4 INVITE' }, 'v=0\r\n'));
    dialog.handleRequest(plain);
    expect(events.at(-1)).toEqual({ kind: 'sip-reoffer', id: 3, body: 'v=0\r\n' });
  });
});
