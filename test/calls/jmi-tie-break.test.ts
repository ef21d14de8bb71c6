/**
 * A SIP → XMPP call whose propose lost a XEP-0353 tie-break (§Tie Breaking, no existing session:
 * the callee proposed a call to our caller with a lower id, and the XMPP leg retracted ours).
 */
import { CallRegistry, SipCall } from '../../src/calls';
import type { SipRequest } from '../../src/sip/message/types';
import { context, kinds, one, sip } from './support';

const invite = sip('captured/baresip-1.0.0-invite-dtls_srtp.sip') as SipRequest;
const device = 'bob@localhost/phone';
const tieBreak = { condition: 'expired' as const, text: 'Tie-Break' };

function proposed() {
  const registry = new CallRegistry();
  const { call, effects } = SipCall.start(invite, 'sid1', context());
  if (!call) throw new Error(`refused: ${kinds(effects)}`);
  registry.add(call);
  return { registry, call };
}

describe('SIP → XMPP call overruled by a tie-break', () => {
  it('→ 486 Busy Here with the reason, nothing more to XMPP (the leg retracted), the call freed', () => {
    const { registry, call } = proposed();
    const h = registry.handle(call, { kind: 'jmi', jmi: 'tie-break', from: device, reason: tieBreak });
    expect(kinds(h)).toBe('sip-reject, timer-stop, ended');
    expect(one(h, 'sip-reject')).toMatchObject({
      status: 486,
      reason: 'Busy Here',
      headers: [{ name: 'Reason', value: 'SIP;cause=486;text="Tie-Break"' }],
    });
    expect(one(h, 'ended').condition).toBe('busy');
    expect(registry.size).toBe(0);
  });

  it('a device that proceeded owns the call: a tie-break notice then changes nothing', () => {
    const { registry, call } = proposed();
    registry.handle(call, { kind: 'jmi', jmi: 'proceed', from: device });
    expect(registry.handle(call, { kind: 'jmi', jmi: 'tie-break', from: device, reason: tieBreak })).toEqual(
      [],
    );
    expect(registry.size).toBe(1);
  });
});
