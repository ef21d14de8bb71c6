/**
 * Pure pieces of the connection limits and of RFC 3261 §18.1.1, without sockets: the caps'
 * bookkeeping, the once-per-interval refusal summary, the framer's "message pending" (the
 * slowloris deadline runs while it is true) and the transport chosen for a request by its size.
 */
import { ConnectionCaps, RefusalCounter } from '../../src/sip/transport/connection-caps';
import { planForSize, udpMaxPayload, UDP_SIZE_THRESHOLD } from '../../src/sip/transport/large-requests';
import { StreamFramer } from '../../src/sip/transport/stream-framer';
import type { Flow } from '../../src/sip/transport/transport';

describe('ConnectionCaps', () => {
  test('refuses beyond the per-source cap, counts sources apart, frees on release', () => {
    const caps = new ConnectionCaps({ max: 10, maxPerSource: 2 });
    expect(caps.admit('192.0.2.1')).toBeUndefined();
    expect(caps.admit('192.0.2.1')).toBeUndefined();
    expect(caps.admit('192.0.2.1')).toBe('maxPerSource');
    expect(caps.admit('192.0.2.2')).toBeUndefined();
    expect(caps.size).toBe(3);
    expect(caps.from('192.0.2.1')).toBe(2);
    caps.release('192.0.2.1');
    expect(caps.from('192.0.2.1')).toBe(1);
    expect(caps.admit('192.0.2.1')).toBeUndefined();
    expect(caps.size).toBe(3);
  });

  test('refuses beyond the global cap whatever the source; a refused one is not counted', () => {
    const caps = new ConnectionCaps({ max: 3, maxPerSource: 50 });
    for (const s of ['a', 'b', 'c']) expect(caps.admit(s)).toBeUndefined();
    expect(caps.admit('d')).toBe('max');
    expect(caps.from('d')).toBe(0);
    caps.release('d'); // never counted: no effect
    expect(caps.size).toBe(3);
    caps.release('a');
    expect(caps.admit('d')).toBeUndefined();
    expect(caps.size).toBe(3);
  });
});

describe('RefusalCounter', () => {
  test('one summary per interval, with the count of everything refused since the last one', () => {
    const r = new RefusalCounter(10_000);
    expect(r.refused('max', 'a', 0)).toEqual({ max: 1, maxPerSource: 0, last: 'a' });
    for (let i = 1; i <= 500; i++)
      expect(r.refused(i % 2 ? 'max' : 'maxPerSource', 'b', i * 10)).toBeUndefined();
    expect(r.refused('maxPerSource', 'c', 10_000)).toEqual({ max: 250, maxPerSource: 251, last: 'c' });
    expect(r.refused('max', 'd', 10_001)).toBeUndefined();
  });
});

describe('StreamFramer.pending (the slowloris deadline runs while true)', () => {
  test('false when empty or after keep-alives and whole messages; true inside a message', () => {
    const f = new StreamFramer(65536);
    expect(f.pending).toBe(false);
    f.push(Buffer.from('\r\n\r\n'));
    expect(f.pending).toBe(false);
    f.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n'));
    expect(f.pending).toBe(true);
    f.push(Buffer.from('Content-Length: 2\r\n\r\na'));
    expect(f.pending).toBe(true); // headers complete, body not
    expect(f.push(Buffer.from('b')).map((x) => x.kind)).toEqual(['message']);
    expect(f.pending).toBe(false);
  });
});

describe('planForSize (RFC 3261 §18.1.1)', () => {
  const udp: Flow = { transport: 'UDP', address: '192.0.2.10', port: 5060 };
  const udp6: Flow = { transport: 'UDP', address: '2001:db8::10', port: 5070 };
  const tls: Flow = { transport: 'TLS', address: '192.0.2.11', port: 5061 };
  const tcpOf = (f: Flow): Flow => ({ transport: 'TCP', address: f.address, port: f.port });
  const has = { tcp: true, udpForced: false };

  test('up to 1300 bytes: the flows as resolved', () => {
    expect(planForSize(UDP_SIZE_THRESHOLD, [udp], has)).toEqual({ ok: true, flows: [udp] });
  });

  test('larger: TCP to the same address and port first, then the UDP flow as the fallback', () => {
    const plan = planForSize(UDP_SIZE_THRESHOLD + 1, [udp, udp6, tls], has);
    expect(plan).toMatchObject({ ok: true, flows: [tcpOf(udp), udp, tcpOf(udp6), udp6, tls] });
    expect(plan.ok && plan.note).toMatch(/1301 bytes: sent over TCP, UDP if refused/);
  });

  test('without a TCP listener, or with an explicit transport=udp: UDP stays', () => {
    expect(planForSize(5000, [udp], { tcp: false, udpForced: false })).toEqual({ ok: true, flows: [udp] });
    expect(planForSize(5000, [udp], { tcp: true, udpForced: true })).toEqual({ ok: true, flows: [udp] });
  });

  test('too large for any datagram: TCP only, and a clear failure when there is no TCP', () => {
    expect(udpMaxPayload('192.0.2.10')).toBe(65_507);
    expect(udpMaxPayload('2001:db8::10')).toBe(65_527);
    const plan = planForSize(65_508, [udp, udp6], has);
    // IPv6 carries 20 bytes more: there UDP is still a fallback.
    expect(plan).toMatchObject({ ok: true, flows: [tcpOf(udp), tcpOf(udp6), udp6] });
    expect(planForSize(70_000, [udp], { tcp: true, udpForced: true })).toMatchObject({
      ok: true,
      flows: [tcpOf(udp)],
      note: expect.stringMatching(/too large for UDP, sent over TCP only/),
    });
    expect(planForSize(70_000, [udp], { tcp: false, udpForced: false })).toEqual({
      ok: false,
      why: 'request of 70000 bytes is too large for UDP and we do not listen on TCP',
    });
    expect(planForSize(70_000, [udp, tls], { tcp: false, udpForced: false })).toMatchObject({
      ok: true,
      flows: [tls],
    });
  });
});
