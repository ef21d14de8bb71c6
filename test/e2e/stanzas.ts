/**
 * The Jingle a real client sends, as XML: a Conversations-style audio offer (ICE-UDP with several
 * candidates, XEP-0320 DTLS fingerprint with setup=actpass, opus + telephone-event, rtcp-mux,
 * BUNDLE, an SSRC), its answers, the XTLS seed shape, JMI messages, and terminates.
 */
import { xml } from '../../src/xmpp/stanza/xml';
import type { Element } from '../xmpp/bots';

export const NS_JINGLE = 'urn:xmpp:jingle:1';
export const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
export const NS_ICE = 'urn:xmpp:jingle:transports:ice-udp:1';
export const NS_RAW = 'urn:xmpp:jingle:transports:raw-udp:1';
export const NS_DTLS = 'urn:xmpp:jingle:apps:dtls:0';
export const NS_XTLS = 'urn:xmpp:jingle:security:xtls:0';
export const NS_JMI = 'urn:xmpp:jingle-message:0';

/** 32 bytes as colon hex (a SHA-256 fingerprint). */
export const fingerprint = (byte: string, n = 32): string => Array(n).fill(byte).join(':');

export const CLIENT_FP = fingerprint('C0');
export const CLIENT_UFRAG = 'cLiE';
export const CLIENT_PWD = 'clientpasswordclientpass';

export interface Cand {
  foundation: string;
  component: number;
  protocol: 'udp' | 'tcp';
  priority: number;
  ip: string;
  port: number;
  type: 'host' | 'srflx' | 'prflx' | 'relay';
  relAddr?: string;
  relPort?: number;
}

/** What a phone on a home network offers: host v4 and v6, server-reflexive, relay. */
export const CLIENT_CANDIDATES: Cand[] = [
  {
    foundation: '1',
    component: 1,
    protocol: 'udp',
    priority: 2122260223,
    ip: '127.0.0.1',
    port: 40000,
    type: 'host',
  },
  {
    foundation: '2',
    component: 1,
    protocol: 'udp',
    priority: 2122197247,
    ip: '::1',
    port: 40002,
    type: 'host',
  },
  {
    foundation: '3',
    component: 1,
    protocol: 'udp',
    priority: 1686052607,
    ip: '203.0.113.7',
    port: 40004,
    type: 'srflx',
    relAddr: '127.0.0.1',
    relPort: 40000,
  },
];
/** Trickled in a transport-info right after the session-initiate (inside the gather window). */
export const TRICKLED: Cand = {
  foundation: '4',
  component: 1,
  protocol: 'udp',
  priority: 41885439,
  ip: '198.51.100.9',
  port: 3478,
  type: 'relay',
  relAddr: '203.0.113.7',
  relPort: 40004,
};

/** `a=candidate:` as the gateway should write it. */
export function sdpCandidate(c: Cand): string {
  const rel = c.relAddr !== undefined ? ` raddr ${c.relAddr} rport ${c.relPort}` : '';
  return `a=candidate:${c.foundation} ${c.component} ${c.protocol} ${c.priority} ${c.ip} ${c.port} typ ${c.type}${rel}`;
}

export function candidateEl(c: Cand, id: string): Element {
  const attrs: Record<string, string> = {
    foundation: c.foundation,
    component: String(c.component),
    protocol: c.protocol,
    priority: String(c.priority),
    ip: c.ip,
    port: String(c.port),
    type: c.type,
    generation: '0',
    network: '0',
    id,
  };
  if (c.relAddr !== undefined) attrs['rel-addr'] = c.relAddr;
  if (c.relPort !== undefined) attrs['rel-port'] = String(c.relPort);
  return xml('candidate', attrs);
}

/** The answering device's (alice's) one host candidate, 127.0.0.1:41000. */
function aliceHostCandidate(): Element {
  return candidateEl(
    {
      foundation: '1',
      component: 1,
      protocol: 'udp',
      priority: 2122260223,
      ip: '127.0.0.1',
      port: 41000,
      type: 'host',
    },
    'a1',
  );
}

function opusDescription(): Element {
  return xml(
    'description',
    { xmlns: NS_RTP, media: 'audio' },
    xml(
      'payload-type',
      { id: '111', name: 'opus', clockrate: '48000', channels: '2' },
      xml('parameter', { name: 'minptime', value: '10' }),
      xml('parameter', { name: 'useinbandfec', value: '1' }),
    ),
    xml('payload-type', { id: '126', name: 'telephone-event', clockrate: '8000' }),
    xml('rtcp-mux'),
    xml(
      'source',
      { xmlns: 'urn:xmpp:jingle:apps:rtp:ssma:0', ssrc: '3735928559' },
      xml('parameter', { name: 'cname', value: 'conversations' }),
    ),
  );
}

