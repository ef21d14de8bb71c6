/**
 * A whole Jingle session description ⇄ a whole SDP (RFC 3264 §5; XEP-0338 groups ⇄ a=group).
 */
import type { Content, Group, Jingle } from '../jingle/types';
import { emptyCapNeg } from '../sdp';
import type { Sdp, SdpMedia } from '../sdp/types';
import { contentToMedia, mediaToContent } from './media';
import { stableId } from './ice';
import type { Perspective } from './roles';

export interface JingleToSdpOptions extends Partial<Perspective> {
  /** The offer this description answers, so an answer can name the RFC 5939 configuration it takes. */
  offer?: Sdp;
  /** o= username and address (RFC 4566 §5.2). */
  origin?: { username?: string; address?: string; sessionId?: string; sessionVersion?: number };
  /** s= (RFC 4566 §5.3); `-` when not given. */
  sessionName?: string;
}

/**
 * The SDP for the contents of a Jingle message. `p` says who wrote it and whether it is an
 * offer; `sid` seeds a stable o= session id when none is given.
 */
export function jingleToSdpModel(
  j: Pick<Jingle, 'sid' | 'contents' | 'groups'>,
  p: Perspective,
  opts: JingleToSdpOptions = {},
): Sdp {
  const media = j.contents.map((c, i) => {
    const offered = opts.offer?.media.find((m) => m.mid === c.name) ?? opts.offer?.media[i];
    return contentToMedia(c, p, offered && opts.offer ? { media: offered, session: opts.offer } : undefined);
  });
  const first = media[0]?.connection;
  const address = opts.origin?.address ?? (first && first.ip !== '0.0.0.0' ? first.ip : '127.0.0.1');
  const sdp: Sdp = {
    version: 0,
    origin: {
      username: opts.origin?.username ?? '-',
      // RFC 4566 §5.2: a numeric session id; derived from the sid so a repeated translation agrees.
      sessionId: opts.origin?.sessionId ?? String(parseInt(stableId(j.sid), 16)),
      sessionVersion: opts.origin?.sessionVersion ?? 1,
      netType: 'IN',
      ipVer: address.includes(':') ? 6 : 4,
      address,
    },
    name: opts.sessionName ?? '-',
    timing: { start: 0, stop: 0 },
    media,
    fingerprints: [],
    capneg: emptyCapNeg(),
    xtlsMethods: [],
  };
  if (j.groups.length > 0)
    sdp.groups = j.groups.map((g) => ({ type: g.semantics, mids: g.contents.join(' ') }));
  return sdp;
}

/** The contents and groups for an SDP, from the point of view `p` of its author. */
export function sdpToJingleModel(
  sdp: Sdp,
  p: Perspective,
  names?: readonly string[],
): { contents: Content[]; groups: Group[] } {
  const used = new Set<string>();
  const contents = sdp.media.map((m: SdpMedia, i: number) => {
    // RFC 3264 §6: the answer's m-sections are the offer's, in order; an answer without a=mid
    // (most SIP phones) takes the offered content names from `names`.
    const name = uniqueName(names?.[i] ?? m.mid ?? m.type, used);
    return mediaToContent(m, sdp, p, name, `m-section ${i + 1} (m=${m.type})`);
  });
  const groups: Group[] = (sdp.groups ?? []).map((g) => ({
    semantics: g.type,
    contents: g.mids.split(' ').filter((s) => s !== ''),
  }));
  return { contents, groups };
}

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}
