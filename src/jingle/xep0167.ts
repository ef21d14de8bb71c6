/**
 * XEP-0167: Jingle RTP Sessions (version 1.2.2).
 *
 * `<description xmlns='urn:xmpp:jingle:apps:rtp:1' media ssrc>` with `<payload-type>` (§4),
 * `<encryption required>` + SDES `<crypto>` (§7), `<bandwidth type>`, `<rtcp-mux/>`, and the
 * extensions that live inside it (XEP-0293, 0294, 0339). Also the informational payloads
 * (`urn:xmpp:jingle:apps:rtp:info:1`) carried by session-info.
 */
import { Element } from 'ltx';
import {
  CREATORS,
  UINT32_MAX,
  append,
  build,
  fail,
  localName,
  nsOf,
  optEnum,
  optInt,
  optString,
  parameterElement,
  parseIntAttr,
  q,
  readParameter,
  reqInt,
  reqString,
  tag,
  textOf,
} from './attrs';
import { NS_RTCP_FB, NS_RTP, NS_RTP_HDREXT, NS_RTP_INFO, NS_SSMA } from './namespaces';
import { parseRtcpFb, parseRtcpFbTrrInt, rtcpFbToElement, rtcpFbTrrIntToElement } from './xep0293';
import { extmapAllowMixedElement, parseRtpHdrExt, rtpHdrExtToElement } from './xep0294';
import { parseSource, parseSsrcGroup, sourceToElement, ssrcGroupToElement } from './xep0339';
import type { Crypto, Encryption, PayloadType, RtpDescription, SessionInfo } from './types';
import { MAX_PAYLOAD_TYPES, checkCount } from './limits';

export function parsePayloadType(el: Element, ns: string): PayloadType {
  const where = tag(el, 'id');
  const pt: PayloadType = { id: reqInt(el, 'id', 0, 127, where), parameters: [], rtcpFb: [] };
  const name = optString(el, 'name');
  if (name !== undefined) pt.name = name;
  const clockrate = optInt(el, 'clockrate', 0, UINT32_MAX, where);
  if (clockrate !== undefined) pt.clockrate = clockrate;
  const channels = optInt(el, 'channels', 1, 255, where);
  if (channels !== undefined) pt.channels = channels;
  const ptime = optInt(el, 'ptime', 0, UINT32_MAX, where);
  if (ptime !== undefined) pt.ptime = ptime;
  const maxptime = optInt(el, 'maxptime', 0, UINT32_MAX, where);
  if (maxptime !== undefined) pt.maxptime = maxptime;
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const cns = nsOf(child, ns);
    const cname = localName(child);
    if (cns === NS_RTP) {
      if (cname !== 'parameter') fail(`${where} <${cname}>`, `unknown element in ${NS_RTP}`);
      pt.parameters.push(readParameter(child, where));
    } else if (cns === NS_RTCP_FB) {
      if (cname === 'rtcp-fb') pt.rtcpFb.push(parseRtcpFb(child, cns));
      else if (cname === 'rtcp-fb-trr-int') {
        if (pt.rtcpFbTrrInt !== undefined) fail(`${where} <rtcp-fb-trr-int>`, 'more than one');
        pt.rtcpFbTrrInt = parseRtcpFbTrrInt(child);
      } else fail(`${where} <${cname}>`, `unknown element in ${NS_RTCP_FB}`);
    }
  }
  return pt;
}

export function parseCrypto(el: Element): Crypto {
  const where = tag(el, 'tag');
  // RFC 4568 §9.1: tag = 1*9DIGIT.
  const c: Crypto = {
    tag: reqInt(el, 'tag', 0, 999999999, where),
    cryptoSuite: reqString(el, 'crypto-suite', where),
    keyParams: reqString(el, 'key-params', where),
  };
  const sessionParams = optString(el, 'session-params');
  if (sessionParams !== undefined) c.sessionParams = sessionParams;
  return c;
}

export function parseEncryption(el: Element, ns: string): Encryption {
  const where = tag(el);
  const enc: Encryption = { required: false, cryptos: [] };
  const required = el.attrs.required;
  if (typeof required === 'string') {
    // XML Schema boolean: "true"/"1" or "false"/"0".
    if (required === 'true' || required === '1') enc.required = true;
    else if (required !== 'false' && required !== '0')
      fail(`${where} required`, `${q(required)} is not a boolean`);
  }
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (nsOf(child, ns) !== NS_RTP) continue;
    const name = localName(child);
    if (name !== 'crypto') fail(`${where} <${name}>`, `unknown element in ${NS_RTP}`);
    enc.cryptos.push(parseCrypto(child));
  }
  return enc;
}

