/**
 * Trunk digest authentication (RFC 3261 §22, RFC 8760) checked by SIPp's verifyauth, REGISTER
 * with a failing-then-challenging registrar, refresh and back-off, and inbound trust (403).
 */
import type { ClientInvite, Dialog, RegistrationState } from '../../src/sip/leg';
import type { SipResponse } from '../../src/sip/types';
import { freePort, sleep, waitFor } from '../support/processes';
import { startSipp } from '../support/sipp';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

async function challengedCall(alg: string): Promise<{ res: SipResponse; code: number | null; auth: string }> {
  const port = await freePort();
  const t = await startUa({
    trunks: [{ name: 'sipp', host: `127.0.0.1:${port}`, username: 'trunkuser', password: 's3cret' }],
  });
  const sipp = await startSipp({ scenario: 'uas-auth.xml', port, vars: { alg } });
  await sleep(300);
  const call: ClientInvite = t.ua.invite({ uri: `sip:bob@127.0.0.1:${port}`, from: 'sip:alice@gw.test', body: SDP });
  const res = await new Promise<SipResponse>((resolve) => {
    call.on('accepted', (r: SipResponse, d: Dialog) => {
      resolve(r);
      setTimeout(() => void d.bye(), 100);
    });
    call.on('failed', resolve);
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  const authLine = t.sent('INVITE ').map((l) => String(l.meta.text)).find((x) => x.includes('Proxy-Authorization'));
  await waitFor(() => t.ua.liveDialogs() === 0, 3000, 'no live dialogs');
  return { res, code: r.code, auth: authLine ?? '' };
}

test('a 407 (MD5, qop=auth) is answered with credentials that SIPp verifyauth accepts', async () => {
  const { res, code, auth } = await challengedCall('MD5');
  expect(res.status).toBe(200);
  expect(code).toBe(0);
  expect(auth).toMatch(/algorithm=MD5/);
  expect(auth).toMatch(/qop=auth, nc=00000001/);
});

test('a 407 with algorithm=SHA-256 (RFC 8760) is answered with SHA-256', async () => {
  // SIPp 3.6.1's verifyauth knows only MD5 (and AKA): it refuses the SHA-256 answer with 403.
  // The SHA-256 computation itself is checked against RFC 7616's vector in digest.test.ts.
  const { res, auth } = await challengedCall('SHA-256');
  expect(auth).toMatch(/algorithm=SHA-256/);
  expect(auth).toMatch(/response="[0-9a-f]{64}"/);
  expect([200, 403]).toContain(res.status);
  console.log('SIPp verifyauth on SHA-256 answered', res.status);
});

test('REGISTER: 503 first (back-off), then 401, then registered for 2 s and refreshed', async () => {
  const port = await freePort();
  const sipp = await startSipp({ scenario: 'registrar.xml', port });
  await sleep(300);
  const states: RegistrationState[] = [];
  const t = await startUa({
    trunks: [
      {
        name: 'reg',
        host: `127.0.0.1:${port}`,
        username: 'trunkuser',
        password: 's3cret',
        register: {
          registrar: `sip:127.0.0.1:${port}`,
          aor: 'sip:trunkuser@registrar.test',
          expires: 60,
          retryBaseMs: 400,
        },
      },
    ],
  });
  t.ua.on('registration', (s: RegistrationState) => states.push({ ...s, expiresAt: Date.now() }));
  await waitFor(() => (t.ua.registrations()[0]?.registeredCount ?? 0) >= 2, 8000, 'a refreshed registration');
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  const seq = states.map((s) => s.status);
  expect(seq).toEqual(['registering', 'failed', 'registering', 'registered', 'registered']);
  const failedAt = states[1]?.expiresAt as number;
  const retryAt = states[2]?.expiresAt as number;
  const firstOk = states[3]?.expiresAt as number;
  const refreshed = states[4]?.expiresAt as number;
  console.log('back-off after 503 (ms):', retryAt - failedAt, 'refresh after (ms):', refreshed - firstOk);
  expect(retryAt - failedAt).toBeGreaterThanOrEqual(150); // 400 ms · [0.5, 1)
  expect(retryAt - failedAt).toBeLessThanOrEqual(1000);
  expect(states[3]?.expires).toBe(2);
  expect(refreshed - firstOk).toBeGreaterThanOrEqual(800); // refresh at half of 2 s
  expect(refreshed - firstOk).toBeLessThanOrEqual(2000);
  expect(states[1]?.lastStatus).toBe(503);
});

test('an INVITE from an untrusted source gets 403 and never reaches the invite handler', async () => {
  const t = await startUa({ trusted: ['10.0.0.0/8'] });
  let invited = false;
  t.ua.on('invite', () => (invited = true));
  const sipp = await startSipp({ scenario: 'uac', remote: t.addr(), port: await freePort(), timeoutSec: 10 });
  const r = await sipp.done;
  expect(r.code).not.toBe(0); // the built-in uac expects 200
  expect(t.sent('SIP/2.0 403').length).toBeGreaterThanOrEqual(1);
  expect(invited).toBe(false);
  expect(t.ua.liveDialogs()).toBe(0);
});

test('an untrusted INVITE is challenged (401) when inbound credentials exist, and let in after', async () => {
  const a = await startUa({
    trusted: [],
    inboundAuth: { realm: 'gw.test', users: { peer: 'pw1' } },
  });
  const b = await startUa({
    trusted: [],
    trunks: [{ name: 'gw', host: 'x', realm: 'gw.test', username: 'peer', password: 'pw1' }],
  });
  a.ua.on('invite', (inv) => inv.accept(SDP));
  const call = b.ua.invite({ uri: `sip:alice@${a.addr()}`, from: 'sip:bob@b.test', body: SDP });
  const res = await new Promise<SipResponse>((resolve) => {
    call.on('accepted', (r: SipResponse, d: Dialog) => {
      resolve(r);
      void d.bye();
    });
    call.on('failed', resolve);
  });
  expect(res.status).toBe(200);
  expect(b.sent('INVITE ').some((l) => /Authorization: Digest[^\r]*algorithm=SHA-256/.test(String(l.meta.text)))).toBe(
    true,
  );
  await waitFor(() => a.ua.liveDialogs() === 0 && b.ua.liveDialogs() === 0, 3000, 'no live dialogs');
});
