/**
 * src/translate/offered-formats.ts: an answer cut down to the formats of the offer (RFC 3264 §6.1),
 * codecs matched by name, clock rate and channels (rtpmap, or RFC 3551 §6 for a static payload
 * type without one); the answer's payload type numbers kept. Captured SDP: Chromium 156's audio
 * answer, baresip 1.0.0's plain INVITE.
 */
import { keepOfferedFormats } from '../../src/translate/offered-formats';
import { parseSdp } from '../../src/sdp';
import { tables } from '../support/tables';
import { read } from '../calls/support';

const chromium = (): ReturnType<typeof parseSdp> =>
  parseSdp(read('captured/chromium-156.0.8078.79-audio-answer.sdp'), tables.hashes);
const baresipOffer = read('captured/baresip-1.0.0-invite-plain.sip')
  .split('\r\n\r\n')
  .slice(1)
  .join('\r\n\r\n');

describe('keepOfferedFormats', () => {
  it('Chromium’s answer to baresip’s offer (PCMU, PCMA, opus as 96, telephone-event as 101): opus 111, PCMU, PCMA and telephone-event/8000 kept, with Chromium’s numbers', () => {
    const answer = chromium();
    expect(keepOfferedFormats(answer, parseSdp(baresipOffer, tables.hashes), tables)).toBeUndefined();
    const m = answer.media[0]!;
    expect(String(m.payloads)).toBe('111 0 8 126');
    expect(m.rtp.map((r) => r.payload)).toEqual([111, 0, 8, 126]);
    expect((m.fmtp ?? []).map((f) => f.payload)).toEqual([111]);
    expect((m.rtcpFb ?? []).every((f) => f.payload === 111 || f.payload === '111')).toBe(true);
  });

  it('a static payload type without rtpmap matches its RFC 3551 codec', () => {
    const answer = chromium();
    const offer = parseSdp(baresipOffer.replace(/^a=rtpmap:0 PCMU\/8000\r\n/m, ''), tables.hashes);
    const offerMedia = offer.media[0]!;
    offerMedia.payloads = '0';
    offerMedia.rtp = [];
    expect(keepOfferedFormats(answer, offer, tables)).toBeUndefined();
    expect(String(answer.media[0]!.payloads)).toBe('0');
  });

  it('only telephone-event in common: no media codec, the m-section named (index 0)', () => {
    const answer = chromium();
    const offer = parseSdp(
      baresipOffer
        .replace('m=audio 5332 RTP/AVP 0 8 96 101', 'm=audio 5332 RTP/AVP 9 101')
        .replace(/^a=rtpmap:(0|8|96) .*\r\n/gm, ''),
      tables.hashes,
    );
    offer.media[0]!.rtp = offer.media[0]!.rtp.filter((r) => r.payload === 101);
    offer.media[0]!.payloads = '101';
    expect(keepOfferedFormats(answer, offer, tables)).toBe(0);
  });

  it('opus with another channel count is another codec', () => {
    const answer = chromium();
    const offer = parseSdp(baresipOffer, tables.hashes);
    offer.media[0]!.rtp = offer.media[0]!.rtp.map((r) => (r.payload === 96 ? { ...r, encoding: 1 } : r));
    keepOfferedFormats(answer, offer, tables);
    expect(answer.media[0]!.rtp.map((r) => r.codec)).not.toContain('opus');
  });
});
