/**
 * One Jingle `<content>` ⇄ one SDP m-section (docs/design.md §Media description, §Transport).
 */
import type { Content, RtpDescription, Transport } from '../jingle/types';
import { InputError } from '../errors';
import { emptyCapNeg } from '../sdp';
import type { Sdp, SdpMedia } from '../sdp/types';
import { defaultAddress, ipVersion, readIce, readRawUdp, usesIce, writeIce } from './ice';
import { readDescription, writeDescription } from './rtp';
import { directionToSenders, sendersToDirection, type Direction, type Perspective } from './roles';
import { readSecurity, writeSecurity } from './security';
import type { Tables } from './tables';

export function newMedia(type: string): SdpMedia {
  return {
    type,
    port: 9,
    protocol: 'RTP/AVP',
    payloads: '',
    rtp: [],
    fmtp: [],
    fingerprints: [],
    capneg: emptyCapNeg(),
    xtlsMethods: [],
  };
}

export function contentToMedia(
  content: Content,
  p: Perspective,
  tables: Tables,
  offer?: { media: SdpMedia; session: Sdp },
): SdpMedia {
  const d = content.description;
  if (!d) {
    // Only XEP-0167 RTP sessions have an SDP form; others get unsupported-applications (XEP-0166 §7.4).
    throw new InputError(
      'translate',
      `<content name='${content.name}'>`,
      'has no RTP <description> (urn:xmpp:jingle:apps:rtp:1)',
    );
  }
  const m = newMedia(d.media);
  const address = defaultAddress(content.transport);
  m.port = address.port;
  m.connection = { version: ipVersion(address.ip), ip: address.ip };
  if (address.rtcp) {
    m.rtcp = {
      port: address.rtcp.port,
      netType: 'IN',
      ipVer: ipVersion(address.rtcp.ip),
      address: address.rtcp.ip,
    };
  }
  writeDescription(d, m, p.author);
  // RFC 5888 §9.2: an answer carries a=mid only where the offer did.
  if (!offer || offer.media.mid !== undefined) m.mid = content.name;
  m.direction = sendersToDirection(content.senders, p.author);
  if (content.transport?.kind === 'ice-udp') writeIce(content.transport, m);
  writeSecurity(content, m, p, tables, offer);
  return m;
}

/**
 * An m-section as a Jingle content. `name` is a=mid, or the media type when there is none
 * (made unique by the caller). `creator` is the session initiator: in a session-initiate or
 * session-accept every content was created by the initiator (XEP-0166 §7.3).
 */
export function mediaToContent(
  m: SdpMedia,
  session: Sdp,
  p: Perspective,
  name: string,
  where: string,
  tables: Tables,
): Content {
  const content: Content = {
    creator: 'initiator',
    name,
    senders: directionToSenders((m.direction ?? session.direction) as Direction | undefined, p.author),
  };
  const sessionMixed = session.extmapAllowMixed !== undefined;
  const description: RtpDescription | undefined = /RTP/i.test(m.protocol)
    ? readDescription(m, p.author, sessionMixed, tables.codecs)
    : undefined;
  const security = readSecurity(m, session, p, where, tables.hashes);
  if (description) {
    if (security.encryption) description.encryption = security.encryption;
    content.description = description;
  }
  const transport: Transport = usesIce(m, session)
    ? readIce(m, session, where)
    : readRawUdp(m, session.connection?.ip);
  transport.fingerprints = security.dtls;
  content.transport = transport;
  if (security.xtls) content.security = security.xtls;
  return content;
}
