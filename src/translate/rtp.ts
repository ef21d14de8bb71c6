/**
 * XEP-0167 `<description>` (with XEP-0293 rtcp-fb, XEP-0294 header extensions, XEP-0339
 * sources) ⇄ the RTP attributes of an SDP m-section (RFC 4566 §6, RFC 4585, RFC 8285, RFC 5576).
 */
import type { Creator, Parameter, PayloadType, RtcpFb, RtpDescription, RtpHdrExt } from '../jingle/types';
import type { SdpMedia } from '../sdp/types';
import { BARE_PARAMETER_NAME, staticPayloadType, type CodecTables } from './tables';
import { directionToSenders, sendersToDirection, type Direction } from './roles';

/**
 * fmtp parameters: `k=v;k=v` (RFC 4566 §6 leaves the format to the codec). A token with no `=`
 * (telephone-event's `0-15`, RFC 4733 §2.4.1) is a `<parameter>` with the fixed bare name from
 * mappings/codecs.yaml, so both directions agree.
 */
export function formatFmtp(parameters: Parameter[]): string {
  // stanza.io writes a bare token as a <parameter> with a name and no value: keep it bare too.
  return parameters
    .map((p) => (p.name === BARE_PARAMETER_NAME ? p.value : p.value === '' ? p.name : `${p.name}=${p.value}`))
    .join(';');
}

export function parseFmtp(config: string): Parameter[] {
  const out: Parameter[] = [];
  for (const part of config.split(';')) {
    const token = part.trim();
    if (token === '') continue;
    const eq = token.indexOf('=');
    if (eq < 0) out.push({ name: BARE_PARAMETER_NAME, value: token });
    else out.push({ name: token.slice(0, eq).trim(), value: token.slice(eq + 1).trim() });
  }
  return out;
}

function pushFb(m: SdpMedia, payload: number | string, fb: RtcpFb): void {
  const entry: { payload: number | string; type: string; subtype?: string } = { payload, type: fb.type };
  if (fb.subtype !== undefined) entry.subtype = fb.subtype;
  (m.rtcpFb ??= []).push(entry);
}

/** Writes a description's RTP attributes onto `m` (payload list, rtpmap, fmtp, feedback, …). */
export function writeDescription(d: RtpDescription, m: SdpMedia, author: Creator): void {
  m.payloads = d.payloadTypes.map((p) => p.id).join(' ');
  for (const p of d.payloadTypes) {
    if (p.name !== undefined) {
      const rtp: SdpMedia['rtp'][number] = { payload: p.id, codec: p.name, rate: p.clockrate ?? 8000 };
      if (p.channels !== undefined && p.channels !== 1) rtp.encoding = p.channels;
      m.rtp.push(rtp);
    }
    if (p.parameters.length > 0) m.fmtp.push({ payload: p.id, config: formatFmtp(p.parameters) });
    for (const fb of p.rtcpFb) pushFb(m, p.id, fb);
    if (p.rtcpFbTrrInt !== undefined) (m.rtcpFbTrrInt ??= []).push({ payload: p.id, value: p.rtcpFbTrrInt });
  }
  // RFC 4566 §6: ptime/maxptime are per m-section; XEP-0167 puts them per payload type. We write
  // the first payload type's values (a uniform ptime is what every real offer carries).
  const ptime = d.payloadTypes.find((p) => p.ptime !== undefined)?.ptime;
  const maxptime = d.payloadTypes.find((p) => p.maxptime !== undefined)?.maxptime;
  if (ptime !== undefined) m.ptime = ptime;
  if (maxptime !== undefined) m.maxptime = maxptime;
  for (const fb of d.rtcpFb) pushFb(m, '*', fb);
  if (d.rtcpFbTrrInt !== undefined) (m.rtcpFbTrrInt ??= []).push({ payload: '*', value: d.rtcpFbTrrInt });
  if (d.bandwidths.length > 0) {
    m.bandwidth = d.bandwidths.map((b) => ({ type: b.type as 'AS', limit: b.value }));
  }
  if (d.rtcpMux) m.rtcpMux = 'rtcp-mux';
  if (d.hdrExts.length > 0) m.ext = d.hdrExts.map((h) => writeHdrExt(h, author));
  if (d.extmapAllowMixed) m.extmapAllowMixed = 'extmap-allow-mixed';
  if (d.sources.length > 0) {
    m.ssrcs = [];
    for (const s of d.sources) {
      // RFC 5576 §4.1: every SSRC needs an a=ssrc line, and cname is the one attribute each has;
      // a <source> without parameters (an rtx SSRC in an FID group) takes its group's cname.
      if (s.parameters.length === 0) {
        const cname = cnameFor(s.ssrc, d);
        if (cname !== undefined) m.ssrcs.push({ id: s.ssrc, attribute: 'cname', value: cname });
        continue;
      }
      for (const p of s.parameters) {
        m.ssrcs.push(
          p.value === ''
            ? { id: s.ssrc, attribute: p.name }
            : { id: s.ssrc, attribute: p.name, value: p.value },
        );
      }
    }
  }
  if (d.ssrcGroups.length > 0) {
    m.ssrcGroups = d.ssrcGroups.map((g) => ({ semantics: g.semantics, ssrcs: g.ssrcs.join(' ') }));
  }
}

