/** RFC 3261 §13.3.1.4 2xx retransmission, on a fake clock. */
import { Retransmit2xx } from '../../src/sip/dialog/retransmit';
import { FakeClock } from './fake-clock';

test('resends at T1, 2·T1, … capped at T2, and gives up at 64·T1', () => {
  const clock = new FakeClock();
  let timedOut = -1;
  const r = new Retransmit2xx(
    clock,
    () => undefined,
    () => (timedOut = clock.now()),
  );
  r.start();
  clock.advance(40_000);
  expect(r.sentAt).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  expect(timedOut).toBe(32_000);
  expect(clock.pending()).toBe(0);
});

test('the ACK stops it, and nothing fires after', () => {
  const clock = new FakeClock();
  let sends = 0;
  let timedOut = false;
  const r = new Retransmit2xx(
    clock,
    () => sends++,
    () => (timedOut = true),
  );
  r.start();
  clock.advance(1600);
  r.stop();
  clock.advance(60_000);
  expect(sends).toBe(2);
  expect(timedOut).toBe(false);
  expect(clock.pending()).toBe(0);
});
