/**
 * Streams added, removed and changed during a call (src/translate/content.ts): XEP-0166 §7.2
 * content-add / content-accept / content-reject / content-remove / content-modify ⇄ RFC 3264 §8
 * re-offers, with the m-line order kept and BUNDLE (RFC 8843) updated. Sessions are built from
 * captured traffic (Chromium 156, baresip 1.0.0) and the RFC 3264 §10.1 example.
 */
import { tables } from '../support/tables';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { InputError } from '../../src/errors';
import type { Content, Jingle } from '../../src/jingle/types';
import { parseSdp, writeSdp } from '../../src/sdp';
import type { Sdp } from '../../src/sdp/types';
import {
  answerDirection,
  contentAddToReoffer,
  contentModifyToReoffer,
  contentRemoveToReoffer,
  directionChanges,
  initialSlots,
  reanswer,
  reanswerToJingle,
  reofferRefused,
  reofferToJingle,
  sendersChanges,
  withTransports,
  type MidCallSession,
} from '../../src/translate/content';
import { jingleToSdpObject, sdpToJingle } from '../../src/translate/description';
import { offeredNames } from '../../src/translate/session';

const fixtures = path.join(__dirname, '..', 'fixtures');
const read = (rel: string): string => fs.readFileSync(path.join(fixtures, rel), 'utf8');
const body = (rel: string): string => read(rel).split('\r\n\r\n').slice(1).join('\r\n\r\n');
const sdp = (rel: string): Sdp => parseSdp(rel.endsWith('.sip') ? body(rel) : read(rel), tables.hashes);

const CHROME = 'captured/chromium-156.0.8078.79-';

/** An XMPP-originated WebRTC call: the client (initiator) offered Chromium's audio, the SIP side answered. */
function webrtcAudioCall(): MidCallSession {
  const local = sdp(`${CHROME}audio-offer.sdp`);
  return {
    sid: 'sid1',
    clientRole: 'initiator',
    local,
    remote: sdp(`${CHROME}audio-answer.sdp`),
    slots: initialSlots(local, offeredNames(local), 'initiator'),
  };
}

/** Chromium's video content (a=mid 1) as the client's content-add. */
function videoAdd(): Jingle {
  const av = sdpToJingle(sdp(`${CHROME}av-bundle-offer.sdp`), tables);
  return {
    action: 'content-add',
    sid: 'sid1',
    contents: av.contents.filter((c) => c.name === '1'),
    groups: [{ semantics: 'BUNDLE', contents: ['0', '1'] }],
  };
}

