/**
 * src/mask.ts on real messages: baresip's INVITEs after a 401 and a 407 (digest credentials and
 * SDES keys), Chromium's and rtpengine's SDP (ICE passwords), the XEP-0167 crypto and XEP-0176
 * transport examples, RFC 5939's potential SDES configuration. Only the secrets change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MASK, maskSecrets } from '../../src/mask';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const read = (...p: string[]): string => fs.readFileSync(path.join(FIXTURES, ...p), 'utf8');

/** The lines that differ, as [before, after]; the line count must not change. */
function changed(before: string, after: string): Array<[string, string]> {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b).toHaveLength(a.length);
  return a.flatMap((l, i): Array<[string, string]> => (l === b[i] ? [] : [[l, b[i] as string]]));
}

describe('maskSecrets', () => {
  it('masks the digest response of Authorization and the SDES key (baresip after a 401)', () => {
    const msg = read('captured', 'baresip-1.0.0-invite-authorization.sip');
    expect(changed(msg, maskSecrets(msg))).toEqual([
      [
        'Authorization: Digest username="trunkuser", realm="sipp.test", nonce="913n1x7f", uri="sip:bob@127.0.0.1:5090", response="e1597408df0a0897d573745463e522f5"\r',
        'Authorization: Digest username="trunkuser", realm="sipp.test", nonce="913n1x7f", uri="sip:bob@127.0.0.1:5090", response="***"\r',
      ],
      [
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:7wzkJlxrxwmOcOGQ+mLOStNxSSqgGLa9lL0G44aa\r',
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***\r',
      ],
    ]);
  });

  it('masks Proxy-Authorization with qop, keeping cnonce, nc and opaque (baresip after a 407)', () => {
    const msg = read('captured', 'baresip-1.0.0-invite-proxy-authorization.sip');
    const masked = maskSecrets(msg);
    expect(changed(msg, masked).map(([, after]) => after)).toEqual([
      'Proxy-Authorization: Digest username="trunkuser", realm="sipp.test", nonce="956n1x7f", uri="sip:bob@127.0.0.1:5090", response="***", opaque="op1", cnonce="f2e1af607f082d27", qop=auth, nc=00000001\r',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***\r',
    ]);
    expect(masked).not.toContain('2902b30be90bef32e56988861fd6c918');
  });

  it.each([
    'baresip-1.0.0-invite-srtp.sip',
    'baresip-1.0.0-200ok-srtp.sip',
    'baresip-1.0.0-invite-srtp-mand.sip',
    'baresip-1.0.0-200ok-srtp-mandf.sip',
  ])('masks every a=crypto key of %s, and nothing else', (file) => {
    const msg = read('captured', file);
    const keys = [...msg.matchAll(/inline:([A-Za-z0-9+/=]+)/g)].map((m) => m[1] as string);
    expect(keys.length).toBeGreaterThan(0);
    const masked = maskSecrets(msg);
    for (const k of keys) expect(masked).not.toContain(k);
    for (const [before, after] of changed(msg, masked)) {
      expect(before).toMatch(/^a=crypto:/);
      expect(after).toBe(before.replace(/inline:[^|\r]+/, `inline:${MASK}`));
    }
  });

  it('masks the SDES key of an RFC 5939 potential configuration, keeping lifetime and MKI', () => {
    const sdp = read('sdp-spec', 'rfc5939-srtp-offer.sdp');
    // The RFC's text ends its lines in spaces (kept verbatim in the fixture).
    expect(changed(sdp, maskSecrets(sdp)).map(([a, b]) => [a.trimEnd(), b.trimEnd()])).toEqual([
      [
        'a=acap:1 crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4',
        'a=acap:1 crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***|2^20|1:4',
      ],
    ]);
  });

  it.each([
    ['captured', 'chromium-156.0.8078.79-audio-offer.sdp'],
    ['captured', 'chromium-156.0.8078.79-av-bundle-answer.sdp'],
    ['captured', 'rtpengine-10.5.3-offer-webrtc-for-xmpp.sdp'],
    ['sdp-spec', 'webrtc-ice-dtls.sdp'],
  ])('masks a=ice-pwd in %s/%s, keeping ufrag and fingerprint', (dir, file) => {
    const sdp = read(dir, file);
    const pwds = [...sdp.matchAll(/^a=ice-pwd:(\S+)/gm)].map((m) => m[1] as string);
    expect(pwds.length).toBeGreaterThan(0);
    const masked = maskSecrets(sdp);
    for (const p of pwds) expect(masked).not.toContain(p);
    const diff = changed(sdp, masked);
    expect(diff).toHaveLength(pwds.length);
    for (const [, after] of diff) expect(after.replace(/\r$/, '')).toBe(`a=ice-pwd:${MASK}`);
    expect(masked).toMatch(/^a=ice-ufrag:\S+/m);
    expect(masked).toMatch(/^a=fingerprint:sha-256 [0-9A-F:]{95}/im);
  });

  it('masks XEP-0167 <crypto key-params> and keeps the suite and session parameters', () => {
    const xml = read('jingle-xep', 'xep0167-srtp-encryption.xml');
    expect(changed(xml, maskSecrets(xml))).toEqual([
      [
        "      key-params='inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32' ",
        "      key-params='inline:***|2^20|1:32' ",
      ],
    ]);
  });

  it.each(['xep0176-transport-info.xml', 'xep0320-ex01-initiate-fingerprint.xml'])(
    'masks the ICE pwd of <transport> in %s, keeping the ufrag',
    (file) => {
      const xml = read('jingle-xep', file);
      expect(changed(xml, maskSecrets(xml))).toEqual([
        ["                 pwd='asd88fgpdd777uzjYhagZg'", "                 pwd='***'"],
      ]);
    },
  );

  it('masks the XEP-0114 handshake and literal secrets', () => {
    // What xmpp.js writes: SHA-1(stream id + secret) in hex (XEP-0114 §3).
    expect(maskSecrets('<handshake>0123456789abcdef0123456789abcdef01234567</handshake>')).toBe(
      '<handshake>***</handshake>',
    );
    expect(maskSecrets("<handshake xmlns='jabber:component:accept'>ab12</handshake>")).toBe(
      "<handshake xmlns='jabber:component:accept'>***</handshake>",
    );
    expect(maskSecrets('<x>s3cret, s3cret</x>', ['s3cret', ''])).toBe('<x>***, ***</x>');
  });

  it('masks other schemes whole, folded digest headers, unquoted responses and MIKEY data', () => {
    // Constructed (no capture has them): Basic credentials (RFC 7617), a header folded over two
    // lines (RFC 3261 §7.3.1), a token response, and RFC 4567 §3.1's a=key-mgmt shape.
    expect(maskSecrets('Authorization: Basic dHJ1bmt1c2VyOnMzY3JldA==\r\n')).toBe(
      'Authorization: Basic ***\r\n',
    );
    expect(
      maskSecrets(
        'proxy-authorization: Digest username="u", realm="r",\r\n  nonce="n", response="abc"\r\nTo: x\r\n',
      ),
    ).toBe(
      'proxy-authorization: Digest username="u", realm="r",\r\n  nonce="n", response="***"\r\nTo: x\r\n',
    );
    expect(maskSecrets('Authorization: Digest response=abc, username="u"')).toBe(
      'Authorization: Digest response=***, username="u"',
    );
    expect(maskSecrets('a=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO\r\n')).toBe(
      'a=key-mgmt:mikey ***\r\n',
    );
    // WWW-Authenticate challenges carry no secret and stay as they are.
    const challenge = 'WWW-Authenticate: Digest realm="sipp.test", nonce="913n1x7f", algorithm=MD5\r\n';
    expect(maskSecrets(challenge)).toBe(challenge);
  });

  it('leaves messages without secrets byte for byte, and masking twice changes nothing more', () => {
    const captured = fs.readdirSync(path.join(FIXTURES, 'captured')).sort();
    for (const f of [
      'sipp-3.6.1-uac-invite.sip',
      'baresip-1.0.0-invite-plain.sip',
      'baresip-1.0.0-invite-dtls_srtp.sip',
    ])
      expect(maskSecrets(read('captured', f))).toBe(read('captured', f));
    for (const f of captured) {
      const once = maskSecrets(read('captured', f));
      expect(maskSecrets(once)).toBe(once);
    }
  });
});
