/**
 * XEP-0353 §"Tie Breaking", "No existing session", without sockets: our propose (SIP → XMPP)
 * and the callee's propose to our JID cross. The ids are the XEP's example ids where the order
 * matters ('ca3cf894-…' sorts before 'fecbea35-…').
 */
import { JmiState, TRANSITIONS, type JmiEffect } from '../../src/xmpp/jmi/machine';
import { JmiTable } from '../../src/xmpp/jmi/table';
import { octetCompare, overrules } from '../../src/xmpp/jmi/tie-break';

const GW = '+15551234567@gw.localhost';
const ALICE = 'alice@localhost';
const ALICE_PHONE = 'alice@localhost/phone';
const LOWER = 'ca3cf894-5325-482f-a412-a6e9f832298d';
const HIGHER = 'fecbea35-08d3-404f-9ec7-2b57c566fa74';
const TIE_REASON = { condition: 'expired', text: 'Tie-Break' };

const sends = (effects: JmiEffect[]): Array<Extract<JmiEffect, { type: 'send' }>> =>
  effects.filter((e): e is Extract<JmiEffect, { type: 'send' }> => e.type === 'send');
const notices = (effects: JmiEffect[]) => effects.flatMap((e) => (e.type === 'emit' ? [e.notice] : []));
const propose = (id: string) => ({ kind: 'propose' as const, id, media: ['audio'] });

/** A table in which we have proposed `ours` from GW to alice. */
function proposedOut(ours: string, local = GW): JmiTable {
  const t = new JmiTable(() => 1_000_000);
  expect(t.proposeOut({ id: ours, local, peer: ALICE, media: ['audio'] }).accepted).toBe(true);
  return t;
}

describe('i;octet order (RFC 4790 §9.3)', () => {
  it('compares UTF-8 bytes: upper case before lower, a prefix first, not by locale', () => {
    expect(octetCompare('B', 'a')).toBeLessThan(0); // 0x42 < 0x61; a locale order says otherwise
    expect(octetCompare('abc', 'abcd')).toBeLessThan(0);
    expect(octetCompare('z', '\u00e9')).toBeLessThan(0); // 0x7a < 0xc3 0xa9
    expect(octetCompare('\uffff', '\u{1f600}')).toBeLessThan(0); // UTF-16 order would be the reverse
    expect(octetCompare(LOWER, LOWER)).toBe(0);
  });

  it('the lower id overrules; equal ids: the lower bare JID (normal form) does', () => {
    expect(overrules({ id: LOWER, jid: ALICE }, { id: HIGHER, jid: GW })).toBe(true);
    expect(overrules({ id: HIGHER, jid: GW }, { id: LOWER, jid: ALICE })).toBe(false);
    // '+' (0x2b) sorts before 'a'; the resource and the case do not count.
    expect(overrules({ id: LOWER, jid: GW }, { id: LOWER, jid: 'Alice@LOCALHOST/phone' })).toBe(true);
    expect(overrules({ id: LOWER, jid: 'Alice@LOCALHOST/phone' }, { id: LOWER, jid: GW })).toBe(false);
    expect(overrules({ id: LOWER, jid: 'zed@b.lit' }, { id: LOWER, jid: 'Alice@LOCALHOST' })).toBe(false);
  });
});

describe('the tie-break transitions', () => {
  it('exist only while a proposal is unanswered (proposed), in both directions', () => {
    for (const dir of ['out', 'in'] as const)
      for (const s of Object.values(JmiState))
        expect(TRANSITIONS[dir][s]['tie-break:overruled'] !== undefined).toBe(s === JmiState.Proposed);
  });
});

