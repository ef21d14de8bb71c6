/** REGISTER state machine on a fake clock: refresh, back-off with cap, 423, challenges. */
import { header } from '../../src/sip/message/headers';
import { Registration, type RegistrationState } from '../../src/sip/ua/registration';
import { FakeCore, response } from './fake-core';

function reg(core: FakeCore, o: Partial<{ expires: number; retryBaseMs: number; retryMaxMs: number }> = {}) {
  const r = new Registration(core, {
    trunk: 't',
    registrar: 'sip:reg.example',
    aor: 'sip:u@reg.example',
    ...o,
  });
  const states: RegistrationState[] = [];
  r.on('state', (s: RegistrationState) => states.push(s));
  r.start();
  return { r, states };
}

test('registered with the granted expiry, refreshed at half of a short one', () => {
  const core = new FakeCore();
  const { states } = reg(core, { expires: 60 });
  const first = core.last('REGISTER');
  expect(header(first.req, 'expires')).toBe('60');
  first.onResponse(response(first.req, 200, { Contact: '<sip:gw@192.0.2.1:5060>;expires=40' }));
  expect(states.at(-1)).toMatchObject({ status: 'registered', expires: 40, expiresAt: 40_000 });
  core.clock.advance(19_999);
  expect(core.sent.length).toBe(1);
  core.clock.advance(1);
  expect(core.sent.length).toBe(2);
  expect(header(core.last('REGISTER').req, 'cseq')).toBe('2 REGISTER');
  expect(header(core.last('REGISTER').req, 'call-id')).toBe(header(first.req, 'call-id'));
});

test('failures back off exponentially (with jitter) up to the cap; success resets', () => {
  const core = new FakeCore();
  const { states } = reg(core, { retryBaseMs: 1000, retryMaxMs: 4000 });
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = core.last('REGISTER');
    s.onResponse(response(s.req, 503));
    const st = states.at(-1) as RegistrationState;
    expect(st.status).toBe('failed');
    waits.push((st.nextAttemptAt as number) - core.clock.now());
    core.clock.advance(st.nextAttemptAt as number);
  }
  expect(waits[0]).toBeGreaterThanOrEqual(500);
  expect(waits[0]).toBeLessThanOrEqual(1000);
  expect(waits[1]).toBeGreaterThanOrEqual(1000);
  expect(waits[1]).toBeLessThanOrEqual(2000);
  for (const w of waits.slice(2)) {
    expect(w).toBeGreaterThanOrEqual(2000);
    expect(w).toBeLessThanOrEqual(4000);
  }
  expect(states.at(-1)?.failures).toBe(5);
  const s = core.last('REGISTER');
  s.onResponse(response(s.req, 200, { Expires: '3600' }));
  expect(states.at(-1)).toMatchObject({ status: 'registered', failures: 0, expires: 3600 });
  expect((states.at(-1)?.nextAttemptAt as number) - core.clock.now()).toBe(3_540_000);
});

test('401 is answered with credentials; 423 raises the expiry to Min-Expires; stop() unregisters', async () => {
  const core = new FakeCore();
  core.creds = { username: 'u', password: 'p' };
  const { r, states } = reg(core, { expires: 30 });
  let s = core.last('REGISTER');
  s.onResponse(response(s.req, 401, { 'WWW-Authenticate': 'Digest realm="reg", nonce="n", qop="auth"' }));
  s = core.last('REGISTER');
  expect(header(s.req, 'authorization')).toMatch(/^Digest nc=00000001, username="u", realm="reg"/);
  s.onResponse(response(s.req, 423, { 'Min-Expires': '120' }));
  s = core.last('REGISTER');
  expect(header(s.req, 'expires')).toBe('120');
  s.onResponse(response(s.req, 200));
  expect(states.at(-1)).toMatchObject({ status: 'registered', expires: 120 });
  const stopped = r.stop();
  expect(r.state().status).toBe('stopped');
  const unreg = core.last('REGISTER');
  expect(header(unreg.req, 'expires')).toBe('0');
  unreg.onResponse(response(unreg.req, 200));
  await stopped;
  expect(core.clock.pending()).toBe(0);
});

test('#8 the Contact is the one for the flow the router picked; its expires param is found there', () => {
  const core = new FakeCore();
  const seen: Array<[string | undefined, boolean | undefined]> = [];
  core.contact = (flow, sips) => {
    seen.push([flow?.transport, sips]);
    return flow ? '<sip:gw@192.0.2.1:5070;transport=tcp>' : '<sip:gw@192.0.2.1:5060>';
  };
  const { states } = reg(core, { expires: 600 });
  const first = core.last('REGISTER');
  expect(first.opts?.fillContact).toBe(true); // the router fills in the Contact for its flow
  first.onResponse(
    response(first.req, 200, {
      Contact: '<sip:gw@192.0.2.1:5060>;expires=100, <sip:gw@192.0.2.1:5070;transport=tcp>;expires=300',
    }),
  );
  expect(states.at(-1)).toMatchObject({ status: 'registered', expires: 300 });
  expect(seen.at(-1)).toEqual(['UDP', false]);
});
