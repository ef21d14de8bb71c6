/** The log throttle (src/sip/transport/log-throttle.ts) on a fake clock: one line per source per interval. */
import { LogThrottle, OTHER_SOURCES } from '../../src/sip/transport/log-throttle';
import { FakeClock } from '../sip-leg/fake-clock';

function throttle(o: { maxSources?: number } = {}) {
  const clock = new FakeClock();
  const lines: Array<[string, number, Record<string, unknown>]> = [];
  const t = new LogThrottle({ clock, intervalMs: 10_000, log: (s, n, l) => lines.push([s, n, l]), ...o });
  return { clock, lines, t };
}

test('a flood from one source is one line now, then one line with the count per interval', () => {
  const { clock, lines, t } = throttle();
  for (let i = 0; i < 1000; i++) t.hit('192.0.2.1', { detail: `#${i}` });
  expect(lines).toEqual([['192.0.2.1', 1, { detail: '#0' }]]);
  clock.advance(4_000);
  for (let i = 1000; i < 1500; i++) t.hit('192.0.2.1', { detail: `#${i}` });
  expect(lines).toHaveLength(1);
  // The interval ends: what was counted since the first line goes out, with the latest details.
  clock.advance(6_000);
  expect(lines[1]).toEqual(['192.0.2.1', 1499, { detail: '#1499' }]);
  // The next event after a whole interval is logged at once, counting itself.
  clock.advance(10_000);
  t.hit('192.0.2.1', { detail: 'again' });
  expect(lines[2]).toEqual(['192.0.2.1', 1, { detail: 'again' }]);
});

test('sources are counted apart, and one quiet for an interval is forgotten', () => {
  const { clock, lines, t } = throttle();
  t.hit('a', {});
  t.hit('b', {});
  t.hit('a', {});
  expect(lines.map((l) => l[0])).toEqual(['a', 'b']);
  clock.advance(10_000);
  // a owed one more line; b said nothing since its line and is forgotten.
  expect(lines[2]).toEqual(['a', 1, {}]);
  expect(t.size).toBe(1);
  clock.advance(10_000);
  expect(t.size).toBe(0);
  expect(clock.pending()).toBe(0);
  expect(lines).toHaveLength(3);
});

test('memory is bounded: past maxSources, new sources share one entry', () => {
  const { clock, lines, t } = throttle({ maxSources: 3 });
  for (let i = 0; i < 100; i++) t.hit(`10.0.0.${i}`, { i });
  expect(t.size).toBe(4);
  expect(lines.map((l) => l[0])).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2', OTHER_SOURCES]);
  clock.advance(10_000);
  expect(lines[4]).toEqual([OTHER_SOURCES, 96, { i: 99 }]);
});

test('stop() cancels the flush timer', () => {
  const { clock, lines, t } = throttle();
  t.hit('a', {});
  t.hit('a', {});
  t.stop();
  expect(clock.pending()).toBe(0);
  clock.advance(60_000);
  expect(lines).toHaveLength(1);
});