describe('a propose that crosses ours (no existing session)', () => {
  it('ours is lower: their propose is rejected (tie-break, expired) at the device, ours goes on', () => {
    const t = proposedOut(LOWER);
    const r = t.proposeIn(ALICE_PHONE, GW, propose(HIGHER));
    expect(sends(r.effects)).toEqual([
      {
        type: 'send',
        to: ALICE_PHONE,
        from: GW,
        message: { kind: 'reject', id: HIGHER, reason: TIE_REASON, tieBreak: true },
      },
    ]);
    // The gateway never hears of their propose: it is not proceeded.
    expect(notices(r.effects)).toEqual([]);
    expect(t.get(HIGHER)?.state).toBe(JmiState.Rejected);
    expect(t.get(LOWER)?.state).toBe(JmiState.Proposed);
    // Their retract (they got our lower propose) changes nothing; their proceed on ours is taken.
    expect(
      t.apply(HIGHER, { by: 'remote', from: ALICE_PHONE, message: { kind: 'retract', id: HIGHER } }).accepted,
    ).toBe(false);
    const p = t.apply(LOWER, { by: 'remote', from: ALICE_PHONE, message: { kind: 'proceed', id: LOWER } });
    expect(notices(p.effects).map((n) => n.kind)).toEqual(['proceed']);
  });

  it('theirs is lower: ours is retracted to the bare JID (tie-break, expired), the call told, theirs taken', () => {
    const t = proposedOut(HIGHER);
    const r = t.proposeIn(ALICE_PHONE, GW, propose(LOWER));
    expect(sends(r.effects)).toEqual([
      {
        type: 'send',
        to: ALICE,
        from: GW,
        message: { kind: 'retract', id: HIGHER, reason: TIE_REASON, tieBreak: true },
      },
    ]);
    const [ourEnd, theirPropose] = notices(r.effects);
    expect(ourEnd).toMatchObject({
      kind: 'tie-break',
      id: HIGHER,
      direction: 'out',
      from: ALICE_PHONE,
      reason: TIE_REASON,
      tieBreak: true,
      state: JmiState.Retracted,
    });
    expect(theirPropose).toMatchObject({ kind: 'propose', id: LOWER, direction: 'in', from: ALICE_PHONE });
    expect(t.get(HIGHER)?.state).toBe(JmiState.Retracted);
    // Their tie-break reject of ours is late and changes nothing; we proceed to theirs as usual.
    expect(
      t.apply(HIGHER, { by: 'remote', from: ALICE_PHONE, message: { kind: 'reject', id: HIGHER } }).accepted,
    ).toBe(false);
    const proceed = t.apply(LOWER, { by: 'local', kind: 'proceed' });
    expect(sends(proceed.effects)).toEqual([
      { type: 'send', to: ALICE_PHONE, from: GW, message: { kind: 'proceed', id: LOWER } },
    ]);
  });

  it('JIDs compare by their normal form: Alice@LOCALHOST to +15551234567@GW.localhost is the same pair', () => {
    const t = proposedOut(HIGHER);
    const r = t.proposeIn('Alice@LOCALHOST/phone', '+15551234567@GW.localhost', propose(LOWER));
    expect(notices(r.effects).map((n) => n.kind)).toEqual(['tie-break', 'propose']);
  });

  it('equal ids, our JID lower: theirs is rejected, ours stays under the id', () => {
    const t = proposedOut(LOWER); // '+1555…@gw.localhost' < 'alice@localhost'
    const r = t.proposeIn(ALICE_PHONE, GW, propose(LOWER));
    expect(sends(r.effects).map((s) => s.message)).toEqual([
      { kind: 'reject', id: LOWER, reason: TIE_REASON, tieBreak: true },
    ]);
    expect(sends(r.effects)[0]?.to).toBe(ALICE_PHONE);
    expect(notices(r.effects)).toEqual([]);
    expect(t.get(LOWER)).toMatchObject({ direction: 'out', state: JmiState.Proposed });
  });

  it('equal ids, their JID lower: ours is retracted, and the id names their proposal from then on', () => {
    const ours = 'zoe@gw.localhost';
    const t = proposedOut(LOWER, ours);
    const r = t.proposeIn(ALICE_PHONE, ours, propose(LOWER));
    expect(sends(r.effects).map((s) => s.message.kind)).toEqual(['retract']);
    expect(notices(r.effects).map((n) => [n.kind, n.direction])).toEqual([
      ['tie-break', 'out'],
      ['propose', 'in'],
    ]);
    expect(t.get(LOWER)).toMatchObject({ direction: 'in', state: JmiState.Proposed, peerFull: ALICE_PHONE });
  });

  it('theirs lower than two of ours (the same caller twice): both are retracted', () => {
    const t = proposedOut(HIGHER);
    t.proposeOut({ id: 'ffff', local: GW, peer: ALICE, media: ['audio'] });
    const r = t.proposeIn(ALICE_PHONE, GW, propose(LOWER));
    expect(sends(r.effects).map((s) => [s.message.kind, s.message.id])).toEqual([
      ['retract', HIGHER],
      ['retract', 'ffff'],
    ]);
  });

  it('theirs between two of ours: one of ours is lower, so theirs is rejected and both of ours stay', () => {
    const t = proposedOut(LOWER);
    t.proposeOut({ id: 'ffff', local: GW, peer: ALICE, media: ['audio'] });
    const r = t.proposeIn(ALICE_PHONE, GW, propose(HIGHER));
    expect(sends(r.effects).map((s) => s.message.kind)).toEqual(['reject']);
    expect([t.get(LOWER)?.state, t.get('ffff')?.state]).toEqual([JmiState.Proposed, JmiState.Proposed]);
  });
});

