/**
 * What the anchored video e2e tests (anchored-video, anchored-video-sip) read from rtpengine and
 * send to it: the first video stream of a tag in the call's one session (ng `list` + `query`),
 * and plain RTP packets to a port, so the new stream's counters prove media reaches it.
 */
import * as dgram from 'node:dgram';
import type { Rtpengine } from '../support/rtpengine';

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
