/**
 * The three security forms, one model (docs/design.md §Security):
 * - XEP-0320 DTLS-SRTP fingerprints in the transport ⇄ `a=fingerprint` + `a=setup` with
 *   UDP/TLS/RTP/SAVP(F) (RFC 5763, RFC 8842);
 * - the XTLS `<security>` element ⇄ RFC 5939 capability negotiation: security offered as a
 *   potential configuration over an actual RTP/AVP(F), taken by `a=acfg` in the answer;
 * - SDES `<crypto>` ⇄ `a=crypto` with RTP/SAVP(F) (RFC 4568).
 */
import type {
  Content,
  DtlsFingerprint,
  Encryption,
  RtpDescription,
  Setup,
  XtlsSecurity,
} from '../jingle/types';
import type { CapNeg, Fingerprint, Sdp, SdpMedia } from '../sdp/types';
import { hashByName, type HashTable } from '../mapping';
import { xtlsMethodForm, type Tables } from './tables';
import { InputError } from '../errors';
import { parseCrypto, parseFingerprint } from '../sdp/validate';
import type { Perspective } from './roles';

/** RFC 5124: the F profiles carry RTCP feedback; use them exactly when there is feedback to carry. */
export function hasFeedback(d: RtpDescription | undefined): boolean {
  if (!d) return false;
  return (
    d.rtcpFb.length > 0 ||
    d.rtcpFbTrrInt !== undefined ||
    d.payloadTypes.some((p) => p.rtcpFb.length > 0 || p.rtcpFbTrrInt !== undefined)
  );
}

/**
 * RFC 5763 §5 / RFC 8842 §5.2: the offerer says `actpass`; the answerer picks `active` or
 * `passive` and never answers `actpass` (forwarding an answering actpass breaks media).
 * An answer that says actpass, or says nothing, becomes `active` (RFC 5763 §5: the answerer
 * SHOULD be active).
 */
export function setupFor(given: Setup | string | undefined, type: Perspective['type']): Setup {
  if (type === 'offer') return 'actpass';
  if (given === 'active' || given === 'passive' || given === 'holdconn') return given;
  return 'active';
}

function sdpHashName(hash: string, hashes: HashTable): string {
  return hashByName(hashes, hash)?.sdp ?? hash.toLowerCase();
}

function jingleHashName(hash: string, hashes: HashTable): string {
  return hashByName(hashes, hash)?.name ?? hash.toLowerCase();
}

/** Which transport capability an answer takes from the offer's potential configuration. */
export interface CapNegChoice {
  config: number;
  transport: number;
  proto: string;
  /** The attribute capabilities (a=acap) the configuration uses: its first alternative. */
  attributes: number[];
}

const TLS_PROTO = /TLS/i;

/**
 * The first potential configuration of an offered m-section whose transport is a TLS profile
 * (RFC 5939 §3.5.1: listed in order of preference).
 */
export function offeredSecureConfig(offer: SdpMedia, session?: Sdp): CapNegChoice | undefined {
  const tcaps = [...(session?.capneg.tcap ?? []), ...offer.capneg.tcap];
  for (const cfg of offer.capneg.pcfg) {
    for (const t of cfg.transports) {
      const proto = transportProto(tcaps, t);
      if (proto && TLS_PROTO.test(proto)) {
        const attributes = (cfg.attributes?.alternatives[0] ?? []).map((a) => a.num);
        return { config: cfg.num, transport: t, proto, attributes };
      }
    }
  }
  return undefined;
}

/** RFC 5939 §3.5.2: the actual configuration names the transport and the attribute capabilities it took. */
function actualConfig(choice: CapNegChoice): SdpMedia['capneg']['acfg'][number] {
  const acfg: SdpMedia['capneg']['acfg'][number] = {
    num: choice.config,
    transport: choice.transport,
    extensions: [],
  };
  if (choice.attributes.length > 0) acfg.attributes = { nums: choice.attributes };
  return acfg;
}

/** The values of the attribute capabilities a configuration uses (`fingerprint:…`, `crypto:…`). */
function chosenAttributes(m: SdpMedia, session: Sdp, choice: CapNegChoice): string[] {
  const acaps = [...session.capneg.acap, ...m.capneg.acap];
  return choice.attributes.flatMap((n) => acaps.filter((a) => a.num === n).map((a) => a.value));
}

type SdpCrypto = NonNullable<SdpMedia['crypto']>[number];

function toJingleCrypto(c: SdpCrypto): Encryption['cryptos'][number] {
  const crypto: Encryption['cryptos'][number] = { tag: c.id, cryptoSuite: c.suite, keyParams: c.config };
  if (c.sessionConfig !== undefined) crypto.sessionParams = c.sessionConfig;
  return crypto;
}

