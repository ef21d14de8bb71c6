/**
 * XEP-0294: Jingle RTP Header Extensions Negotiation (version 0.2, 2015-03-25; `<extmap-allow-mixed/>`
 * from version 0.3).
 *
 * `<rtp-hdrext xmlns='urn:xmpp:jingle:apps:rtp:rtp-hdrext:0' id uri senders>` in `<description>`,
 * mapping to `a=extmap` (RFC 8285), and `<extmap-allow-mixed/>` (`a=extmap-allow-mixed`).
 */
import { Element } from 'ltx';
import {
  SENDERS,
  append,
  build,
  fail,
  localName,
  nsOf,
  optEnum,
  parameterElement,
  q,
  readParameter,
  reqString,
  tag,
} from './attrs';
import { NS_RTP_HDREXT } from './namespaces';
import type { RtpHdrExt } from './types';

export function parseRtpHdrExt(el: Element, ns: string): RtpHdrExt {
  const where = tag(el, 'id');
  const rawId = el.attrs.id;
  if (typeof rawId !== 'string') fail(`${where} id`, 'missing');
  // XEP-0294 §3: "1-256, 4096-4351" (the upper range is RFC 5285's offer-time range).
  const id = /^[0-9]{1,4}$/.test(rawId) ? Number(rawId) : NaN;
  if (!((id >= 1 && id <= 256) || (id >= 4096 && id <= 4351))) {
    fail(`${where} id`, `${q(rawId)} is not an integer in 1-256 or 4096-4351`);
  }
  const ext: RtpHdrExt = { id, uri: reqString(el, 'uri', where), parameters: [] };
  const senders = optEnum(el, 'senders', SENDERS, where);
  if (senders !== undefined) ext.senders = senders;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (nsOf(child, ns) === NS_RTP_HDREXT && localName(child) === 'parameter') {
      ext.parameters.push(readParameter(child, where));
    }
  }
  return ext;
}

export function rtpHdrExtToElement(ext: RtpHdrExt): Element {
  const el = build('rtp-hdrext', { xmlns: NS_RTP_HDREXT, id: ext.id, uri: ext.uri, senders: ext.senders });
  for (const p of ext.parameters) append(el, parameterElement(p.name, p.value, true));
  return el;
}

export function extmapAllowMixedElement(): Element {
  return build('extmap-allow-mixed', { xmlns: NS_RTP_HDREXT });
}