/** A jingle IQ set from a bot to `to`. */
export function jingleIq(
  to: string,
  attrs: Record<string, string>,
  ...children: Array<Element | undefined>
): Element {
  return xml('iq', { type: 'set', to }, xml('jingle', { xmlns: NS_JINGLE, ...attrs }, ...children));
}

/** Conversations' session-initiate: one audio content `0`, BUNDLE, ICE + DTLS (actpass). */
export function conversationsOffer(o: {
  to: string;
  from: string;
  sid: string;
  candidates?: Cand[];
}): Element {
  const cands = o.candidates ?? CLIENT_CANDIDATES;
  return jingleIq(
    o.to,
    { action: 'session-initiate', sid: o.sid, initiator: o.from },
    xml(
      'content',
      { creator: 'initiator', name: '0', senders: 'both' },
      opusDescription(),
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: CLIENT_UFRAG, pwd: CLIENT_PWD },
        xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'actpass' }, CLIENT_FP),
        ...cands.map((c, i) => candidateEl(c, `c${i}`)),
      ),
    ),
    xml(
      'group',
      { xmlns: 'urn:xmpp:jingle:apps:grouping:0', semantics: 'BUNDLE' },
      xml('content', { name: '0' }),
    ),
  );
}

/** A trickled candidate for content `name`. */
export function transportInfo(o: {
  to: string;
  from: string;
  sid: string;
  name: string;
  candidate: Cand;
  /** New credentials: an ICE restart (XEP-0176 §2.2). */
  ufrag?: string;
  pwd?: string;
}): Element {
  return jingleIq(
    o.to,
    { action: 'transport-info', sid: o.sid, initiator: o.from },
    xml(
      'content',
      { creator: 'initiator', name: o.name },
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: o.ufrag ?? CLIENT_UFRAG, pwd: o.pwd ?? CLIENT_PWD },
        candidateEl(o.candidate, 'trickled'),
      ),
    ),
  );
}

/**
 * A device's session-accept for the gateway's session-initiate: the same content names, opus
 * (or the first payload type offered), its ICE credentials and candidate, and a DTLS fingerprint
 * with setup=active.
 */
export function dtlsAccept(o: { initiate: Element; to: string; from: string; fp: string }): Element {
  const j = o.initiate.getChild('jingle', NS_JINGLE) as Element;
  const contents = j.getChildren('content').map((c) => {
    const offered = c.getChild('description', NS_RTP)?.getChildren('payload-type') ?? [];
    const pts = offered.filter((p) => ['opus', 'telephone-event'].includes(String(p.attrs.name)));
    return xml(
      'content',
      { creator: 'initiator', name: String(c.attrs.name), senders: 'both' },
      xml(
        'description',
        { xmlns: NS_RTP, media: 'audio' },
        ...(pts.length > 0 ? pts : offered.slice(0, 1)).map((p) => xml('payload-type', { ...p.attrs })),
        xml('rtcp-mux'),
      ),
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: 'aLiC', pwd: 'alicepasswordalicepasswd' },
        xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'active' }, o.fp),
        aliceHostCandidate(),
      ),
    );
  });
  return jingleIq(
    o.to,
    { action: 'session-accept', sid: String(j.attrs.sid), responder: o.from },
    ...contents,
  );
}

/** The seed shape (XTLS): RTP audio over raw UDP with `<security>` (sha-1 fingerprint, x509 + srp). */
export function xtlsOffer(o: { to: string; from: string; sid: string; fp: string }): Element {
  return jingleIq(
    o.to,
    { action: 'session-initiate', sid: o.sid, initiator: o.from },
    xml(
      'content',
      { creator: 'initiator', name: 'audio' },
      xml(
        'description',
        { xmlns: NS_RTP, media: 'audio' },
        xml('payload-type', { id: '0', name: 'PCMU', clockrate: '8000' }),
        xml('payload-type', { id: '101', name: 'telephone-event', clockrate: '8000' }),
      ),
      xml(
        'transport',
        { xmlns: NS_RAW },
        xml('candidate', { component: '1', generation: '0', id: 'r1', ip: '127.0.0.1', port: '13540' }),
      ),
      xtlsSecurity(o.fp, ['x509', 'srp']),
    ),
  );
}

export function xtlsSecurity(fp: string, methods: string[]): Element {
  return xml(
    'security',
    { xmlns: NS_XTLS },
    xml('fingerprint', { algo: 'sha-1' }, fp),
    ...methods.map((m) => xml('method', { name: m })),
  );
}

