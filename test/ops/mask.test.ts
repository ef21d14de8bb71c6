/**
 * maskForLadder (src/ops/mask.ts): the secrets of real and spec messages become `***`, and the
 * rest of each message stays as it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskForLadder } from '../../src/ops/mask';

const fixture = (...p: string[]): string => readFileSync(join(__dirname, '..', 'fixtures', ...p), 'utf8');

/** Every line of `before` is in `after`, except those `changed` picks. */
function onlyChanged(before: string, after: string, changed: (line: string) => boolean): void {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b).toHaveLength(a.length);
  a.forEach((line, i) => {
    if (!changed(line)) expect(b[i]).toBe(line);
    else expect(b[i]).not.toBe(line);
  });
}

describe('maskForLadder', () => {
  it('masks an SDES key of a captured baresip INVITE (RFC 4568 §6.1), nothing else', () => {
    const invite = fixture('captured', 'baresip-1.0.0-invite-srtp.sip');
    const masked = maskForLadder(invite);
    expect(masked).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***');
    expect(masked).not.toContain('KHdzj/zerq3EAMwvOWh9o0+/erKBVq9QaOSX7Q7m');
    onlyChanged(invite, masked, (l) => l.startsWith('a=crypto:'));
  });

  it('keeps the lifetime and MKI of an RFC 4568 key, masks the key', () => {
    const sdp = fixture('sdp-spec', 'rfc4568-sdes.sdp');
    expect(maskForLadder(sdp)).toContain(
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***|2^20|1:4 FEC_ORDER=FEC_SRTP',
    );
  });

  it('masks a=ice-pwd of a captured Chromium offer, keeps the ufrag and fingerprint', () => {
    const sdp = fixture('captured', 'chromium-156.0.8078.79-audio-offer.sdp');
    const masked = maskForLadder(sdp);
    expect(masked).toContain('a=ice-pwd:***');
    expect(masked).not.toContain('cGv6a77Hvfvzz1tH7/nVtQLa');
    onlyChanged(sdp, masked, (l) => l.startsWith('a=ice-pwd:'));
    expect(masked).toMatch(/a=ice-ufrag:\S+/);
    expect(masked).toMatch(/a=fingerprint:sha-256 [0-9A-F:]+/);
  });

  it('masks Jingle pwd (XEP-0176) and key-params (XEP-0167 SRTP, XEP-0262)', () => {
    const ti = maskForLadder(fixture('jingle-xep', 'xep0176-transport-info.xml'));
    expect(ti).toContain("pwd='***'");
    expect(ti).not.toContain('asd88fgpdd777uzjYhagZg');
    expect(ti).toContain("ufrag='8hhy'");
    const enc = maskForLadder(fixture('jingle-xep', 'xep0167-srtp-encryption.xml'));
    expect(enc).toContain("key-params='inline:***|2^20|1:32'");
    // As ltx writes attributes: double quotes.
    expect(maskForLadder('<transport pwd="a/b+c" ufrag="x"/>')).toBe('<transport pwd="***" ufrag="x"/>');
  });

  it('masks a digest response (RFC 2617 §3.5 example), keeps the rest of the header', () => {
    const h =
      'Authorization: Digest username="Mufasa", realm="testrealm@host.com", ' +
      'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, ' +
      'cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const masked = maskForLadder(h);
    expect(masked).toBe(h.replace('6629fae49393a05397450978507c4ef1', '***'));
    expect(maskForLadder('Proxy-Authorization: Digest response=abc,realm="r"')).toBe(
      'Proxy-Authorization: Digest response="***",realm="r"',
    );
  });

  it('masks a component handshake (XEP-0114 §3) and a=key-mgmt data (RFC 4567; made-up bytes)', () => {
    expect(maskForLadder('<handshake>aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e</handshake>')).toBe(
      '<handshake>***</handshake>',
    );
    expect(maskForLadder('a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO\r\n')).toBe(
      'a=key-mgmt:mikey ***\r\n',
    );
  });
});
