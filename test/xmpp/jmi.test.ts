/**
 * The XEP-0353 state machine without sockets: the transition table, the first-proceed-wins
 * race, late messages after the proposal ended, spoofed senders, expiry with an injected clock.
 */
import {
  JmiState,
  TRANSITIONS,
  applyJmi,
  type JmiEffect,
  type JmiMessage,
  JmiProposal,
} from '../../src/xmpp/jmi/machine';
import { Machine, nextOf } from '../../src/fsm';
import { JmiTable } from '../../src/xmpp/jmi/table';
import { jmiElement, jmiMessageStanza, parseJmi } from '../../src/xmpp/jmi/xml';
import { xml } from '../../src/xmpp/stanza/xml';

const GW = '+15551234567@gw.localhost';
const ALICE = 'alice@localhost';
const sends = (effects: JmiEffect[]): Array<Extract<JmiEffect, { type: 'send' }>> =>
  effects.filter((e): e is Extract<JmiEffect, { type: 'send' }> => e.type === 'send');
const emits = (effects: JmiEffect[]): string[] =>
  effects.flatMap((e) => (e.type === 'emit' ? [e.notice.kind] : []));
const remote = (from: string, kind: JmiMessage['kind'], id = 'p1', extra: Partial<JmiMessage> = {}) => ({
  by: 'remote' as const,
  from,
  message: { kind, id, ...extra },
});

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('JMI transition table', () => {
  it('terminal states allow nothing', () => {
    for (const dir of ['out', 'in'] as const) {
      for (const s of [JmiState.Rejected, JmiState.Retracted, JmiState.Finished])
        expect(TRANSITIONS[dir][s]).toEqual({});
    }
  });

  it('every transition leads to a state', () => {
    const states = new Set(Object.values(JmiState));
    for (const dir of ['out', 'in'] as const) {
      for (const row of Object.values(TRANSITIONS[dir]))
        for (const cell of Object.values(row)) expect(states.has(nextOf(cell!))).toBe(true);
    }
  });
});

describe('outgoing proposals (SIP → XMPP)', () => {
  const start = (): { t: JmiTable; c: ReturnType<typeof clock> } => {
    const c = clock();
    const t = new JmiTable(c.now, { lingerMs: 60_000, maxProposedMs: 120_000 });
    const r = t.proposeOut({ id: 'p1', local: GW, peer: ALICE, media: ['audio'] });
    expect(sends(r.effects)).toEqual([
      { type: 'send', to: ALICE, from: GW, message: { kind: 'propose', id: 'p1', media: ['audio'] } },
    ]);
    return { t, c };
  };

  it('ringing keeps ringing; the first proceed wins', () => {
    const { t } = start();
    expect(emits(t.apply('p1', remote(`${ALICE}/laptop`, 'ringing')).effects)).toEqual(['ringing']);
    const r = t.apply('p1', remote(`${ALICE}/phone`, 'proceed'));
    expect(r).toMatchObject({ next: JmiState.Proceeding, accepted: true });
    expect(emits(r.effects)).toEqual(['proceed']);
    expect(t.get('p1')?.peerFull).toBe(`${ALICE}/phone`);
  });

  it('a second device that proceeds is told privately, and the call layer hears nothing', () => {
    const { t } = start();
    t.apply('p1', remote(`${ALICE}/phone`, 'proceed'));
    const r = t.apply('p1', remote(`${ALICE}/laptop`, 'proceed'));
    expect(r.accepted).toBe(false);
    expect(emits(r.effects)).toEqual([]);
    expect(sends(r.effects)).toEqual([
      {
        type: 'send',
        to: `${ALICE}/laptop`,
        from: GW,
        private: true,
        message: {
          kind: 'finish',
          id: 'p1',
          reason: { condition: 'cancel', text: 'Answered on another device' },
        },
      },
    ]);
    expect(t.get('p1')?.state).toBe(JmiState.Proceeding);
    // The winner repeating itself changes nothing and sends nothing.
    expect(sends(t.apply('p1', remote(`${ALICE}/phone`, 'proceed')).effects)).toEqual([]);
  });

  it('reject ends it; a proceed after that gets a private finish', () => {
    const { t } = start();
    const r = t.apply('p1', remote(`${ALICE}/laptop`, 'reject', 'p1', { reason: { condition: 'busy' } }));
    expect(r.next).toBe(JmiState.Rejected);
    const late = t.apply('p1', remote(`${ALICE}/phone`, 'proceed'));
    expect(sends(late.effects)[0]).toMatchObject({
      to: `${ALICE}/phone`,
      private: true,
      message: { kind: 'finish', reason: { text: 'Call is over' } },
    });
  });

  it('retract (local) before a proceed; finish (local) after one', () => {
    const { t } = start();
    const r = t.apply('p1', { by: 'local', kind: 'retract' });
    expect(r.next).toBe(JmiState.Retracted);
    expect(sends(r.effects)[0]).toMatchObject({
      to: ALICE,
      message: { kind: 'retract', reason: { condition: 'cancel' } },
    });
    expect(t.apply('p1', { by: 'local', kind: 'retract' }).accepted).toBe(false);
    const late = t.apply('p1', remote(`${ALICE}/phone`, 'proceed'));
    expect(sends(late.effects)[0]).toMatchObject({
      message: { kind: 'finish', reason: { text: 'Call was cancelled' } },
    });

    const { t: t2 } = start();
    t2.apply('p1', remote(`${ALICE}/phone`, 'proceed'));
    const f = t2.apply('p1', {
      by: 'local',
      kind: 'retract',
      reason: { condition: 'cancel', text: 'SIP CANCEL' },
    });
    expect(f.next).toBe(JmiState.Finished);
    expect(sends(f.effects)[0]).toMatchObject({
      to: ALICE,
      message: { kind: 'finish', reason: { text: 'SIP CANCEL' } },
    });
  });

  it('after a proceed, only the winning device can end it', () => {
    const { t } = start();
    t.apply('p1', remote(`${ALICE}/phone`, 'proceed'));
    expect(t.apply('p1', remote(`${ALICE}/laptop`, 'reject')).accepted).toBe(false);
    expect(t.apply('p1', remote(`${ALICE}/laptop`, 'finish')).accepted).toBe(false);
    expect(t.apply('p1', remote(`${ALICE}/phone`, 'finish')).next).toBe(JmiState.Finished);
  });

  it('ignores other users (a stanza from another bare JID) and initiator-only messages', () => {
    const { t } = start();
    expect(t.apply('p1', remote('mallory@localhost/x', 'proceed')).accepted).toBe(false);
    expect(t.apply('p1', remote(`${ALICE}/phone`, 'retract')).accepted).toBe(false);
    expect(t.apply('p1', remote(`${ALICE}/phone`, 'propose')).accepted).toBe(false);
    expect(t.get('p1')?.state).toBe(JmiState.Proposed);
    expect(t.apply('nope', remote(`${ALICE}/phone`, 'proceed')).accepted).toBe(false);
  });

  it('expires unanswered proposals with a retract (reason expired), then forgets them', () => {
    const { t, c } = start();
    expect(t.sweep()).toEqual([]);
    c.advance(120_000);
    const effects = t.sweep();
    expect(sends(effects)[0]).toMatchObject({
      to: ALICE,
      message: { kind: 'retract', reason: { condition: 'expired' } },
    });
    expect(emits(effects)).toEqual(['expired']);
    expect(t.get('p1')?.state).toBe(JmiState.Retracted);
    c.advance(59_999);
    t.sweep();
    expect(t.size).toBe(1);
    c.advance(1);
    t.sweep();
    expect(t.size).toBe(0);
  });

  it('refuses a second proposal with the same id', () => {
    const { t } = start();
    expect(t.proposeOut({ id: 'p1', local: GW, peer: ALICE, media: ['audio'] }).accepted).toBe(false);
  });
});

