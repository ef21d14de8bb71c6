/**
 * XEP-0293: Jingle RTP Feedback Negotiation (version 0.3, 2015-04-29).
 *
 * `<rtcp-fb xmlns='urn:xmpp:jingle:apps:rtp:rtcp-fb:0' type subtype>` and `<rtcp-fb-trr-int value>`,
 * either directly in `<description>` (every payload type: `a=rtcp-fb:*`) or in one
 * `<payload-type>`.
 */
import { Element } from 'ltx';
import {
  UINT32_MAX,
  append,
  build,
  localName,
  nsOf,
  parameterElement,
  readParameter,
  reqInt,
  reqString,
  tag,
} from './attrs';
import { NS_RTCP_FB } from './namespaces';
import type { Parameter, RtcpFb } from './types';

export function parseRtcpFb(el: Element, ns: string): RtcpFb {
  const where = tag(el, 'type');
  const fb: RtcpFb = { type: reqString(el, 'type', where) };
  const subtype = el.attrs.subtype;
  if (typeof subtype === 'string') fb.subtype = subtype;
  let parameters: Parameter[] | undefined;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (nsOf(child, ns) === NS_RTCP_FB && localName(child) === 'parameter') {
      (parameters ??= []).push(readParameter(child, where));
    }
  }
  if (parameters) fb.parameters = parameters;
  return fb;
}

/** `<rtcp-fb-trr-int value>`: milliseconds, 0 to MAXUINT. */
export function parseRtcpFbTrrInt(el: Element): number {
  return reqInt(el, 'value', 0, UINT32_MAX, tag(el));
}

export function rtcpFbToElement(fb: RtcpFb): Element {
  const el = build('rtcp-fb', { xmlns: NS_RTCP_FB, type: fb.type, subtype: fb.subtype });
  if (fb.parameters) for (const p of fb.parameters) append(el, parameterElement(p.name, p.value, true));
  return el;
}

export function rtcpFbTrrIntToElement(value: number): Element {
  return build('rtcp-fb-trr-int', { xmlns: NS_RTCP_FB, value });
}
