/**
 * The ladder recorder (src/ops/ladder.ts) and the correlation of wire messages with calls
 * (src/ops/correlate.ts): messages of spec and captured traffic land in their call's ladder in
 * order, before and after the call exists; every bound holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'ltx';
import type { CallInfo } from '../../src/gateway/observer';
import { correlateSip, correlateStanza } from '../../src/ops/correlate';
import { LadderRecorder, ORPHAN_MS, ORPHANS, type Recorded } from '../../src/ops/ladder';
import { parseSipMessage } from '../../src/sip/message/message';

const fixture = (...p: string[]): string => readFileSync(join(__dirname, '..', 'fixtures', ...p), 'utf8');
const sip = (name: string) => parseSipMessage(fixture('captured', name).replace(/\r?\n/g, '\r\n'));
const xml = (name: string) => parse(fixture('jingle-xep', name).replace(/<!--[\s\S]*?-->/, ''));

function info(sid: string, callId: string, at = 1000): CallInfo {
  return { sid, callId, direction: 'xmpp-to-sip', from: 'romeo@montague.lit/orchard', to: '+1555@gw', at };
}

function rec(keys: string[], label: string, at: number, text = label): Recorded {
  return { keys, label, at, leg: 'sip', direction: 'in', peer: 'UDP|127.0.0.1|5090', text: () => text };
}

describe('correlate', () => {
  it('names a SIP message by its Call-ID; a response by status, reason and CSeq method', () => {
    const ringing = correlateSip(sip('sipp-3.6.1-uas-180-ringing.sip'));
    expect(ringing).toEqual({ keys: ['call-id:1-16529@127.0.0.1'], label: '180 Ringing (INVITE)' });
    const invite = correlateSip(sip('baresip-1.0.0-invite-srtp.sip'));
    expect(invite).toEqual({ keys: ['call-id:811397c203cd9c43'], label: 'INVITE' });
  });

  it('names a Jingle IQ by sid and IQ id, its result by the IQ id with the addresses swapped', () => {
    const ti = xml('xep0176-transport-info.xml');
    const c = correlateStanza(ti);
    expect(c?.label).toBe('transport-info');
    expect(c?.keys[0]).toBe('sid:a73sjjvkla37jfea');
    const result = parse(
      "<iq from='juliet@capulet.lit/balcony' id='zid615d9' to='romeo@montague.lit/orchard' type='result'/>",
    );
    expect(correlateStanza(result)).toEqual({ keys: [c?.keys[1]], label: 'result' });
    const other = parse(
      "<iq from='juliet@capulet.lit/balcony' id='zid615d9' to='nurse@capulet.lit' type='result'/>",
    );
    expect(correlateStanza(other)?.keys).not.toEqual([c?.keys[1]]);
  });

  it('labels session-info by its payload and session-terminate by its reason (XEP-0167, XEP-0166)', () => {
    expect(correlateStanza(xml('xep0167-ex13-ringing.xml'))?.label).toBe('session-info ringing');
    expect(correlateStanza(xml('xep0166-terminate-success-text.xml'))?.label).toBe(
      'session-terminate success',
    );
  });

  it('names a JMI message (XEP-0353) by its id, the sid; ignores presence and pings', () => {
    const propose = parse(
      "<message to='juliet@capulet.lit' id='m1'><propose xmlns='urn:xmpp:jingle-message:0' id='S1'/></message>",
    );
    expect(correlateStanza(propose)).toEqual({ keys: ['sid:S1'], label: 'propose' });
    expect(correlateStanza(parse("<presence from='a@b/c'/>"))).toBeUndefined();
    expect(
      correlateStanza(parse("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>")),
    ).toBeUndefined();
    const err = parse(
      "<iq type='error' id='q' from='a@b/c' to='gw'><error type='cancel'>" +
        "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
    );
    expect(correlateStanza(err)?.label).toBe('error item-not-found');
  });
});

describe('LadderRecorder', () => {
  const limits = { calls: 3, messagesPerCall: 10, messageBytes: 100 };

  it('keeps messages that came before the call (INVITE, 100 Trying) and the ones after its end', () => {
    const r = new LadderRecorder(limits);
    r.record(rec(['call-id:C1'], 'INVITE', 1));
    r.record(rec(['call-id:OTHER'], 'OPTIONS', 2));
    r.record(rec(['call-id:C1'], '100 Trying (INVITE)', 3));
    r.started(info('S1', 'C1', 4));
    r.record(rec(['sid:S1', 'iq:x a b'], 'session-initiate', 5));
    r.record(rec(['iq:x a b'], 'result', 6));
    r.ended('S1', 'success', 7);
    r.record(rec(['call-id:C1'], '200 OK (BYE)', 8));
    const call = r.call('S1');
    expect(call?.messages.map((m) => m.label)).toEqual([
      'INVITE',
      '100 Trying (INVITE)',
      'session-initiate',
      'result',
      '200 OK (BYE)',
    ]);
    expect(call?.messages.map((m) => m.seq)).toEqual([1, 3, 4, 5, 6]);
    expect(call).toMatchObject({ endedAt: 7, condition: 'success', dropped: 0 });
  });

  it('masks and cuts each message', () => {
    const r = new LadderRecorder({ ...limits, messageBytes: 30 });
    r.started(info('S', 'C'));
    r.record(rec(['sid:S'], 'INVITE', 1, 'a=ice-pwd:secretsecret\r\n' + 'x'.repeat(40)));
    const m = r.call('S')?.messages[0];
    expect(m?.text).toBe('a=ice-pwd:***\r\n' + 'x'.repeat(15));
    expect(m?.cut).toBe(25);
    expect(m?.text).not.toContain('secret');
  });

  it('keeps the first half and the latest messages of a long call, counting the rest', () => {
    const r = new LadderRecorder(limits);
    r.started(info('S', 'C'));
    for (let i = 0; i < 25; i++) r.record(rec(['sid:S'], `m${i}`, i));
    const call = r.call('S');
    expect(call?.messages.map((m) => m.label)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
      'm20',
      'm21',
      'm22',
      'm23',
      'm24',
    ]);
    expect(call?.dropped).toBe(15);
  });

  it('keeps `calls` calls: the oldest ended one goes first, then the oldest live one', () => {
    const r = new LadderRecorder(limits);
    r.started(info('A', 'a'));
    r.started(info('B', 'b'));
    r.started(info('C', 'c'));
    r.ended('B', 'success', 5);
    r.started(info('D', 'd'));
    expect(r.calls().map((c) => c.info.sid)).toEqual(['D', 'C', 'A']);
    r.started(info('E', 'e'));
    expect(r.calls().map((c) => c.info.sid)).toEqual(['E', 'D', 'C']);
    // A forgotten call's keys are free again: its messages wait as orphans, not in another ladder.
    r.record(rec(['call-id:b'], 'BYE', 6));
    expect(r.calls().every((c) => c.messages.length === 0)).toBe(true);
  });

  it('gives a new call its Call-ID even when a kept ended call had it', () => {
    const r = new LadderRecorder(limits);
    r.started(info('A', 'same'));
    r.ended('A', 'success', 2);
    r.started(info('B', 'same'));
    r.record(rec(['call-id:same'], 'INVITE', 3));
    expect(r.call('A')?.messages).toHaveLength(0);
    expect(r.call('B')?.messages.map((m) => m.label)).toEqual(['INVITE']);
  });

  it('lets orphans wait at most ORPHANS messages and ORPHAN_MS, and only ones naming a call', () => {
    const r = new LadderRecorder({ ...limits, messagesPerCall: 1000 });
    let read = 0;
    const counted = (keys: string[], label: string, at: number): Recorded => ({
      ...rec(keys, label, at),
      text: () => {
        read += 1;
        return label;
      },
    });
    r.record(counted(['iq:lonely a b'], 'result', 0));
    for (let i = 0; i < ORPHANS + 5; i++) r.record(counted(['call-id:X'], `m${i}`, 1));
    expect(read).toBe(0); // unread until a call wants them
    r.started(info('S', 'X'));
    const labels = r.call('S')?.messages.map((m) => m.label);
    expect(labels).toHaveLength(ORPHANS);
    expect(labels?.[0]).toBe('m5');
    expect(read).toBe(0); // made only when read (the status page)
    expect(r.call('S')?.messages.map((m) => m.text)).toEqual(labels);
    expect(read).toBe(ORPHANS);
    r.call('S')?.messages.forEach((m) => m.text);
    expect(read).toBe(ORPHANS); // and once

    const late = new LadderRecorder(limits);
    late.record(rec(['call-id:Y'], 'old', 0));
    late.record(rec(['call-id:Y'], 'new', ORPHAN_MS + 1));
    late.started(info('T', 'Y'));
    expect(late.call('T')?.messages.map((m) => m.label)).toEqual(['new']);
  });

  it('records answered and ended once', () => {
    const r = new LadderRecorder(limits);
    r.started(info('S', 'C'));
    r.answered('S', 10);
    r.answered('S', 20);
    r.ended('S', 'success', 30);
    r.ended('S', 'timeout', 40);
    expect(r.call('S')).toMatchObject({ answeredAt: 10, endedAt: 30, condition: 'success' });
  });
});