describe('incoming proposals (XMPP → SIP)', () => {
  const start = (): JmiTable => {
    const t = new JmiTable(clock().now);
    const r = t.proposeIn(`${ALICE}/phone`, GW, { kind: 'propose', id: 'q1', media: ['audio', 'video'] });
    expect(r.effects).toEqual([
      {
        type: 'emit',
        notice: {
          kind: 'propose',
          id: 'q1',
          direction: 'in',
          from: `${ALICE}/phone`,
          to: GW,
          media: ['audio', 'video'],
          state: JmiState.Proposed,
        },
      },
    ]);
    return t;
  };

  it('ringing, proceed and reject go to the full JID that proposed (Dino acts only on those)', () => {
    const t = start();
    expect(sends(t.apply('q1', { by: 'local', kind: 'ringing' }).effects)[0]).toMatchObject({
      to: `${ALICE}/phone`,
      from: GW,
      message: { kind: 'ringing' },
    });
    const p = t.apply('q1', { by: 'local', kind: 'proceed' });
    expect(p.next).toBe(JmiState.Proceeding);
    expect(sends(p.effects)[0]).toMatchObject({
      to: `${ALICE}/phone`,
      message: { kind: 'proceed', id: 'q1' },
    });
    expect(t.apply('q1', remote(`${ALICE}/phone`, 'finish')).next).toBe(JmiState.Finished);
  });

  it('reject defaults to busy (XEP-0353 §3.5)', () => {
    const t = start();
    const r = t.apply('q1', { by: 'local', kind: 'reject' });
    expect(r.next).toBe(JmiState.Rejected);
    expect(sends(r.effects)[0]?.to).toBe(`${ALICE}/phone`);
    expect(sends(r.effects)[0]?.message.reason).toEqual({ condition: 'busy', text: 'Busy' });
  });

  it('a retract from the caller ends it; our proceed after that is refused', () => {
    const t = start();
    expect(emits(t.apply('q1', remote(`${ALICE}/phone`, 'retract')).effects)).toEqual(['retract']);
    expect(t.apply('q1', { by: 'local', kind: 'proceed' }).accepted).toBe(false);
  });

  it('a repeated propose is ignored', () => {
    const t = start();
    expect(t.proposeIn(`${ALICE}/phone`, GW, { kind: 'propose', id: 'q1', media: ['audio'] }).accepted).toBe(
      false,
    );
  });
});

