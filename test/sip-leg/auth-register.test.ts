/**
 * Trunk digest authentication (RFC 3261 §22, RFC 8760) checked by SIPp's verifyauth, REGISTER
 * with a failing-then-challenging registrar, refresh and back-off, and inbound trust (403).
 */
import { createHash } from 'node:crypto';
import type { ClientInvite, Dialog, RegistrationState } from '../../src/sip';
import type { SipResponse } from '../../src/sip/message/types';
import { freePort, sleep, waitFor } from '../support/processes';
import { startSipp } from '../support/sipp';
import { cleanUp, SDP, startUa } from './helpers';

afterEach(cleanUp);

async function challengedCall(
  scenario: string,
  alg: string,
): Promise<{ res: SipResponse; code: number | null; auth: string; received: string }> {
  const port = await freePort();
  const t = await startUa({
    trunks: [{ name: 'sipp', host: `127.0.0.1:${port}`, username: 'trunkuser', password: 's3cret' }],
  });
  const sipp = await startSipp({ scenario, port, vars: { alg } });
  await sleep(300);
  const call: ClientInvite = t.ua.invite({
    uri: `sip:bob@127.0.0.1:${port}`,
    from: 'sip:alice@gw.test',
    body: SDP,
  });
  const res = await new Promise<SipResponse>((resolve) => {
    call.on('accepted', (r: SipResponse, d: Dialog) => {
      resolve(r);
      setTimeout(() => void d.bye(), 100);
    });
    call.on('failed', resolve);
  });
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  const auth = /\r\n((?:Proxy-)?Authorization: Digest [^\r]*)/.exec(
    t
      .sent('INVITE ')
      .map((l) => String(l.meta.text))
      .join('\n'),
  );
  const received =
    r.trace.filter((e) => e.direction === 'received' && e.firstLine.startsWith('INVITE')).pop()?.text ?? '';
  await waitFor(() => t.ua.liveDialogs() === 0, 3000, 'no live dialogs');
  return { res, code: r.code, auth: auth?.[1] ?? '', received };
}

/** An independent check of a digest answer (RFC 7616 §3.4.1), from the bytes SIPp received. */
function checkDigest(received: string, password: string, method: string): boolean {
  const line = /Proxy-Authorization: Digest ([^\r\n]*)/.exec(received)?.[1] ?? '';
  const p: Record<string, string> = {};
  for (const m of line.matchAll(/([a-z]+)=(?:"([^"]*)"|([^,\s]*))/g)) p[m[1] as string] = m[2] ?? m[3] ?? '';
  const algo = (p.algorithm ?? 'MD5').toUpperCase() === 'SHA-256' ? 'sha256' : 'md5';
  const H = (s: string): string => createHash(algo).update(s).digest('hex');
  const ha1 = H(`${p.username}:${p.realm}:${password}`);
  const ha2 = H(`${method}:${p.uri}`);
  const want = p.qop
    ? H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
    : H(`${ha1}:${p.nonce}:${ha2}`);
  return want === p.response;
}

test('a 401 (MD5) is answered with credentials that SIPp verifyauth accepts', async () => {
  const { res, code, auth } = await challengedCall('uas-auth.xml', 'MD5');
  expect(res.status).toBe(200);
  expect(code).toBe(0);
  expect(auth).toMatch(/^Authorization: Digest .*algorithm=MD5/);
  // SIPp 3.6.1's verifyauth ignores qop (it checks MD5(HA1:nonce:HA2)), so this challenge has none.
  expect(auth).not.toMatch(/qop=/);
});

test.each(['MD5', 'SHA-256'])(
  'a 407 with algorithm=%s, qop=auth and opaque is answered correctly',
  async (alg) => {
    const { res, code, auth, received } = await challengedCall('uas-auth-407.xml', alg);
    expect(res.status).toBe(200);
    expect(code).toBe(0);
    expect(auth).toMatch(new RegExp(`^Proxy-Authorization: Digest .*algorithm=${alg}`));
    expect(auth).toMatch(/qop=auth/);
    expect(auth).toMatch(/opaque="op1"/);
    expect(checkDigest(received, 's3cret', 'INVITE')).toBe(true);
    expect(checkDigest(received, 'wrong', 'INVITE')).toBe(false);
  },
);

test('REGISTER: 503 first (back-off), then 401, registered for 2 s, refreshed, removed on stop', async () => {
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
  await t.ua.stop(); // removes the binding: REGISTER with Expires: 0
  expect(t.ua.registrations()[0]?.status).toBe('stopped');
  const r = await sipp.done;
  if (r.code !== 0) console.log(r.output);
  expect(r.code).toBe(0);
  const seq = states.map((s) => s.status);
  expect(seq).toEqual(['registering', 'failed', 'registering', 'registered', 'registered', 'stopped']);
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
  expect(
    b.sent('INVITE ').some((l) => /Authorization: Digest[^\r]*algorithm=SHA-256/.test(String(l.meta.text))),
  ).toBe(true);
  await waitFor(() => a.ua.liveDialogs() === 0 && b.ua.liveDialogs() === 0, 3000, 'no live dialogs');
});
