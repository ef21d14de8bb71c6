/**
 * Answers per RFC 3264 §6 and RFC 5939: the offer's m-sections in order (rejected ones with
 * port 0), the offer's profile, and the attribute capabilities a configuration took.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSdp } from '../../src/sdp';
import { jingleToSdp, sdpToJingle } from '../../src/translate/description';
import { tables } from '../support/tables';

const fixtures = path.join(__dirname, '..', 'fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(fixtures, rel), 'utf8');
const body = (rel: string): string => read(rel).split('\r\n\r\n').slice(1).join('\r\n\r\n');

describe('answers (RFC 3264 §6)', () => {
  it('an offered stream the Jingle side did not accept comes back with port 0, in its place', () => {
    const offer = parseSdp(body('captured/baresip-1.0.0-invite-video.sip'), tables.hashes);
    const answer = sdpToJingle(offer, tables, { action: 'session-accept' });
    answer.contents = answer.contents.filter((c) => c.description?.media === 'audio');
    const sdp = parseSdp(jingleToSdp(answer, tables, { offer }), tables.hashes);
    expect(sdp.media.map((m) => m.type)).toEqual(offer.media.map((m) => m.type));
    const video = sdp.media.find((m) => m.type === 'video')!;
    expect(video.port).toBe(0);
    expect(sdp.media.find((m) => m.type === 'audio')!.port).not.toBe(0);
  });

  it('a rejected m-section in an SDP answer is left out of the session-accept', () => {
    const j = sdpToJingle(read('sdp-spec/rfc3264-answer-rejected-video.sdp'), tables, {
      action: 'session-accept',
    });
    const sdp = parseSdp(read('sdp-spec/rfc3264-answer-rejected-video.sdp'), tables.hashes);
    expect(j.contents).toHaveLength(sdp.media.filter((m) => m.port !== 0).length);
  });

  it('an answer that would change the profile beyond the F is refused, naming the content', () => {
    const offer = parseSdp(body('captured/baresip-1.0.0-invite-plain.sip'), tables.hashes);
    const answer = sdpToJingle(body('captured/baresip-1.0.0-200ok-dtls_srtp.sip'), tables, {
      action: 'session-accept',
    });
    expect(() => jingleToSdp(answer, tables, { offer })).toThrow(
      /answers UDP\/TLS\/RTP\/SAVPF? to an offer of RTP\/AVP/,
    );
  });

  it('keys offered over RTP/AVP (best-effort SRTP) are answered over RTP/AVP', () => {
    const offer = parseSdp(body('captured/baresip-1.0.0-invite-srtp.sip'), tables.hashes);
    expect(offer.media[0]!.protocol).toBe('RTP/AVP');
    const answer = sdpToJingle(offer, tables, { action: 'session-accept' });
    answer.contents[0]!.description!.encryption!.required = true;
    expect(parseSdp(jingleToSdp(answer, tables, { offer }), tables.hashes).media[0]!.protocol).toBe(
      'RTP/AVP',
    );
  });
});

describe('RFC 5939 attribute capabilities', () => {
  it('a fingerprint offered as a=acap of the DTLS configuration reaches the XTLS <security>', () => {
    const j = sdpToJingle(read('sdp-spec/rfc5939-dtls-srtp-offer.sdp'), tables);
    const sec = j.contents[0]!.security!;
    expect(sec.fingerprints).toHaveLength(1);
    expect(sec.methods).toContain('x509');
  });

  it('keys offered as a=acap of a potential RTP/SAVP configuration are optional SDES', () => {
    const j = sdpToJingle(read('sdp-spec/rfc5939-srtp-offer.sdp'), tables);
    const enc = j.contents[0]!.description!.encryption!;
    expect(enc.required).toBe(false);
    expect(enc.cryptos[0]!.cryptoSuite).toBe('AES_CM_128_HMAC_SHA1_80');
  });

  it('the answer taking the DTLS configuration names its attribute capabilities in a=acfg', () => {
    const offer = parseSdp(read('sdp-spec/rfc5939-dtls-srtp-offer.sdp'), tables.hashes);
    const pcfg = offer.media[0]!.capneg.pcfg.find((c) => c.attributes)!;
    const answer = sdpToJingle(offer, tables, { action: 'session-accept' });
    const text = jingleToSdp(answer, tables, { offer });
    const acfg = parseSdp(text, tables.hashes).media[0]!.capneg.acfg[0]!;
    expect(acfg.num).toBe(pcfg.num);
    expect(acfg.attributes?.nums).toEqual(pcfg.attributes!.alternatives[0]!.map((a) => a.num));
  });
});
