/**
 * The anchoring decision of `auto`, `always` and `never` (docs/media.md §Deciding), as a table:
 * offer shape × policy → anchor or not; what a direct answer that cannot work is refused with;
 * and the ng flags of each offer profile. Shapes come from captured SDPs and Jingle.
 */
import { defaultConfig } from '../../src/config/config';
import { parseJingleXml } from '../../src/jingle';
import { answerProblem, anchorHint, decideSipToXmpp, decideXmppToSip } from '../../src/media/decide';
import { concreteProfile, towardSip, towardXmpp } from '../../src/media/flags';
import { mediaPolicy, type MediaPolicy } from '../../src/media/policy';
import { jingleShape, sdpShape, type MediaShape } from '../../src/media/shape';
import { parseSdp, writeSdp } from '../../src/sdp';
import { toCapNegOffer } from '../../src/media/capneg-offer';
import { read } from '../calls/support';
import { tables } from '../support/tables';

const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const shape = {
  baresipPlain: sdpShape(parseSdp(body('captured/baresip-1.0.0-invite-plain.sip'), tables.hashes)),
  baresipDtls: sdpShape(parseSdp(body('captured/baresip-1.0.0-invite-dtls_srtp.sip'), tables.hashes)),
  baresipSdes: sdpShape(parseSdp(body('captured/baresip-1.0.0-invite-srtp.sip'), tables.hashes)),
  chromium: sdpShape(parseSdp(read('captured/chromium-156.0.8078.79-audio-offer.sdp'), tables.hashes)),
  xep0320: jingleShape(
    parseJingleXml(read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml'), tables.hashes).jingle,
  ),
};

const policy = (p: Partial<MediaPolicy>): MediaPolicy => ({
  mode: 'auto',
  available: true,
  offer: ['as-offered'],
  ...p,
});

describe('media shapes of captured offers', () => {
  it.each<[keyof typeof shape, MediaShape]>([
    ['baresipPlain', { ice: false, dtls: false, sdes: false, capneg: false }],
    ['baresipDtls', { ice: false, dtls: true, sdes: false, capneg: false }],
    ['baresipSdes', { ice: false, dtls: false, sdes: true, capneg: false }],
    ['chromium', { ice: true, dtls: true, sdes: false, capneg: false }],
    ['xep0320', { ice: true, dtls: true, sdes: false, capneg: false }],
  ])('%s', (name, want) => {
    expect(shape[name]).toEqual(want);
  });
});

describe('SIP → XMPP: anchor unless the SIP offer has ICE and DTLS-SRTP', () => {
  it.each<[string, MediaShape, Partial<MediaPolicy>, boolean]>([
    ['plain RTP, auto', shape.baresipPlain, {}, true],
    ['DTLS without ICE, auto', shape.baresipDtls, {}, true],
    ['SDES, auto', shape.baresipSdes, {}, true],
    ['ICE + DTLS, auto', shape.chromium, {}, false],
    ['ICE + DTLS, always', shape.chromium, { mode: 'always' }, true],
    ['plain RTP, never', shape.baresipPlain, { mode: 'never' }, false],
    ['plain RTP, auto, no rtpengine', shape.baresipPlain, { available: false }, false],
  ])('%s', (_what, offer, p, anchored) => {
    expect(decideSipToXmpp(offer, policy(p)).anchor).toBe(anchored);
  });
});

describe('XMPP → SIP: anchor unless the route declares a peer that does what the offer asks', () => {
  it.each<[string, MediaShape, Partial<MediaPolicy>, boolean]>([
    ['ICE + DTLS offer, nothing declared', shape.xep0320, {}, true],
    ['ICE + DTLS offer, peer ICE + DTLS', shape.xep0320, { peer: { ice: true, dtls: true } }, false],
    ['ICE + DTLS offer, peer DTLS only', shape.xep0320, { peer: { ice: false, dtls: true } }, true],
    ['ICE + DTLS offer, peer ICE only', shape.xep0320, { peer: { ice: true, dtls: false } }, true],
    ['plain offer, peer plain', shape.baresipPlain, { peer: { ice: false, dtls: false } }, false],
    [
      'ICE + DTLS, peer both, always',
      shape.xep0320,
      { mode: 'always', peer: { ice: true, dtls: true } },
      true,
    ],
    ['ICE + DTLS, never', shape.xep0320, { mode: 'never' }, false],
    ['ICE + DTLS, no rtpengine', shape.xep0320, { available: false }, false],
  ])('%s', (_what, offer, p, anchored) => {
    expect(decideXmppToSip(offer, policy(p)).anchor).toBe(anchored);
  });
});

describe('a direct answer that cannot work is refused with the reason', () => {
  it.each<[string, MediaShape, MediaShape, string | undefined]>([
    [
      'ICE + DTLS offer, baresip DTLS answer (no ICE)',
      shape.xep0320,
      shape.baresipDtls,
      'unsupported-transports',
    ],
    ['ICE + DTLS offer, plain answer', shape.xep0320, shape.baresipPlain, 'security-error'],
    ['ICE + DTLS offer, ICE + DTLS answer', shape.xep0320, shape.chromium, undefined],
    ['plain offer, plain answer', shape.baresipPlain, shape.baresipPlain, undefined],
  ])('%s', (_what, offer, answer, condition) => {
    const r = answerProblem(offer, answer, anchorHint(policy({ available: false })));
    expect(r?.condition).toBe(condition);
    if (r) expect(r.text).toMatch(/no media anchor is configured \(media\.rtpengine\)/);
  });
});

describe('offer profiles → ng flags', () => {
  it('as-offered follows the Jingle offer', () => {
    expect(concreteProfile('as-offered', shape.xep0320)).toBe('dtls');
    expect(concreteProfile('as-offered', shape.baresipSdes)).toBe('sdes');
    expect(concreteProfile('as-offered', shape.baresipPlain)).toBe('rtp');
    expect(concreteProfile('sdes', shape.xep0320)).toBe('sdes');
  });

  it.each([
    ['dtls', 'UDP/TLS/RTP/SAVP'],
    ['capneg', 'UDP/TLS/RTP/SAVP'],
    ['sdes', 'RTP/SAVP'],
    ['rtp', 'RTP/AVP'],
  ] as const)('%s → %s toward the SIP peer, ICE removed', (profile, proto) => {
    const f = towardSip(profile);
    expect(f['transport-protocol']).toBe(proto);
    expect(f.ICE).toBe('remove');
  });

  it('toward the XMPP client: ICE forced, DTLS-SRTP with feedback, rtcp-mux, no SDES', () => {
    expect(towardXmpp()).toMatchObject({
      ICE: 'force',
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      'rtcp-mux': ['offer', 'require'],
      SDES: ['off'],
    });
  });
});

describe('the policy of a call', () => {
  it('takes a trunk override by the target host', () => {
    const c = defaultConfig();
    c.sip.trunks = [
      {
        name: 'webrtc-pbx',
        host: 'pbx.example.net',
        username: 'u',
        password: 'p',
        media: { anchor: 'never' },
      },
    ];
    expect(mediaPolicy(c, 'sip:+1555@pbx.example.net:5060').mode).toBe('never');
    expect(mediaPolicy(c, 'sip:+1555@other.example.net').mode).toBe('auto');
    expect(mediaPolicy(c).available).toBe(true);
  });
});

describe('the capneg profile', () => {
  it("turns rtpengine's DTLS offer into RTP/AVP with DTLS as RFC 5939 potential configuration 1", () => {
    // rtpengine's offer toward a SIP peer, DTLS profile: the captured RTP rewrite with the
    // protocol and rtpengine's fingerprint and setup of a DTLS one.
    const dtls = parseSdp(
      read('captured/rtpengine-10.5.3-offer-rtp-for-sip.sdp')
        .replace(' RTP/AVP ', ' UDP/TLS/RTP/SAVP ')
        .replace(
          /\r\n$/,
          `\r\na=setup:actpass\r\na=fingerprint:sha-256 ${Array(32).fill('7E').join(':')}\r\n`,
        ),
      tables.hashes,
    );
    const out = writeSdp(toCapNegOffer(dtls));
    expect(out).toMatch(/\r\nm=audio \d+ RTP\/AVP /);
    expect(out).toMatch(/\r\na=tcap:1 UDP\/TLS\/RTP\/SAVP RTP\/AVP\r\n/);
    expect(out).toMatch(/\r\na=pcfg:1 t=1\r\n/);
    expect(out).toMatch(/\r\na=fingerprint:sha-256 7E(:7E){31}\r\n/);
    expect(out).toMatch(/\r\na=setup:actpass\r\n/);
    expect(sdpShape(parseSdp(out, tables.hashes))).toMatchObject({ dtls: false, capneg: true });
  });
});
