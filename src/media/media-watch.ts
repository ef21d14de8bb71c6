/**
 * Is media still flowing through the anchor? (docs/policy.md §Dead peers.) rtpengine's ng `query`
 * answer lists, per side (tag), each media's streams with `stats.packets`: the packets rtpengine
 * received from that side, RTP and RTCP (an on-hold or inactive side still sends RTCP, RFC 3264
 * §5.1). A side whose count has not grown for `silenceMs` of our own clock is silent: the peer
 * behind it is gone. Our clock, not rtpengine's `last packet` timestamps, so a skewed anchor clock
 * cannot end calls. Pure: the caller passes the time and the answers.
 */
import type { BValue } from './bencode';
import type { NgDict } from './ng-client';

export type MediaVerdict = { kind: 'ok' } | { kind: 'silent'; tag: string; seconds: number };

const dict = (v: BValue | undefined): { [key: string]: BValue } | undefined =>
  typeof v === 'object' && !Array.isArray(v) ? v : undefined;
const list = (v: BValue | undefined): BValue[] => (Array.isArray(v) ? v : []);

/** Packets received from each side so far: `tags.<tag>.medias[].streams[].stats.packets`, summed. */
export function packetsByTag(answer: NgDict): Map<string, number> {
  const out = new Map<string, number>();
  for (const [tag, t] of Object.entries(dict(answer.tags) ?? {})) {
    let packets = 0;
    for (const m of list(dict(t)?.medias))
      for (const s of list(dict(m)?.streams)) {
        const n = dict(dict(s)?.stats)?.packets;
        if (typeof n === 'number') packets += n;
      }
    out.set(tag, packets);
  }
  return out;
}

export class MediaWatch {
  private readonly seen = new Map<string, { packets: number; since: number }>();

  constructor(private readonly silenceMs: number) {}

  /** One query answer at time `now` (ms): the first silent side, if any. */
  observe(now: number, answer: NgDict): MediaVerdict {
    for (const [tag, packets] of packetsByTag(answer)) {
      const s = this.seen.get(tag);
      if (!s || packets > s.packets) {
        this.seen.set(tag, { packets, since: now });
        continue;
      }
      if (now - s.since >= this.silenceMs) {
        return { kind: 'silent', tag, seconds: Math.round((now - s.since) / 1000) };
      }
    }
    return { kind: 'ok' };
  }
}