/** The `a=acap:n crypto:…` keys of the first potential RTP/SAVP(F) configuration. */
function potentialSdes(m: SdpMedia, session: Sdp): SdpCrypto[] {
  const tcaps = [...session.capneg.tcap, ...m.capneg.tcap];
  const acaps = [...session.capneg.acap, ...m.capneg.acap];
  for (const cfg of m.capneg.pcfg) {
    if (!cfg.transports.some((t) => /^RTP\/SAVPF?$/i.test(transportProto(tcaps, t) ?? ''))) continue;
    const nums = (cfg.attributes?.alternatives[0] ?? []).map((a) => a.num);
    const cryptos = acaps
      .filter((a) => nums.includes(a.num) && a.value.startsWith('crypto:'))
      .map((a) => parseCrypto(a.value.slice('crypto:'.length)));
    if (cryptos.length > 0) return cryptos;
  }
  return [];
}

function transportProto(tcaps: CapNeg['tcap'], num: number): string | undefined {
  for (const t of tcaps) {
    const i = num - t.base;
    if (i >= 0 && i < t.protos.length) return t.protos[i];
  }
  return undefined;
}

/** The m= proto for a content, and the security attributes it carries, written onto `m`. */
export function writeSecurity(
  content: Content,
  m: SdpMedia,
  p: Perspective,
  tables: Tables,
  offer?: { media: SdpMedia; session: Sdp },
): void {
  const feedback = hasFeedback(content.description) ? 'F' : '';
  const dtls = content.transport?.fingerprints ?? [];
  const cryptos = content.description?.encryption?.cryptos ?? [];
  if (cryptos.length > 0) {
    m.crypto = cryptos.map((c) => {
      const out: { id: number; suite: string; config: string; sessionConfig?: string } = {
        id: c.tag,
        suite: c.cryptoSuite,
        config: c.keyParams,
      };
      if (c.sessionParams !== undefined) out.sessionConfig = c.sessionParams;
      return out;
    });
  }
  if (dtls.length > 0) {
    m.fingerprints = dtls.map((f) => ({ hash: sdpHashName(f.hash, tables.hashes), value: f.value }));
    m.setup = setupFor(dtls[0]?.setup, p.type);
    // A Jingle client that knows XEP-0320 but not XTLS answers an RFC 5939 offer with a DTLS
    // fingerprint: that takes the offered DTLS configuration, so say so with a=acfg (§3.12).
    const choice =
      p.type === 'answer' && offer && !TLS_PROTO.test(offer.media.protocol)
        ? offeredSecureConfig(offer.media, offer.session)
        : undefined;
    if (choice) {
      m.protocol = choice.proto;
      m.capneg.acfg = [actualConfig(choice)];
    } else {
      m.protocol = offeredProto(content, offer, `UDP/TLS/RTP/SAVP${feedback}`);
    }
  } else if (content.security) {
    writeXtls(content.security, m, p, feedback, tables, offer);
  } else {
    // RFC 4568 §3.1.4: SDES under RTP/SAVP is mandatory SRTP; offered as optional
    // (`required='false'`), the crypto rides on RTP/AVP ("best-effort SRTP", as baresip's srtp mode).
    const required = cryptos.length > 0 && content.description?.encryption?.required !== false;
    m.protocol = offeredProto(content, offer, required ? `RTP/SAVP${feedback}` : `RTP/AVP${feedback}`);
  }
}

/**
 * RFC 3264 §6: an answer's m= line uses the offer's transport profile. Jingle has no field for
 * the profile, so an offer rebuilds it (F exactly when there is RTCP feedback, RFC 5124), and
 * an answer copies the offer's.
 */
