/**
 * A whole Jingle session description ⇄ a whole SDP (RFC 3264 §5; XEP-0338 groups ⇄ a=group).
 */
import type { Content, Group, Jingle, Setup } from '../jingle/types';
import { emptyCapNeg } from '../sdp';
import type { Sdp, SdpMedia } from '../sdp/types';
import { contentToMedia, mediaToContent, newMedia } from './media';
import { stableId } from './ice';
import type { Perspective } from './roles';
import type { Tables } from './tables';

export interface JingleToSdpOptions extends Partial<Perspective> {
  /** The offer this description answers, so an answer can name the RFC 5939 configuration it takes. */
  offer?: Sdp;
  /** o= username and address (RFC 4566 §5.2). */
  origin?: { username?: string; address?: string; sessionId?: string; sessionVersion?: number };
  /** a=setup for every DTLS m-section, overriding the offer/answer rule (subsequent offers). */
  setup?: Setup;
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
  tables: Tables,
  opts: JingleToSdpOptions = {},
): Sdp {
  const media =
    opts.offer && p.type === 'answer'
      ? answerMedia(j.contents, p, tables, opts.offer)
      : offerMedia(j.contents, p, tables);
  if (opts.setup !== undefined) {
    // RFC 8842 §5.5: a subsequent offer that keeps the DTLS association keeps the roles.
    for (const m of media) if (m.setup !== undefined) m.setup = opts.setup;
  }
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

function offerMedia(contents: readonly Content[], p: Perspective, tables: Tables): SdpMedia[] {
  return contents.map((c) => contentToMedia(c, p, tables));
}

/**
 * RFC 3264 §6: an answer has the offer's m-sections, in the offer's order. Each is the accepted
 * content of the same name (a=mid, or the name sdpToJingle gave the offered section), or, for a
 * content the Jingle side did not accept, a rejected copy with port 0.
 */
function answerMedia(contents: readonly Content[], p: Perspective, tables: Tables, offer: Sdp): SdpMedia[] {
  const names = offeredNames(offer);
  const used = new Set<Content>();
  const media = offer.media.map((om, i) => {
    const c =
      contents.find((x) => x.name === names[i]) ??
      (contents.length === offer.media.length ? contents[i] : undefined);
    if (!c || used.has(c)) return rejectedMedia(om);
    used.add(c);
    return contentToMedia(c, p, tables, { media: om, session: offer });
  });
  for (const c of contents) if (!used.has(c)) media.push(contentToMedia(c, p, tables));
  return media;
}

function rejectedMedia(offered: SdpMedia): SdpMedia {
  const m = newMedia(offered.type);
  m.port = 0;
  m.protocol = offered.protocol;
  m.payloads = String(offered.payloads ?? '').split(' ')[0] ?? '0';
  m.connection = { version: 4, ip: '0.0.0.0' };
  if (offered.mid !== undefined) m.mid = offered.mid;
  return m;
}

/** The content names sdpToJingle gives an SDP's m-sections: a=mid, else the media type, made unique. */
export function offeredNames(sdp: Sdp): string[] {
  const used = new Set<string>();
  return sdp.media.map((m) => uniqueName(m.mid ?? m.type, used));
}

/** The contents and groups for an SDP, from the point of view `p` of its author. */
export function sdpToJingleModel(
  sdp: Sdp,
  p: Perspective,
  tables: Tables,
  names?: readonly string[],
): { contents: Content[]; groups: Group[] } {
  const used = new Set<string>();
  const contents: Content[] = [];
  sdp.media.forEach((m: SdpMedia, i: number) => {
    // RFC 3264 §6: the answer's m-sections are the offer's, in order; an answer without a=mid
    // (most SIP phones) takes the offered content names from `names`.
    const name = uniqueName(names?.[i] ?? m.mid ?? m.type, used);
    // RFC 3264 §6: port 0 in an answer rejects the stream; the session-accept leaves it out.
    if (p.type === 'answer' && m.port === 0 && m.bundleOnly === undefined) return;
    contents.push(mediaToContent(m, sdp, p, name, `m-section ${i + 1} (m=${m.type})`, tables));
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