export function parseRtpDescription(el: Element, ns: string): RtpDescription {
  const where = tag(el, 'media');
  const d: RtpDescription = {
    media: reqString(el, 'media', where),
    payloadTypes: [],
    bandwidths: [],
    rtcpMux: false,
    rtcpFb: [],
    hdrExts: [],
    extmapAllowMixed: false,
    sources: [],
    ssrcGroups: [],
  };
  const ssrc = el.attrs.ssrc;
  if (typeof ssrc === 'string') {
    parseIntAttr(ssrc, 0, UINT32_MAX, `${where} ssrc`);
    d.ssrc = ssrc;
  }
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const cns = nsOf(child, ns);
    const name = localName(child);
    if (cns === NS_RTP) {
      if (name === 'payload-type') {
        d.payloadTypes.push(parsePayloadType(child, cns));
        checkCount(d.payloadTypes.length, MAX_PAYLOAD_TYPES, where, '<payload-type> elements');
      } else if (name === 'encryption') {
        if (d.encryption) fail(`${where} <encryption>`, 'more than one');
        d.encryption = parseEncryption(child, cns);
      } else if (name === 'bandwidth') {
        const bw = tag(child, 'type');
        d.bandwidths.push({
          type: reqString(child, 'type', bw),
          value: parseIntAttr(textOf(child).trim(), 0, UINT32_MAX, `${bw} value`),
        });
      } else if (name === 'rtcp-mux') d.rtcpMux = true;
      // Other RTP elements real clients send (`<rtcp-reduced-size/>` from stanza.io and Jitsi)
      // have no place in the model; they are ignored (XEP-0166 §10), not refused.
    } else if (cns === NS_RTCP_FB) {
      if (name === 'rtcp-fb') d.rtcpFb.push(parseRtcpFb(child, cns));
      else if (name === 'rtcp-fb-trr-int') {
        if (d.rtcpFbTrrInt !== undefined) fail(`${where} <rtcp-fb-trr-int>`, 'more than one');
        d.rtcpFbTrrInt = parseRtcpFbTrrInt(child);
      } else fail(`${where} <${name}>`, `unknown element in ${NS_RTCP_FB}`);
    } else if (cns === NS_RTP_HDREXT) {
      if (name === 'rtp-hdrext') d.hdrExts.push(parseRtpHdrExt(child, cns));
      else if (name === 'extmap-allow-mixed') d.extmapAllowMixed = true;
      else fail(`${where} <${name}>`, `unknown element in ${NS_RTP_HDREXT}`);
    } else if (cns === NS_SSMA) {
      if (name === 'source') d.sources.push(parseSource(child, cns));
      else if (name === 'ssrc-group') d.ssrcGroups.push(parseSsrcGroup(child, cns));
      else fail(`${where} <${name}>`, `unknown element in ${NS_SSMA}`);
    }
    // Other namespaces are extensions (XEP-0166 extensibility): ignored.
  }
  return d;
}

export function payloadTypeToElement(pt: PayloadType): Element {
  const el = build('payload-type', {
    id: pt.id,
    name: pt.name,
    clockrate: pt.clockrate,
    channels: pt.channels,
    ptime: pt.ptime,
    maxptime: pt.maxptime,
  });
  for (const p of pt.parameters) append(el, parameterElement(p.name, p.value, false));
  for (const fb of pt.rtcpFb) append(el, rtcpFbToElement(fb));
  if (pt.rtcpFbTrrInt !== undefined) append(el, rtcpFbTrrIntToElement(pt.rtcpFbTrrInt));
  return el;
}

export function rtpDescriptionToElement(d: RtpDescription): Element {
  const el = build('description', { xmlns: NS_RTP, media: d.media, ssrc: d.ssrc });
  for (const pt of d.payloadTypes) append(el, payloadTypeToElement(pt));
  if (d.encryption) {
    const enc = append(el, build('encryption', { required: d.encryption.required ? 'true' : undefined }));
    for (const c of d.encryption.cryptos) {
      append(
        enc,
        build('crypto', {
          'crypto-suite': c.cryptoSuite,
          'key-params': c.keyParams,
          'session-params': c.sessionParams,
          tag: c.tag,
        }),
      );
    }
  }
  for (const bw of d.bandwidths)
    append(el, build('bandwidth', { type: bw.type })).children.push(String(bw.value));
  if (d.rtcpMux) append(el, build('rtcp-mux'));
  for (const fb of d.rtcpFb) append(el, rtcpFbToElement(fb));
  if (d.rtcpFbTrrInt !== undefined) append(el, rtcpFbTrrIntToElement(d.rtcpFbTrrInt));
  for (const ext of d.hdrExts) append(el, rtpHdrExtToElement(ext));
  if (d.extmapAllowMixed) append(el, extmapAllowMixedElement());
  for (const src of d.sources) append(el, sourceToElement(src));
  for (const g of d.ssrcGroups) append(el, ssrcGroupToElement(g));
  return el;
}

/* Informational messages (session-info payloads). */

const SIMPLE_INFO = ['active', 'hold', 'ringing', 'unhold'] as const;

/**
 * Parses one informational payload in NS_RTP_INFO. An unknown one throws with a detail starting
 * 'unsupported-info' (XEP-0166: answer `<feature-not-implemented/>` + `<unsupported-info/>`).
 */
export function parseSessionInfo(el: Element): SessionInfo {
  const name = localName(el);
  if ((SIMPLE_INFO as readonly string[]).includes(name))
    return { kind: name as (typeof SIMPLE_INFO)[number] };
  if (name === 'mute' || name === 'unmute') {
    const where = tag(el, 'name');
    const info: SessionInfo = { kind: name };
    const creator = optEnum(el, 'creator', CREATORS, where);
    if (creator !== undefined) info.creator = creator;
    const contentName = optString(el, 'name');
    if (contentName !== undefined) info.name = contentName;
    return info;
  }
  fail(`<jingle> <${name}>`, `unsupported-info: unknown informational payload in ${NS_RTP_INFO}`);
}

export function sessionInfoToElement(info: Exclude<SessionInfo, { kind: 'dtmf' | 'transfer' }>): Element {
  if (info.kind === 'mute' || info.kind === 'unmute') {
    return build(info.kind, { xmlns: NS_RTP_INFO, creator: info.creator, name: info.name });
  }
  return build(info.kind, { xmlns: NS_RTP_INFO });
}