describe('the JMI machine runs on src/fsm', () => {
  it("each proposal has a Machine over its direction's table; a refused event changes nothing", () => {
    const rec = new JmiProposal('x', 'out', GW, ALICE, 0);
    expect(rec.machine).toBeInstanceOf(Machine);
    // A remote <propose> in an outgoing proposal has no cell: refused, the state stays.
    const r = applyJmi(rec, remote(`${ALICE}/a`, 'propose', 'x'));
    expect(r).toMatchObject({ accepted: false, next: JmiState.Proposed });
    expect(rec.state).toBe(JmiState.Proposed);
    // A cell says what the transition does: a remote proceed notifies, a local retract sends.
    expect(TRANSITIONS.out[JmiState.Proposed]['remote:proceed']).toEqual({
      next: JmiState.Proceeding,
      effects: ['notify'],
    });
    const proceeded = applyJmi(rec, remote(`${ALICE}/a`, 'proceed', 'x'));
    expect(emits(proceeded.effects)).toEqual(['proceed']);
    expect(rec.state).toBe(JmiState.Proceeding);
    expect(sends(applyJmi(rec, { by: 'local', kind: 'retract' }).effects)[0]?.message.kind).toBe('finish');
  });
});

describe('JMI XML', () => {
  it('round-trips every element', () => {
    const msgs: JmiMessage[] = [
      { kind: 'propose', id: 'a', media: ['audio', 'video'] },
      { kind: 'ringing', id: 'a' },
      { kind: 'proceed', id: 'a' },
      { kind: 'reject', id: 'a', reason: { condition: 'busy', text: 'Busy' }, tieBreak: true },
      { kind: 'retract', id: 'a', reason: { condition: 'cancel' } },
      {
        kind: 'finish',
        id: 'a',
        reason: { condition: 'expired', text: 'Session migrated' },
        migratedTo: 'b',
      },
    ];
    for (const m of msgs) expect(parseJmi(xml('message', {}, jmiElement(m)))).toEqual(m);
  });

  it('writes XEP-0353 §3 messages: type chat with a store hint; private ones without copies', () => {
    const s = jmiMessageStanza({
      from: `${GW}/sip`,
      to: ALICE,
      id: 'm1',
      message: { kind: 'proceed', id: 'a' },
    });
    expect(s.toString()).toBe(
      `<message from="${GW}/sip" to="${ALICE}" type="chat" id="m1"><proceed xmlns="urn:xmpp:jingle-message:0" id="a"/><store xmlns="urn:xmpp:hints"/></message>`,
    );
    const p = jmiMessageStanza({
      from: GW,
      to: `${ALICE}/x`,
      id: 'm2',
      private: true,
      message: { kind: 'finish', id: 'a', reason: { condition: 'cancel' } },
    });
    expect(p.toString()).toContain('<private xmlns="urn:xmpp:carbons:2"/><no-copy xmlns="urn:xmpp:hints"/>');
    expect(p.toString()).toContain('<reason xmlns="urn:xmpp:jingle:1"><cancel/></reason>');
  });

  it('says what is wrong with a malformed element', () => {
    expect(() =>
      parseJmi(xml('message', {}, xml('propose', { xmlns: 'urn:xmpp:jingle-message:0', id: 'a' }))),
    ).toThrow(/description/);
    expect(() =>
      parseJmi(xml('message', {}, xml('proceed', { xmlns: 'urn:xmpp:jingle-message:0' }))),
    ).toThrow(/id: missing/);
    expect(parseJmi(xml('message', {}, xml('body', {}, 'hi')))).toBeUndefined();
  });
});

describe('lingering records', () => {
  it('keep the JIDs and ids they were given, as copies of their own (what that saves: bench/own-string.ts)', () => {
    const t = new JmiTable();
    // As xmpp.js hands them over: attribute values that are slices of a larger socket chunk.
    const chunk = `<message from='${ALICE}/phone3' id='p3-0123456789abcdef'>${'x'.repeat(1 << 16)}</message>`;
    const from = chunk.slice(15, chunk.indexOf("' id="));
    const id = chunk.slice(chunk.indexOf("id='") + 4, chunk.indexOf("'>"));
    t.proposeOut({ id: `o${id}`, local: GW, peer: from, media: ['audio'] });
    t.apply(`o${id}`, remote(from, 'proceed', `o${id}`));
    t.proposeIn(from, GW, { kind: 'propose', id, media: ['audio'] });
    expect(t.get('op3-0123456789abcdef')).toMatchObject({
      peerFull: `${ALICE}/phone3`,
      peer: ALICE,
      local: GW,
    });
    expect(t.get('p3-0123456789abcdef')).toMatchObject({
      id: 'p3-0123456789abcdef',
      peerFull: `${ALICE}/phone3`,
    });
  });
});