// RFC 8285 §5: the direction of a header extension is, like a=sendonly, the SDP author's view.
function writeHdrExt(h: RtpHdrExt, author: Creator): NonNullable<SdpMedia['ext']>[number] {
  const ext: NonNullable<SdpMedia['ext']>[number] = { value: h.id, uri: h.uri };
  if (h.senders !== undefined && h.senders !== 'both') ext.direction = sendersToDirection(h.senders, author);
  if (h.parameters.length > 0) ext.config = h.parameters.map((p) => p.value).join(' ');
  return ext;
}

function readHdrExt(e: NonNullable<SdpMedia['ext']>[number], author: Creator): RtpHdrExt {
  const h: RtpHdrExt = { id: e.value, uri: e.uri, parameters: [] };
  if (e.direction !== undefined) h.senders = directionToSenders(e.direction as Direction, author);
  if (e.config !== undefined) h.parameters.push({ name: BARE_PARAMETER_NAME, value: e.config });
  return h;
}

/**
 * Reads the RTP description of an m-section; `sessionMixed` is a session-level
 * a=extmap-allow-mixed; `codecs` names the static payload types (mappings/codecs.yaml).
 */
export function readDescription(
  m: SdpMedia,
  author: Creator,
  sessionMixed: boolean,
  codecs: CodecTables,
): RtpDescription {
  const byId = new Map<number, PayloadType>();
  const payloadTypes: PayloadType[] = [];
  for (const token of String(m.payloads ?? '').split(' ')) {
    if (token === '') continue;
    const id = Number(token);
    if (!Number.isInteger(id) || byId.has(id)) continue;
    const p: PayloadType = { id, parameters: [], rtcpFb: [] };
    const known = staticPayloadType(id, codecs);
    if (known) {
      p.name = known.name;
      p.clockrate = known.clockrate;
      if (known.channels !== undefined && known.channels !== 1) p.channels = known.channels;
    }
    if (m.ptime !== undefined) p.ptime = m.ptime;
    if (m.maxptime !== undefined) p.maxptime = m.maxptime;
    byId.set(id, p);
    payloadTypes.push(p);
  }
  for (const r of m.rtp) {
    const p = byId.get(r.payload);
    if (!p) continue;
    p.name = r.codec;
    if (r.rate !== undefined) p.clockrate = r.rate;
    if (r.encoding !== undefined && r.encoding !== 1) p.channels = r.encoding;
    else delete p.channels;
  }
  for (const f of m.fmtp) byId.get(f.payload)?.parameters.push(...parseFmtp(f.config));
  const d: RtpDescription = {
    media: m.type,
    payloadTypes,
    bandwidths: (m.bandwidth ?? []).map((b) => ({ type: b.type, value: b.limit })),
    rtcpMux: m.rtcpMux !== undefined,
    rtcpFb: [],
    hdrExts: (m.ext ?? []).map((e) => readHdrExt(e, author)),
    extmapAllowMixed: m.extmapAllowMixed !== undefined || sessionMixed,
    sources: [],
    ssrcGroups: (m.ssrcGroups ?? []).map((g) => ({
      semantics: g.semantics,
      ssrcs: g.ssrcs
        .split(' ')
        .filter((s) => s !== '')
        .map(Number),
    })),
  };
  for (const fb of m.rtcpFb ?? []) {
    const entry: RtcpFb = { type: fb.type };
    if (fb.subtype !== undefined) entry.subtype = fb.subtype;
    if (fb.payload === '*') d.rtcpFb.push(entry);
    else byId.get(Number(fb.payload))?.rtcpFb.push(entry);
  }
  for (const t of m.rtcpFbTrrInt ?? []) {
    if (t.payload === '*') d.rtcpFbTrrInt = t.value;
    else {
      const p = byId.get(Number(t.payload));
      if (p) p.rtcpFbTrrInt = t.value;
    }
  }
  const sources = new Map<number, Parameter[]>();
  for (const s of m.ssrcs ?? []) {
    let params = sources.get(s.id);
    if (!params) {
      params = [];
      sources.set(s.id, params);
      d.sources.push({ ssrc: s.id, parameters: params });
    }
    params.push({ name: s.attribute, value: s.value === undefined ? '' : String(s.value) });
  }
  return d;
}

/** The cname of the SSRCs grouped with `ssrc`, else of any source in the description. */
function cnameFor(ssrc: number, d: RtpDescription): string | undefined {
  const cnameOf = (id: number): string | undefined =>
    d.sources.find((x) => x.ssrc === id)?.parameters.find((p) => p.name === 'cname')?.value;
  for (const g of d.ssrcGroups) {
    if (!g.ssrcs.includes(ssrc)) continue;
    for (const id of g.ssrcs) {
      const c = cnameOf(id);
      if (c !== undefined) return c;
    }
  }
  for (const x of d.sources) {
    const c = cnameOf(x.ssrc);
    if (c !== undefined) return c;
  }
  return undefined;
}