/** A SIP-originated call from baresip (audio only); the client (responder) answered it. */
function baresipAudioCall(): MidCallSession {
  const remote = sdp('captured/baresip-1.0.0-invite-plain.sip');
  const accept = sdpToJingle(remote, tables, { action: 'session-accept', sid: 'sid2' });
  const local = jingleToSdpObject(accept, tables, { offer: remote });
  return {
    sid: 'sid2',
    clientRole: 'responder',
    local,
    remote,
    slots: initialSlots(remote, offeredNames(remote), 'initiator'),
  };
}

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('content-add → re-offer (XEP-0166 §7.2 content-add; RFC 3264 §8.1)', () => {
  it('appends the video m-section, keeps the audio one in place, joins BUNDLE, version +1', () => {
    const s = webrtcAudioCall();
    const r = contentAddToReoffer(s, videoAdd(), tables);
    expect(r.offer.media.map((m) => [m.type, m.mid])).toEqual([
      ['audio', '0'],
      ['video', '1'],
    ]);
    expect(r.offer.origin.sessionVersion).toBe(Number(s.local.origin.sessionVersion) + 1);
    expect(r.offer.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(r.changed).toEqual([{ name: '1', index: 1 }]);
    // The audio m-section is the one already negotiated, but for its DTLS role: actpass became
    // the role the answer settled (the peer said active, so we are passive; RFC 8842 §5.5).
    expect(r.offer.media[0]?.setup).toBe('passive');
    expect({ ...r.offer.media[0], setup: 'actpass' }).toEqual(s.local.media[0]);
    // The SDP writes and reads back (nothing the writer refuses).
    expect(parseSdp(writeSdp(r.offer), tables.hashes).media).toHaveLength(2);
  });

  it('reuses a disabled slot of the same media type (RFC 3264 §8.1), not one of another type', () => {
    const s = webrtcAudioCall();
    const withVideo = contentAddToReoffer(s, videoAdd(), tables);
    const after: MidCallSession = {
      ...s,
      local: withVideo.offer,
      remote: sdp(`${CHROME}av-bundle-answer.sdp`),
      slots: withVideo.slots,
    };
    const removed = contentRemoveToReoffer(after, {
      ...videoAdd(),
      action: 'content-remove',
      contents: [{ creator: 'initiator', name: '1' }],
    });
    const disabled: MidCallSession = { ...after, local: removed.offer, slots: removed.slots };
    const again = videoAdd();
    again.contents = again.contents.map((c) => ({ ...c, name: 'video-2' }));
    const r = contentAddToReoffer(disabled, again, tables);
    expect(r.changed).toEqual([{ name: 'video-2', index: 1 }]);
    expect(r.offer.media).toHaveLength(2);
    const audio = sdpToJingle(sdp(`${CHROME}audio-offer.sdp`), tables).contents[0] as Content;
    const r2 = contentAddToReoffer(disabled, { ...again, contents: [{ ...audio, name: 'audio-2' }] }, tables);
    expect(r2.changed).toEqual([{ name: 'audio-2', index: 2 }]);
  });

  it('refuses a content name already in the session, and a content without an RTP description', () => {
    const s = webrtcAudioCall();
    const add = videoAdd();
    expect(
      inputError(() =>
        contentAddToReoffer(
          s,
          { ...add, contents: [{ ...(add.contents[0] as Content), name: '0' }] },
          tables,
        ),
      ).detail,
    ).toMatch(/already in the session/);
    expect(
      inputError(() =>
        contentAddToReoffer(s, { ...add, contents: [{ creator: 'initiator', name: 'x' }] }, tables),
      ).detail,
    ).toMatch(/no RTP <description>/);
  });

  it('the SIP answer with the video accepted → content-accept with the peer’s description (RFC 3264 §6)', () => {
    const s = webrtcAudioCall();
    const r = contentAddToReoffer(s, videoAdd(), tables);
    const answer = sdp(`${CHROME}av-bundle-answer.sdp`);
    const out = reanswerToJingle(s, r, answer, tables);
    expect(out.reject).toBeUndefined();
    expect(out.accept?.action).toBe('content-accept');
    expect(out.accept?.contents.map((c) => [c.creator, c.name, c.description?.media])).toEqual([
      ['initiator', '1', 'video'],
    ]);
    expect(out.accept?.groups).toEqual([{ semantics: 'BUNDLE', contents: ['0', '1'] }]);
    expect(out.slots).toEqual(r.slots);
  });

  it('the SIP answer with port 0 for it → content-reject, and the slot stays disabled', () => {
    const s = webrtcAudioCall();
    const r = contentAddToReoffer(s, videoAdd(), tables);
    const answer = sdp(`${CHROME}av-bundle-answer.sdp`);
    answer.media[1] = { ...(answer.media[1] as Sdp['media'][number]), port: 0 };
    const out = reanswerToJingle(s, r, answer, tables);
    expect(out.accept).toBeUndefined();
    expect(out.reject?.contents).toEqual([{ creator: 'initiator', name: '1' }]);
    expect(out.slots[1]).toBeUndefined();
  });

  it('a 488 to the re-INVITE → content-reject of everything it added, the session unchanged', () => {
    const s = webrtcAudioCall();
    const r = contentAddToReoffer(s, videoAdd(), tables);
    const out = reofferRefused(s, r);
    expect(out.reject?.action).toBe('content-reject');
    expect(out.reject?.contents).toEqual([{ creator: 'initiator', name: '1' }]);
    expect(out.slots).toEqual(s.slots);
  });

  it('an answer with another number of m-lines is refused (RFC 3264 §6)', () => {
    const s = webrtcAudioCall();
    const r = contentAddToReoffer(s, videoAdd(), tables);
    expect(inputError(() => reanswerToJingle(s, r, sdp(`${CHROME}audio-answer.sdp`), tables)).detail).toMatch(
      /RFC 3264 §6/,
    );
  });
});

describe('content-remove → port 0 (RFC 3264 §8.2)', () => {
  it('disables the m-line in place and takes it out of BUNDLE (RFC 8843 §7.5.3)', () => {
    const local = sdp(`${CHROME}av-bundle-offer.sdp`);
    const s: MidCallSession = {
      sid: 's',
      clientRole: 'initiator',
      local,
      remote: sdp(`${CHROME}av-bundle-answer.sdp`),
      slots: initialSlots(local, offeredNames(local), 'initiator'),
    };
    const r = contentRemoveToReoffer(s, {
      action: 'content-remove',
      sid: 's',
      contents: [{ creator: 'initiator', name: '1' }],
      groups: [],
    });
    expect(r.offer.media.map((m) => [m.type, m.port])).toEqual([
      ['audio', 9],
      ['video', 0],
    ]);
    expect(r.offer.media[1]).toMatchObject({ mid: '1', protocol: 'UDP/TLS/RTP/SAVPF', payloads: '96' });
    expect(r.offer.groups).toEqual([{ type: 'BUNDLE', mids: '0' }]);
    expect(r.terminate).toBeUndefined();
    expect(reanswerToJingle(s, r, sdp(`${CHROME}av-bundle-answer.sdp`), tables)).toEqual({ slots: r.slots });
  });

  it('removing the last content ends the session instead (XEP-0166 §7.2.5)', () => {
    const s = webrtcAudioCall();
    const r = contentRemoveToReoffer(s, {
      action: 'content-remove',
      sid: 's',
      contents: [{ creator: 'initiator', name: '0' }],
      groups: [],
    });
    expect(r.terminate).toBe(true);
    expect(r.offer.groups).toBeUndefined();
  });

  it('refuses a content the session does not have', () => {
    const s = webrtcAudioCall();
    expect(
      inputError(() =>
        contentRemoveToReoffer(s, {
          action: 'content-remove',
          sid: 's',
          contents: [{ creator: 'initiator', name: 'nope' }],
          groups: [],
        }),
      ).detail,
    ).toBe('is not a content of this session');
  });
});

describe('content-modify senders ⇄ direction (XEP-0166 §7.2.3; RFC 3264 §6.1)', () => {
  it.each([
    ['initiator', 'sendonly'],
    ['responder', 'recvonly'],
    ['none', 'inactive'],
    ['both', 'sendrecv'],
  ] as const)('the client (initiator) asks senders=%s → a=%s in the re-offer', (senders, direction) => {
    const s = webrtcAudioCall();
    const r = contentModifyToReoffer(s, {
      action: 'content-modify',
      sid: 's',
      contents: [{ creator: 'initiator', name: '0', senders }],
      groups: [],
    });
    expect(r.offer.media[0]?.direction).toBe(direction);
  });

  it('the peer’s answer direction comes back as the senders agreed', () => {
    const s = webrtcAudioCall();
    const r = contentModifyToReoffer(s, {
      action: 'content-modify',
      sid: 's',
      contents: [{ creator: 'initiator', name: '0', senders: 'initiator' }],
      groups: [],
    });
    const answer = sdp(`${CHROME}audio-answer.sdp`);
    answer.media[0] = { ...(answer.media[0] as Sdp['media'][number]), direction: 'recvonly' };
    expect(reanswerToJingle(s, r, answer, tables).accept?.contents).toEqual([
      { creator: 'initiator', name: '0', senders: 'initiator' },
    ]);
    answer.media[0] = { ...(answer.media[0] as Sdp['media'][number]), direction: 'inactive' };
    expect(reanswerToJingle(s, r, answer, tables).accept?.contents[0]?.senders).toBe('none');
  });

  it('RFC 3264 §6.1: what an answer may say to each offered direction', () => {
    expect(answerDirection('sendonly', 'sendrecv')).toBe('recvonly');
    expect(answerDirection('sendonly', 'inactive')).toBe('inactive');
    expect(answerDirection('recvonly', 'sendrecv')).toBe('sendonly');
    expect(answerDirection('inactive', 'sendrecv')).toBe('inactive');
    expect(answerDirection('sendrecv', 'recvonly')).toBe('recvonly');
    for (const o of ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const)
      for (const w of ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const) {
        const a = answerDirection(o, w);
        if (o === 'sendonly') expect(['recvonly', 'inactive']).toContain(a);
        if (o === 'recvonly') expect(['sendonly', 'inactive']).toContain(a);
        if (o === 'inactive') expect(a).toBe('inactive');
      }
  });
});

describe('SIP re-offer → Jingle (RFC 3264 §8 → XEP-0166 §7.2)', () => {
  it('baresip adds video to an audio call → content-add for the video only (creator: the gateway)', () => {
    const s = baresipAudioCall();
    const out = reofferToJingle(s, sdp('captured/baresip-1.0.0-invite-video.sip'), tables);
    expect(out.add?.action).toBe('content-add');
    expect(out.add?.contents.map((c) => [c.creator, c.name, c.description?.media])).toEqual([
      ['initiator', 'video', 'video'],
    ]);
    expect(out.add?.contents[0]?.description?.payloadTypes.map((p) => p.name)).toEqual(['VP8']);
    expect(out.remove).toBeUndefined();
    expect(out.modify).toBeUndefined();
    expect(out.added).toEqual([{ name: 'video', index: 1 }]);
  });

  it('the client’s content-accept → the SDP answer: audio as before, video answered (RFC 3264 §6)', () => {
    const s = baresipAudioCall();
    const offer = sdp('captured/baresip-1.0.0-invite-video.sip');
    const change = reofferToJingle(s, offer, tables);
    const accepted = (change.add as Jingle).contents;
    const answer = reanswer(s, offer, change, { accepted, rejected: [] }, tables);
    expect(answer.media.map((m) => [m.type, m.port !== 0])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    expect(answer.media[0]).toEqual({ ...s.local.media[0], direction: 'sendrecv' });
    expect(answer.origin.sessionVersion).toBe(Number(s.local.origin.sessionVersion) + 1);
    expect(parseSdp(writeSdp(answer), tables.hashes).media[1]?.rtp.map((r) => r.codec)).toEqual(['VP8']);
  });

  it('the client’s content-reject → the video answered with port 0', () => {
    const s = baresipAudioCall();
    const offer = sdp('captured/baresip-1.0.0-invite-video.sip');
    const change = reofferToJingle(s, offer, tables);
    const answer = reanswer(s, offer, change, { accepted: [], rejected: ['video'] }, tables);
    expect(answer.media.map((m) => m.port === 0)).toEqual([false, true]);
    expect(answer.media[1]?.type).toBe('video');
  });

  it('RFC 3264 §10.1: disabling the video → content-remove; a one-stream direction change → content-modify', () => {
    const remote = sdp('sdp-spec/rfc3264-offer.sdp');
    const local = sdp('sdp-spec/rfc3264-answer.sdp');
    const s: MidCallSession = {
      sid: 's',
      clientRole: 'responder',
      local,
      remote,
      slots: initialSlots(remote, offeredNames(remote), 'initiator'),
    };
    const offer = structuredClone(remote);
    (offer.media[1] as Sdp['media'][number]).port = 0;
    expect(reofferToJingle(s, offer, tables).remove?.contents).toEqual([
      { creator: 'initiator', name: 'video' },
    ]);
    const one = structuredClone(remote);
    (one.media[1] as Sdp['media'][number]).direction = 'sendonly';
    expect(reofferToJingle(s, one, tables).modify?.contents).toEqual([
      { creator: 'initiator', name: 'video', senders: 'initiator' },
    ]);
    // Every stream sendonly is a hold (RFC 3264 §8.4): <hold/>, not content-modify.
    const held = structuredClone(one);
    (held.media[0] as Sdp['media'][number]).direction = 'sendonly';
    expect(reofferToJingle(s, held, tables).modify).toBeUndefined();
    // The answer to the one-stream change: recvonly for the video (§6.1), the audio as before.
    const answer = reanswer(s, one, reofferToJingle(s, one, tables), { accepted: [], rejected: [] }, tables);
    expect(answer.media.map((m) => m.direction)).toEqual(['sendrecv', 'recvonly']);
  });

  it('refuses an offer that drops m-lines or changes a live stream’s media type (RFC 3264 §8)', () => {
    const remote = sdp('sdp-spec/rfc3264-offer.sdp');
    const s: MidCallSession = {
      sid: 's',
      clientRole: 'responder',
      local: sdp('sdp-spec/rfc3264-answer.sdp'),
      remote,
      slots: initialSlots(remote, offeredNames(remote), 'initiator'),
    };
    const fewer = structuredClone(remote);
    fewer.media.pop();
    expect(inputError(() => reofferToJingle(s, fewer, tables)).detail).toMatch(
      /has 1 m-lines where the session has 2/,
    );
    const retyped = structuredClone(remote);
    (retyped.media[1] as Sdp['media'][number]).type = 'audio';
    expect(inputError(() => reofferToJingle(s, retyped, tables)).detail).toMatch(/changes the media type/);
  });
});

describe('properties', () => {
  const video = () => videoAdd().contents[0] as Content;
  const audio = () => sdpToJingle(sdp(`${CHROME}audio-offer.sdp`), tables).contents[0] as Content;
  type Op = { add: 'audio' | 'video' } | { remove: number };
  const ops = fc.array(
    fc.oneof(
      fc.record({ add: fc.constantFrom<'audio' | 'video'>('audio', 'video') }),
      fc.record({ remove: fc.nat(5) }),
    ),
    {
      maxLength: 8,
    },
  );

  it('property: any run of content-add/content-remove keeps every m-line in place and counts versions', () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        let s = webrtcAudioCall();
        let n = 0;
        for (const op of list) {
          const live = s.slots.flatMap((x, i) => (x ? [{ ...x, i }] : []));
          let r;
          if ('add' in op) {
            const c = op.add === 'video' ? video() : audio();
            r = contentAddToReoffer(
              s,
              {
                action: 'content-add',
                sid: s.sid,
                contents: [{ ...c, name: `c${n++}` }],
                groups: [],
              },
              tables,
            );
          } else {
            const target = live[op.remove % Math.max(live.length, 1)];
            if (!target || live.length < 2) continue;
            r = contentRemoveToReoffer(s, {
              action: 'content-remove',
              sid: s.sid,
              contents: [{ creator: target.creator, name: target.name }],
              groups: [],
            });
          }
          expect(r.offer.media.length).toBeGreaterThanOrEqual(s.local.media.length);
          expect(r.offer.origin.sessionVersion).toBe(Number(s.local.origin.sessionVersion) + 1);
          s.local.media.forEach((m, i) => {
            const now = r.offer.media[i];
            // A line keeps its media type; only a disabled line may take a new stream.
            expect(now?.type).toBe(m.type);
            if (m.port !== 0 && r.slots[i] !== undefined) expect(now?.port).toBe(m.port);
          });
          const bundle = r.offer.groups?.find((g) => g.type === 'BUNDLE');
          const liveMids = r.offer.media.filter((m) => m.port !== 0).map((m) => m.mid);
          for (const mid of bundle?.mids.split(' ') ?? []) expect(liveMids).toContain(mid);
          s = { ...s, local: r.offer, slots: r.slots };
        }
      }),
      { numRuns: 60 },
    );
  });

  it('property: a content-add re-offer, read by the other side, is a content-add of the same contents', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'audio' | 'video'>('audio', 'video'),
        fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
        (kind, name) => {
          fc.pre(name !== '0');
          const s = webrtcAudioCall();
          const c = kind === 'video' ? video() : audio();
          const r = contentAddToReoffer(
            s,
            {
              action: 'content-add',
              sid: s.sid,
              contents: [{ ...c, name }],
              groups: [],
            },
            tables,
          );
          // The SIP peer's view: its remote is our offer; its slots are ours before the change.
          const mirror: MidCallSession = { ...s, clientRole: 'responder', local: s.remote, remote: s.local };
          const seen = reofferToJingle(mirror, parseSdp(writeSdp(r.offer), tables.hashes), tables);
          expect(seen.added).toEqual(r.changed);
          expect(
            seen.add?.contents.map((x) => [x.name, x.description?.media, x.description?.payloadTypes.length]),
          ).toEqual([[name, kind, c.description?.payloadTypes.length]]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('withTransports: an SDP from the last one sent takes the client’s current ICE transport', () => {
  const last = (): Sdp => sdp(`${CHROME}audio-offer.sdp`);
  it('new candidates and, after an ICE restart, new credentials replace the old; codecs and direction stay', () => {
    const current = last();
    current.media[0]!.candidates = [
      ...(current.media[0]!.candidates ?? []),
      { ...current.media[0]!.candidates![0]!, foundation: '9', ip: '198.51.100.40', port: 41000 },
    ];
    const out = withTransports(last(), current);
    expect(out.media[0]!.candidates!.map((c) => c.ip)).toContain('198.51.100.40');
    expect(out.media[0]!.rtp).toEqual(last().media[0]!.rtp);
    const restarted = last();
    restarted.media[0]!.iceUfrag = 'N3wU';
    restarted.media[0]!.icePwd = 'n3wPwdn3wPwdn3wPwdn3wP';
    restarted.media[0]!.candidates = [];
    const r = withTransports(last(), restarted);
    expect([r.media[0]!.iceUfrag, r.media[0]!.icePwd, r.media[0]!.candidates]).toEqual([
      'N3wU',
      'n3wPwdn3wPwdn3wPwdn3wP',
      [],
    ]);
  });

  it('a section with no candidates of its own and the same credentials keeps what it had; other media types are left alone', () => {
    const bare = last();
    delete bare.media[0]!.candidates;
    expect(withTransports(last(), bare).media[0]!.candidates).toEqual(last().media[0]!.candidates);
    const video = last();
    video.media[0]!.type = 'video';
    video.media[0]!.iceUfrag = 'N3wU';
    expect(withTransports(last(), video).media[0]!.iceUfrag).toBe(last().media[0]!.iceUfrag);
  });
});

describe('directionChanges: the streams a SIP re-offer redirects, as content-modify contents', () => {
  it("the peer's recvonly → sendonly is senders=its role; unchanged and disabled streams are not listed", () => {
    const s = webrtcAudioCall();
    const offer = structuredClone(s.remote);
    expect(directionChanges(s.slots, s.remote, offer, 'responder')).toEqual([]);
    offer.media[0]!.direction = 'sendonly';
    expect(directionChanges(s.slots, s.remote, offer, 'responder')).toEqual([
      { creator: 'initiator', name: '0', senders: 'responder' },
    ]);
    offer.media[0]!.port = 0;
    expect(directionChanges(s.slots, s.remote, offer, 'responder')).toEqual([]);
  });
});

describe('sendersChanges: the agreed senders an answer to a SIP re-offer changes', () => {
  it("the peer's sendonly answered recvonly → senders responder; a sendrecv the client's own senders absorb → none listed", () => {
    const s = webrtcAudioCall();
    // The peer's last SDP says recvonly: with the client sending both ways, only the client sends.
    const answer = structuredClone(s.local);
    answer.media[0]!.direction = 'recvonly';
    expect(sendersChanges(s.slots, s.remote, answer, 'initiator', () => 'both')).toEqual([
      { creator: 'initiator', name: '0', senders: 'responder' },
    ]);
    answer.media[0]!.direction = 'sendonly';
    expect(sendersChanges(s.slots, s.remote, answer, 'initiator', () => 'both')).toEqual([]);
    // The peer offers sendrecv where the client only sends: answered sendonly, nothing changes.
    const before = structuredClone(s.remote);
    before.media[0]!.direction = 'sendrecv';
    expect(sendersChanges(s.slots, before, answer, 'initiator', () => 'initiator')).toEqual([]);
  });
});
