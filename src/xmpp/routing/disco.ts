/**
 * Service discovery (XEP-0030) and entity capabilities (XEP-0115) of the gateway.
 *
 * The component domain and every user JID on it (`+15551234@gw`, `alice\40pbx.example.org@gw`)
 * are the same kind of entity: a SIP gateway (identity `gateway/sip`, XEP-0030 registry) that
 * takes Jingle RTP calls. The feature list is what the gateway really carries end to end.
 */
import { createHash } from 'node:crypto';
import {
  NS_DTLS,
  NS_GROUPING,
  NS_ICE_UDP,
  NS_JINGLE,
  NS_JMI,
  NS_RAW_UDP,
  NS_RTCP_FB,
  NS_RTP,
  NS_RTP_HDREXT,
  NS_RTP_INFO,
  NS_SSMA,
  NS_XTLS,
} from '../../jingle/namespaces';
import {
  FEATURE_JID_ESCAPING,
  NS_CAPS,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_GATEWAY,
  NS_PING,
  NS_VERSION,
} from '../stanza';
import { xml, type XmlElement } from '../stanza';

export interface Identity {
  category: string;
  type: string;
  name: string;
  lang?: string;
}

/** The XEP-0115 `node`: a URI naming the software. */
export const CAPS_NODE = 'https://github.com/jingle-sip-gateway/jingle-sip-gateway';

export const IDENTITY: Identity = { category: 'gateway', type: 'sip', name: 'Jingle–SIP gateway' };

/** Features of every entity on the gateway domain, sorted as XEP-0115 §5.1 hashes them. */
export const FEATURES: readonly string[] = [
  FEATURE_JID_ESCAPING, // XEP-0106 §5: the gateway applies JID escaping
  NS_CAPS,
  NS_DISCO_INFO,
  NS_DISCO_ITEMS,
  NS_GATEWAY, // XEP-0100
  NS_VERSION,
  NS_PING, // XEP-0199
  NS_JINGLE, // XEP-0166
  NS_JMI, // XEP-0353
  NS_DTLS, // XEP-0320
  NS_GROUPING, // XEP-0338
  NS_RTP, // XEP-0167
  'urn:xmpp:jingle:apps:rtp:audio',
  NS_RTP_INFO,
  NS_RTCP_FB, // XEP-0293
  NS_RTP_HDREXT, // XEP-0294
  NS_SSMA, // XEP-0339
  'urn:xmpp:jingle:apps:rtp:video',
  NS_XTLS,
  NS_ICE_UDP, // XEP-0176
  NS_RAW_UDP, // XEP-0177
].sort(octetCompare);

function octetCompare(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/**
 * XEP-0115 §5.1 verification string, hashed with SHA-1 and base64: identities sorted by
 * category/type/xml:lang (`category/type/lang/name<`), then the features sorted (`feature<`).
 */
export function capsVer(identities: readonly Identity[], features: readonly string[]): string {
  const ids = identities
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name}`)
    .sort(octetCompare)
    .map((s) => `${s}<`)
    .join('');
  const feats = [...new Set(features)]
    .sort(octetCompare)
    .map((f) => `${f}<`)
    .join('');
  return createHash('sha1')
    .update(ids + feats, 'utf8')
    .digest('base64');
}

export const CAPS_VER = capsVer([IDENTITY], FEATURES);

/** `<c xmlns='http://jabber.org/protocol/caps' hash node ver/>` for presence (XEP-0115 §4). */
export function capsElement(): XmlElement {
  return xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: CAPS_NODE, ver: CAPS_VER });
}

/**
 * The disco#info `<query>` answer. A `node` is answered only when it is the caps node
 * (`node#ver`, XEP-0115 §6.2); any other node is unknown (undefined: item-not-found).
 */
export function discoInfoQuery(node?: string): XmlElement | undefined {
  if (node !== undefined && node !== `${CAPS_NODE}#${CAPS_VER}`) return undefined;
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO, node },
    xml('identity', { category: IDENTITY.category, type: IDENTITY.type, name: IDENTITY.name }),
    ...FEATURES.map((f) => xml('feature', { var: f })),
  );
}

/** Features a disco#info `<query>` result lists. */
export function featuresOf(query: XmlElement): string[] {
  return query
    .getChildElements()
    .filter((c) => c.name === 'feature' && typeof c.attrs.var === 'string')
    .map((c) => c.attrs.var as string);
}

/** Identities a disco#info `<query>` result lists. */
export function identitiesOf(query: XmlElement): Identity[] {
  return query
    .getChildElements()
    .filter((c) => c.name === 'identity')
    .map((c) => {
      const i: Identity = {
        category: c.attrs.category ?? '',
        type: c.attrs.type ?? '',
        name: c.attrs.name ?? '',
      };
      const lang = c.attrs['xml:lang'];
      if (lang !== undefined) i.lang = lang;
      return i;
    });
}