describe('no tie: the normal handling', () => {
  const plain = (t: JmiTable, from: string, to: string, id: string) => {
    const r = t.proposeIn(from, to, propose(id));
    expect(sends(r.effects)).toEqual([]);
    expect(notices(r.effects).map((n) => n.kind)).toEqual(['propose']);
    return r;
  };

  it('a propose to another JID at the gateway', () => {
    const t = proposedOut(HIGHER);
    plain(t, ALICE_PHONE, '+15550000000@gw.localhost', LOWER);
    expect(t.get(HIGHER)?.state).toBe(JmiState.Proposed);
  });

  it('a propose from another user to the same JID', () => {
    const t = proposedOut(HIGHER);
    plain(t, 'bob@localhost/pc', GW, LOWER);
    expect(t.get(HIGHER)?.state).toBe(JmiState.Proposed);
  });

  it('ours already proceeded (the "existing session" case, left as it is)', () => {
    const t = proposedOut(HIGHER);
    t.apply(HIGHER, { by: 'remote', from: ALICE_PHONE, message: { kind: 'proceed', id: HIGHER } });
    plain(t, 'alice@localhost/tablet', GW, LOWER);
    expect(t.get(HIGHER)?.state).toBe(JmiState.Proceeding);
  });

  it('ours already over (retracted)', () => {
    const t = proposedOut(HIGHER);
    t.apply(HIGHER, { by: 'local', kind: 'retract' });
    plain(t, ALICE_PHONE, GW, LOWER);
  });

  it('ours rejected by the callee, or expired unanswered', () => {
    const t = proposedOut(HIGHER);
    t.apply(HIGHER, { by: 'remote', from: ALICE_PHONE, message: { kind: 'reject', id: HIGHER } });
    plain(t, ALICE_PHONE, GW, LOWER);
    let now = 0;
    const u = new JmiTable(() => now, { maxProposedMs: 1000 });
    u.proposeOut({ id: HIGHER, local: GW, peer: ALICE, media: ['audio'] });
    now = 1000;
    expect(sends(u.sweep()).map((e) => e.message.kind)).toEqual(['retract']);
    plain(u, ALICE_PHONE, GW, LOWER);
  });

  it('a repeated propose of an id we answered is still ignored', () => {
    const t = new JmiTable(() => 0);
    plain(t, ALICE_PHONE, GW, LOWER);
    expect(t.proposeIn(ALICE_PHONE, GW, propose(LOWER)).accepted).toBe(false);
  });
});
