/**
 * What the anchored video e2e tests (anchored-video, anchored-video-sip) read from rtpengine and
 * send to it: the first video stream of a tag in the call's one session (ng `list` + `query`),
 * and plain RTP packets to a port, so the new stream's counters prove media reaches it.
 */
import * as dgram from 'node:dgram';
import type { Rtpengine } from '../support/rtpengine';
import type { Element } from './harness';
import { NS_DTLS, NS_ICE, NS_RTP } from './stanzas';

export interface Stream {
  'local port'?: number;
  stats?: { packets?: number };
}
type Tags = Record<string, { medias?: Array<{ type?: string; streams?: Stream[] }> }>;

/** The first stream of `tag`'s video media in the call's one rtpengine session. */
export async function videoStream(rtp: Rtpengine, tag: 'jingle' | 'sip'): Promise<Stream | undefined> {
  const [id] = await rtp.control.list();
  if (id === undefined) return undefined;
  const tags = (await rtp.control.query(id)).tags as Tags;
  return tags[tag]?.medias?.find((m) => m.type === 'video')?.streams?.[0];
}

/** `n` RTP packets (RFC 3550 §5.1 header, VP8 payload type 96) to 127.0.0.1:`port`. */
export async function sendRtp(port: number, n: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (let i = 0; i < n; i++) {
    const p = Buffer.alloc(12 + 20);
    p[0] = 0x80;
    p[1] = 96;
    p.writeUInt16BE(i, 2);
    p.writeUInt32BE(i * 3000, 4);
    p.writeUInt32BE(0x5eed5eed, 8);
    await new Promise<void>((r) => s.send(p, port, '127.0.0.1', () => r()));
    await new Promise((r) => setTimeout(r, 20));
  }
  s.close();
}

/** Polls rtpengine until `f` gives a value that `done` accepts (or 3 s pass); returns the last. */
async function poll<T>(f: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let v = await f();
  for (let i = 0; i < 30 && !done(v); i++) {
    await new Promise((res) => setTimeout(res, 100));
    v = await f();
  }
  return v;
}

/** rtpengine's SIP-side video port once it has one (0 if none within 3 s). */
export function sipVideoPort(rtp: Rtpengine): Promise<number> {
  return poll(
    async () => (await videoStream(rtp, 'sip'))?.['local port'] ?? 0,
    (p) => p > 0,
  );
}

/** Sends `n` RTP packets to `port` and returns what rtpengine's SIP-side video stream counted (within 3 s). */
export async function packetsCounted(rtp: Rtpengine, port: number, n: number): Promise<number> {
  await sendRtp(port, n);
  return poll(
    async () => (await videoStream(rtp, 'sip'))?.stats?.packets ?? 0,
    (k) => k >= n,
  );
}

/**
 * The content-add the gateway sends for a SIP peer's new video through the anchor: a video
 * content named `video` (the peer's m=video has no a=mid) by `creator` (the side the gateway
 * speaks for), with rtpengine's ICE transport, a fingerprint offering actpass, and a candidate
 * on rtpengine's Jingle-side video port.
 */
export async function expectAnchorContentAdd(add: Element, rtp: Rtpengine, creator: string): Promise<void> {
  const content = add.getChild('content');
  expect(content?.attrs).toMatchObject({ creator, name: 'video' });
  expect(content?.getChild('description', NS_RTP)?.attrs.media).toBe('video');
  const t = content?.getChild('transport', NS_ICE);
  expect(t?.attrs.ufrag).toEqual(expect.any(String));
  expect(t?.getChild('fingerprint', NS_DTLS)?.attrs.setup).toBe('actpass');
  const toClient = await videoStream(rtp, 'jingle');
  expect(t?.getChildren('candidate').map((c) => Number(c.attrs.port))).toContain(toClient?.['local port']);
}