/** A device's accept of an XTLS offer: raw UDP, and `<security>` with its own sha-1 fingerprint. */
export function xtlsAccept(o: { initiate: Element; to: string; from: string; fp: string }): Element {
  const j = o.initiate.getChild('jingle', NS_JINGLE) as Element;
  const contents = j.getChildren('content').map((c) => {
    const offered = c.getChild('description', NS_RTP)?.getChildren('payload-type') ?? [];
    const t = c.getChild('transport');
    const transport =
      t?.getNS() === NS_ICE
        ? xml(
            'transport',
            { xmlns: NS_ICE, ufrag: 'aLiC', pwd: 'alicepasswordalicepasswd' },
            aliceHostCandidate(),
          )
        : xml(
            'transport',
            { xmlns: NS_RAW },
            xml('candidate', { component: '1', generation: '0', id: 'a1', ip: '127.0.0.1', port: '41000' }),
          );
    return xml(
      'content',
      { creator: 'initiator', name: String(c.attrs.name), senders: 'both' },
      xml(
        'description',
        { xmlns: NS_RTP, media: 'audio' },
        ...offered.slice(0, 1).map((p) => xml('payload-type', { ...p.attrs })),
      ),
      transport,
      xtlsSecurity(o.fp, ['x509']),
    );
  });
  return jingleIq(
    o.to,
    { action: 'session-accept', sid: String(j.attrs.sid), responder: o.from },
    ...contents,
  );
}

export function terminate(o: { to: string; sid: string; condition?: string; text?: string }): Element {
  return jingleIq(
    o.to,
    { action: 'session-terminate', sid: o.sid },
    xml(
      'reason',
      {},
      xml(o.condition ?? 'success'),
      o.text !== undefined ? xml('text', {}, o.text) : undefined,
    ),
  );
}

/** A JMI message (XEP-0353) from a device. */
export function jmi(kind: string, o: { to: string; id: string }): Element {
  return xml(
    'message',
    { to: o.to, type: 'chat' },
    xml(kind, { xmlns: NS_JMI, id: o.id }),
    xml('store', { xmlns: 'urn:xmpp:hints' }),
  );
}

/** A client's JMI `<propose>` of an audio call (XEP-0353 §3.1). */
export function jmiPropose(o: { to: string; id: string }): Element {
  return xml(
    'message',
    { to: o.to, type: 'chat' },
    xml('propose', { xmlns: NS_JMI, id: o.id }, xml('description', { xmlns: NS_RTP, media: 'audio' })),
    xml('store', { xmlns: 'urn:xmpp:hints' }),
  );
}

export const NS_GROUPING = 'urn:xmpp:jingle:apps:grouping:0';

/**
 * The client's video content (VP8, XEP-0167) added mid-call, bundled with the audio (RFC 8843):
 * its ICE credentials and DTLS role, no candidates of its own.
 */
export function videoContent(
  o: { creator?: string; name?: string; setup?: string; ufrag?: string; pwd?: string } = {},
): Element {
  return xml(
    'content',
    { creator: o.creator ?? 'initiator', name: o.name ?? '1', senders: 'both' },
    xml(
      'description',
      { xmlns: NS_RTP, media: 'video' },
      xml('payload-type', { id: '96', name: 'VP8', clockrate: '90000' }),
      xml('rtcp-mux'),
    ),
    xml(
      'transport',
      { xmlns: NS_ICE, ufrag: o.ufrag ?? CLIENT_UFRAG, pwd: o.pwd ?? CLIENT_PWD },
      xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: o.setup ?? 'actpass' }, CLIENT_FP),
    ),
  );
}

/** A `<content>` whose ICE-UDP transport (XEP-0176) carries `children`: candidates, a fingerprint. */
export function iceContent(
  o: { creator: string; name: string; ufrag: string; pwd: string },
  ...children: Element[]
): Element {
  return xml(
    'content',
    { creator: o.creator, name: o.name },
    xml('transport', { xmlns: NS_ICE, ufrag: o.ufrag, pwd: o.pwd }, ...children),
  );
}

/** A BUNDLE group of these contents, XEP-0338. */
export const bundleGroup = (names: string[]): Element =>
  xml('group', { xmlns: NS_GROUPING, semantics: 'BUNDLE' }, ...names.map((name) => xml('content', { name })));

/** The BUNDLE group of contents '0' (audio) and '1' (the video added). */
export const bundle01 = (): Element => bundleGroup(['0', '1']);