function offeredProto(content: Content, offer: { media: SdpMedia } | undefined, built: string): string {
  if (!offer) return built;
  const offered = offer.media.protocol;
  const base = (proto: string): string => proto.replace(/F$/, '');
  if (base(offered) === base(built)) return offered;
  // Best-effort SRTP (RFC 4568 §3.1.4): keys offered over RTP/AVP are answered over RTP/AVP.
  if (base(offered) === 'RTP/AVP' && base(built) === 'RTP/SAVP') return offered;
  // Any other difference would turn a secure offer's answer insecure, or the reverse.
  throw new InputError(
    'translate',
    `<content name='${content.name}'>`,
    `answers ${built} to an offer of ${offered} (RFC 3264 §6: the answer keeps the offer's profile)`,
  );
}
function writeXtls(
  sec: XtlsSecurity,
  m: SdpMedia,
  p: Perspective,
  feedback: string,
  tables: Tables,
  offer?: { media: SdpMedia; session: Sdp },
): void {
  m.fingerprints = sec.fingerprints.map((f) => ({
    hash: sdpHashName(f.algo, tables.hashes),
    value: f.value,
  }));
  m.xtlsMethods = sec.methods.filter(
    (name) => xtlsMethodForm(name, tables.xtlsMethods) === 'extension' || sec.fingerprints.length === 0,
  );
  if (m.fingerprints.length > 0) m.setup = setupFor(undefined, p.type);
  if (p.type === 'offer') {
    // RFC 5939 §3.4.2, §3.5.1: keep RTP/AVP as the actual configuration and offer DTLS-SRTP as
    // the potential one, so a peer without DTLS still talks (security is offered, not required).
    m.protocol = `RTP/AVP${feedback}`;
    m.capneg.tcap = [{ base: 1, protos: [`UDP/TLS/RTP/SAVP${feedback}`, `RTP/AVP${feedback}`] }];
    m.capneg.pcfg = [{ num: 1, transports: [1], extensions: [] }];
  } else {
    // RFC 5939 §3.12: the answer uses the chosen transport as its actual one and names the
    // configuration it took with a=acfg.
    const choice = (offer && offeredSecureConfig(offer.media, offer.session)) ?? {
      config: 1,
      transport: 1,
      proto: `UDP/TLS/RTP/SAVP${feedback}`,
      attributes: [],
    };
    m.protocol = choice.proto;
    m.capneg.acfg = [actualConfig(choice)];
  }
}

/** The security a Jingle content gets from an m-section (and its session-level defaults). */
export interface JingleSecurity {
  dtls: DtlsFingerprint[];
  xtls?: XtlsSecurity;
  encryption?: Encryption;
}

export function readSecurity(
  m: SdpMedia,
  session: Sdp,
  p: Perspective,
  where: string,
  hashes: HashTable,
): JingleSecurity {
  let fingerprints: Fingerprint[] = m.fingerprints.length > 0 ? m.fingerprints : session.fingerprints;
  const setup = m.setup ?? session.setup;
  const xtlsMethods = m.xtlsMethods.length > 0 ? m.xtlsMethods : session.xtlsMethods;
  const out: JingleSecurity = { dtls: [] };
  if (m.crypto && m.crypto.length > 0) {
    out.encryption = {
      // RFC 4568 §3.1.4: under RTP/SAVP the crypto is the session's only way to send media.
      required: /SAVP/i.test(m.protocol) && !TLS_PROTO.test(m.protocol),
      cryptos: m.crypto.map(toJingleCrypto),
    };
  } else {
    // RFC 5939 §4 (the SRTP example): keys offered only in a potential RTP/SAVP configuration
    // are optional SDES, `<encryption required='0'>`.
    const sdes = potentialSdes(m, session);
    if (sdes.length > 0) out.encryption = { required: false, cryptos: sdes.map(toJingleCrypto) };
  }
  const offered = offeredSecureConfig(m, session);
  const negotiated = m.capneg.acfg.length > 0 || offered !== undefined;
  if (offered) {
    // RFC 5939 §3.4.1: a fingerprint or key offered only as an attribute capability of the
    // secure configuration still belongs to it.
    for (const value of chosenAttributes(m, session, offered)) {
      const colon = value.indexOf(':');
      const name = value.slice(0, colon);
      if (name === 'fingerprint')
        fingerprints = [...fingerprints, parseFingerprint(value.slice(colon + 1), hashes)];
    }
  }
  const dtlsProto = TLS_PROTO.test(m.protocol);
  if (negotiated || (!dtlsProto && (fingerprints.length > 0 || xtlsMethods.length > 0))) {
    // RFC 5939 capability negotiation (or a fingerprint offered over plain RTP): the XTLS form.
    const methods = fingerprints.length > 0 ? ['x509'] : [];
    for (const name of xtlsMethods) if (!methods.includes(name)) methods.push(name);
    out.xtls = {
      fingerprints: fingerprints.map((f) => ({
        algo: jingleHashName(f.hash, hashes),
        value: f.value.toUpperCase(),
      })),
      methods,
    };
  } else if (dtlsProto) {
    // A disabled m-section (port 0, RFC 3264 §6) carries no media: rtpengine 10.5.3 writes one
    // with the DTLS proto and no fingerprint of its own when a stream is refused or removed.
    if (fingerprints.length === 0 && m.port === 0) return out;
    if (fingerprints.length === 0) {
      throw new InputError('sdp', where, `proto ${m.protocol} needs a=fingerprint (RFC 8842 §5)`);
    }
    const role = setupFor(setup, p.type);
    out.dtls = fingerprints.map((f) => ({
      hash: jingleHashName(f.hash, hashes),
      setup: role,
      value: f.value.toUpperCase(),
    }));
  }
  return out;
}
