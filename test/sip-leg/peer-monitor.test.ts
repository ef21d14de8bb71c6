/**
 * The OPTIONS keep-alive to the outbound and the trunks (src/sip/ua/peer-monitor.ts, docs/policy.md
 * §Trunk keep-alive), without sockets: a fake clock and a probe the test answers.
 */
import { isLocalFailure, localFailure } from '../../src/sip/transaction/bridge';
import { PeerMonitor, peerKey, peerVerdict, type PeerStatus } from '../../src/sip/ua/peer-monitor';
import type { SipResponse } from '../../src/sip/message/types';
import { request, response } from './fake-core';
import { FakeClock } from './fake-clock';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A monitor whose probes wait for the test to answer them. */
function monitor(targets = [{ name: 'sip.outbound', uri: 'sip:127.0.0.1:5090' }]) {
  const clock = new FakeClock();
  const asked: Array<{ uri: string; answer: (r: SipResponse) => void }> = [];
  const changes: PeerStatus[] = [];
  const m = new PeerMonitor(
    targets,
    { intervalMs: 30_000, timeoutMs: 5_000 },
    (uri) => new Promise((resolve) => asked.push({ uri, answer: resolve })),
    isLocalFailure,
    clock,
    (s) => changes.push(s),
  );
  return { m, clock, asked, changes };
}

const answer = (status: number): SipResponse => response(request('OPTIONS'), status);

it('any answer means up, no answer down (RFC 3261 §11: the peer answered; our own 408/503 is none)', () => {
  for (const s of [200, 404, 405, 403, 483, 503]) expect(peerVerdict(answer(s), false)).toBe('up');
  expect(peerVerdict(undefined, false)).toBe('down');
  const req = request('OPTIONS', {});
  expect(peerVerdict(localFailure(req, 408, 'no response'), true)).toBe('down');
  expect(peerVerdict(localFailure(req, 503, 'ECONNREFUSED'), true)).toBe('down');
});

it('keys a peer by host and port, the port defaulted by scheme', () => {
  expect(peerKey('sip:+1555@EXAMPLE.net')).toBe('example.net:5060');
  expect(peerKey('sips:example.net')).toBe('example.net:5061');
  expect(peerKey('sip:127.0.0.1:5090;transport=tcp')).toBe('127.0.0.1:5090');
  expect(peerKey('sip:[::1]:5070')).toBe('::1:5070');
  expect(peerKey('tel:+15551234')).toBeUndefined();
});

it('is unknown before the first probe, down after a timeout, up after an answer; probes each interval', async () => {
  const { m, clock, asked, changes } = monitor();
  expect(m.states()).toEqual([{ name: 'sip.outbound', uri: 'sip:127.0.0.1:5090', state: 'unknown' }]);
  // Unknown counts as up: no call is refused without evidence.
  expect(m.downFor('sip:+1555@127.0.0.1:5090')).toBeUndefined();
  m.start();
  clock.advance(0);
  expect(asked.map((a) => a.uri)).toEqual(['sip:127.0.0.1:5090']);
  clock.advance(4_999);
  expect(m.states()[0]?.state).toBe('unknown');
  clock.advance(1);
  expect(m.states()[0]).toMatchObject({ state: 'down', since: 5_000, last: 'no answer within 5 s' });
  expect(m.downFor('sip:+1555@127.0.0.1:5090')).toMatchObject({ name: 'sip.outbound' });
  expect(m.downFor('sip:+1555@127.0.0.1:5091')).toBeUndefined();
  // A late answer to the probe that timed out changes nothing.
  asked[0]?.answer(answer(200));
  await flush();
  expect(m.states()[0]?.state).toBe('down');
  // The next probe goes interval after the verdict.
  clock.advance(29_999);
  expect(asked).toHaveLength(1);
  clock.advance(1);
  expect(asked).toHaveLength(2);
  asked[1]?.answer(answer(405));
  await flush();
  expect(m.states()[0]).toMatchObject({ state: 'up', since: 35_000, last: '405 X' });
  expect(m.downFor('sip:+1555@127.0.0.1:5090')).toBeUndefined();
  expect(changes.map((c) => c.state)).toEqual(['down', 'up']);
  m.stop();
  clock.advance(120_000);
  expect(asked).toHaveLength(2);
});

it('a failure the stack made up (transport error) is down at once', async () => {
  const { m, clock, asked } = monitor();
  m.start();
  clock.advance(0);
  asked[0]?.answer(localFailure(request('OPTIONS', {}), 503, 'UDP to 127.0.0.1:5090: ECONNREFUSED'));
  await flush();
  expect(m.states()[0]).toMatchObject({ state: 'down', last: '503 Service Unavailable' });
});

it('probes a host:port once for every name it has, and reports each name', async () => {
  const { m, clock, asked } = monitor([
    { name: 'sip.outbound', uri: 'sip:trunk.example.net' },
    { name: 'carrier', uri: 'sip:trunk.example.net:5060' },
    { name: 'other', uri: 'sip:other.example.net' },
  ]);
  m.start();
  clock.advance(0);
  expect(asked.map((a) => a.uri)).toEqual(['sip:trunk.example.net', 'sip:other.example.net']);
  asked[0]?.answer(answer(200));
  await flush();
  expect(m.states().map((s) => [s.name, s.state])).toEqual([
    ['sip.outbound', 'up'],
    ['carrier', 'up'],
    ['other', 'unknown'],
  ]);
});

it('interval 0 sends nothing', () => {
  const clock = new FakeClock();
  let probes = 0;
  const m = new PeerMonitor(
    [{ name: 'x', uri: 'sip:127.0.0.1' }],
    { intervalMs: 0, timeoutMs: 1000 },
    () => {
      probes++;
      return new Promise(() => undefined);
    },
    isLocalFailure,
    clock,
  );
  m.start();
  clock.advance(60_000);
  expect(probes).toBe(0);
  expect(clock.pending()).toBe(0);
});
