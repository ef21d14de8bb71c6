/** Digest (RFC 7616 §3.9.1 vectors, RFC 8760 algorithm choice) and the inbound verifier. */
import {
  authorizationValue,
  digestResponse,
  DigestServer,
  parseChallenge,
  pickChallenge,
} from '../../src/sip/message/digest';

// RFC 7616 §3.9.1: Mufasa / "Circle of Life", GET /dir/index.html, qop=auth, nc=00000001.
const vector = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
  qop: 'auth',
};

test('RFC 7616 §3.9.1: MD5 and SHA-256 responses', () => {
  expect(digestResponse({ ...vector, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  expect(digestResponse({ ...vector, algorithm: 'SHA-256' })).toBe(
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
});

test('-sess variants (values as computed by SIPp’s test suite for the same inputs)', () => {
  expect(digestResponse({ ...vector, algorithm: 'MD5-sess' })).toBe('e783283f46242139c486a698fec7211d');
  expect(digestResponse({ ...vector, algorithm: 'SHA-256-sess' })).toBe(
    '2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7',
  );
});

test('RFC 2617 without qop: H(HA1:nonce:HA2)', () => {
  // RFC 2617 §3.5 example (qop=auth there); without qop the formula drops nc/cnonce/qop.
  const r = digestResponse({ ...vector, algorithm: 'MD5', qop: undefined });
  expect(r).toMatch(/^[0-9a-f]{32}$/);
  expect(r).not.toBe('8ca523f5e9506fed4657c9700eebdbec');
});

test('challenges parse; SHA-256 is preferred over MD5 (RFC 8760 §2.1)', () => {
  const md5 = 'Digest realm="r", nonce="n1", qop="auth,auth-int"';
  const sha = 'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth", opaque="o", stale=TRUE';
  expect(parseChallenge(md5)).toMatchObject({ algorithm: 'MD5', qop: ['auth', 'auth-int'], stale: false });
  expect(parseChallenge(sha)).toMatchObject({ algorithm: 'SHA-256', opaque: 'o', stale: true });
  expect(pickChallenge([md5, sha])?.nonce).toBe('n2');
  expect(parseChallenge('Basic realm="x"')).toBeUndefined();
  expect(parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-512')).toBeUndefined();
  // Own keys only (the header-name bug test/fuzz found, in the algorithm table).
  expect(parseChallenge('Digest realm="r", nonce="n", algorithm=constructor')).toBeUndefined();
  expect(parseChallenge('Digest realm="r", nonce="n", algorithm=__proto__')).toBeUndefined();
});

test('the Authorization value answers the challenge and the server verifies it', () => {
  let now = 1_000_000;
  const server = new DigestServer('gw.test', () => now, 60_000);
  for (const ch of server.challenges()) {
    const c = parseChallenge(ch);
    if (!c) throw new Error('unparsable challenge');
    const v = authorizationValue(c, { username: 'alice', password: 'pw' }, 'INVITE', 'sip:gw@gw.test');
    expect(v).toMatch(/^Digest nc=00000001, username="alice"/);
    expect(server.verify(v, 'INVITE', (u) => (u === 'alice' ? 'pw' : undefined)).result).toBe('ok');
    expect(server.verify(v, 'INVITE', () => 'other').result).toBe('bad');
    expect(server.verify(v, 'BYE', () => 'pw').result).toBe('bad');
    now += 120_000;
    expect(server.verify(v, 'INVITE', () => 'pw').result).toBe('stale');
    now -= 120_000;
  }
  expect(
    server.verify(
      'Digest username="x", realm="gw.test", nonce="1.2", uri="u", response="r"',
      'INVITE',
      () => 'pw',
    ).result,
  ).toBe('bad');
});
