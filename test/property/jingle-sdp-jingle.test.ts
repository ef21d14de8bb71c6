/**
 * Property: Jingle → SDP text → Jingle keeps every field the mapping carries
 * (docs/design.md §Media description, §Transport, §Security).
 *
 * Path: model → serializeJingle → parseJingleXml (the generator's output must be valid XML) →
 * jingleToSdp (real SDP text) → parseSdp → sdpToJingle → compare with `expectedAfterRoundTrip`.
 *
 * The SDP in the middle is also checked against an independent oracle (direction attributes,
 * a=setup, proto, RFC 5939 lines), because a mapping that is wrong the same way in both
 * directions (e.g. a reversed sendonly/recvonly) would still round-trip.
 *
 * NORMALISATION RULES (`expectedAfterRoundTrip`): only what the mapping inherently changes.
 *   N1 candidate `id` and `network` have no SDP form: they are regenerated, so they are dropped
 *      from both sides; every other candidate field is compared.
 *   N2 content senders absent ⇄ 'both' (XEP-0166 default; SDP writes a=sendrecv);
 *      rtp-hdrext senders 'both' ⇄ absent (RFC 8285: no direction means sendrecv, and the reader
 *      keeps it absent).
 *   N3 payload channels 1 ⇄ absent (RFC 4566 §6: encoding parameters default to 1).
 *   N4 DTLS setup: an offer always says actpass (RFC 8842 §5.2); an answer keeps active/passive/
 *      holdconn and turns actpass or absent into active (RFC 5763 §5). SDP has one a=setup per
 *      m-section, so the generator gives every fingerprint of a transport the same setup.
 *   N5 fingerprint hex is upper case (RFC 8122 writes it so; the generator already does).
 *   N6 XTLS methods: x509 is implied by a=fingerprint and comes first; other methods follow in order.
 *   N7 ptime/maxptime are per m-section in SDP: the (uniform) value ends up on every payload type.
 *   N8 content creator is 'initiator' (XEP-0166 §7.3: every content of a session-initiate /
 *      session-accept was created by the initiator; the generator only makes such contents).
 */
import * as fc from 'fast-check';
import { parseJingleXml, serializeJingle } from '../../src/jingle';
import type {
  Content,
  Creator,
  DtlsFingerprint,
  IceCandidate,
  Jingle,
  Senders,
  Setup,
  Transport,
} from '../../src/jingle/types';
import { parseSdp } from '../../src/sdp';
import type { SdpMedia } from '../../src/sdp/types';
import { jingleToSdp, sdpToJingle } from '../../src/translate/description';
import { jingleArb } from '../support/arbitraries';
import { tables } from '../support/tables';

const RUNS = 300;

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
type Kind = 'offer' | 'answer';

/** Independent oracle: who sends under `senders`, seen by the SDP author (RFC 3264 §5.1, §6). */
export function expectedDirection(s: Senders | undefined, author: Creator): Direction {
  const sends = (who: Creator): boolean => s === undefined || s === 'both' || s === who;
  const other: Creator = author === 'initiator' ? 'responder' : 'initiator';
  if (sends(author)) return sends(other) ? 'sendrecv' : 'sendonly';
  return sends(other) ? 'recvonly' : 'inactive';
}

function expectedSetup(fps: DtlsFingerprint[], kind: Kind): Setup {
  if (kind === 'offer') return 'actpass';
  const given = fps[0]?.setup;
  return given === 'active' || given === 'passive' || given === 'holdconn' ? given : 'active';
}

function normaliseCandidate(c: IceCandidate): Omit<IceCandidate, 'id' | 'network'> {
  const { id: _id, network: _network, ...rest } = c; // N1
  return rest;
}

function normaliseTransport(t: Transport | undefined, kind: Kind): unknown {
  if (!t || t.kind !== 'ice-udp') return t;
  const setup = expectedSetup(t.fingerprints, kind);
  return {
    ...t,
    candidates: t.candidates.map(normaliseCandidate),
    fingerprints: t.fingerprints.map((f) => ({ hash: f.hash, setup, value: f.value.toUpperCase() })), // N4, N5
  };
}

/** The model the round trip should give back, per the rules N1–N8 above. */
export function expectedAfterRoundTrip(j: Jingle, kind: Kind): unknown {
  return {
    action: j.action,
    contents: j.contents.map((c: Content) => {
      const d = c.description;
      const ptime = d?.payloadTypes.find((p) => p.ptime !== undefined)?.ptime; // N7
      const maxptime = d?.payloadTypes.find((p) => p.maxptime !== undefined)?.maxptime;
      const out: Record<string, unknown> = {
        creator: 'initiator', // N8
        name: c.name,
        senders: c.senders ?? 'both', // N2
        transport: normaliseTransport(c.transport, kind),
      };
      if (d) {
        out.description = {
          ...d,
          payloadTypes: d.payloadTypes.map((p) => ({
            ...p,
            channels: p.channels === 1 ? undefined : p.channels, // N3
            ptime,
            maxptime,
          })),
          hdrExts: d.hdrExts.map((h) => ({ ...h, senders: h.senders === 'both' ? undefined : h.senders })), // N2
        };
      }
      if (c.security) {
        out.security = {
          fingerprints: c.security.fingerprints.map((f) => ({ algo: f.algo, value: f.value.toUpperCase() })),
          methods: ['x509', ...c.security.methods.filter((m) => m !== 'x509')], // N6
        };
      }
      return out;
    }),
    groups: j.groups,
  };
}

function comparable(j: Jingle): unknown {
  return {
    action: j.action,
    contents: j.contents.map((c) => ({
      ...c,
      transport:
        c.transport?.kind === 'ice-udp'
          ? { ...c.transport, candidates: c.transport.candidates.map(normaliseCandidate) }
          : c.transport,
    })),
    groups: j.groups,
  };
}

/** Checks the SDP text itself against the oracle (catches errors that are symmetric in both directions). */
function checkSdp(j: Jingle, text: string, kind: Kind): void {
  const author: Creator = kind === 'offer' ? 'initiator' : 'responder';
  const sdp = parseSdp(text, tables.hashes);
  expect(sdp.media).toHaveLength(j.contents.length);
  expect((sdp.groups ?? []).map((g) => ({ semantics: g.type, contents: g.mids.split(' ') }))).toEqual(
    j.groups,
  );
  j.contents.forEach((c, i) => {
    const m = sdp.media[i] as SdpMedia;
    expect(m.mid).toBe(c.name);
    expect(m.direction).toBe(expectedDirection(c.senders, author));
    for (const [k, h] of (c.description?.hdrExts ?? []).entries()) {
      const dir = m.ext?.[k]?.direction;
      const want = expectedDirection(h.senders, author);
      expect(dir ?? 'sendrecv').toBe(want);
    }
    const d = c.description;
    const fb =
      !!d &&
      (d.rtcpFb.length > 0 ||
        d.rtcpFbTrrInt !== undefined ||
        d.payloadTypes.some((p) => p.rtcpFb.length > 0 || p.rtcpFbTrrInt !== undefined));
    const F = fb ? 'F' : '';
    const dtls = c.transport?.kind === 'ice-udp' ? c.transport.fingerprints : [];
    if (m.setup !== undefined) expect(['actpass', 'active', 'passive', 'holdconn']).toContain(m.setup);
    if (kind === 'answer') expect(m.setup).not.toBe('actpass');
    if (dtls.length > 0) {
      expect(m.protocol).toBe(`UDP/TLS/RTP/SAVP${F}`);
      expect(m.setup).toBe(expectedSetup(dtls, kind));
      expect(m.fingerprints.map((f) => `${f.hash.toLowerCase()} ${f.value}`)).toEqual(
        dtls.map((f) => `${f.hash} ${f.value}`),
      );
    } else if (c.security) {
      expect(m.fingerprints.map((f) => `${f.hash.toLowerCase()} ${f.value}`)).toEqual(
        c.security.fingerprints.map((f) => `${f.algo} ${f.value}`),
      );
      expect(m.setup).toBe(kind === 'offer' ? 'actpass' : 'active');
      if (kind === 'offer') {
        // docs/design.md §Security: actual RTP/AVP, DTLS offered as a potential configuration.
        expect(m.protocol).toBe(`RTP/AVP${F}`);
        expect(m.capneg.tcap).toEqual([{ base: 1, protos: [`UDP/TLS/RTP/SAVP${F}`, `RTP/AVP${F}`] }]);
        expect(m.capneg.pcfg).toEqual([{ num: 1, transports: [1], extensions: [] }]);
      } else {
        expect(m.protocol).toMatch(/^UDP\/TLS\/RTP\/SAVPF?$/);
        expect(m.capneg.acfg).toEqual([{ num: 1, transport: 1, extensions: [] }]);
      }
      expect(m.xtlsMethods).toEqual(c.security.methods.filter((x) => x !== 'x509'));
    } else if (d?.encryption) {
      expect(m.protocol).toMatch(new RegExp(`^RTP/(S)?AVP${F}$`));
      expect(m.crypto?.map((x) => x.id)).toEqual(d.encryption.cryptos.map((x) => x.tag));
    } else {
      expect(m.protocol).toBe(`RTP/AVP${F}`);
    }
  });
}

function roundTrip(j: Jingle, kind: Kind): void {
  // The generated model is valid Jingle: the XML layer gives it back unchanged.
  const xml = serializeJingle(j);
  const parsed = parseJingleXml(xml, tables.hashes).jingle;
  expect(parsed).toEqual(j);
  const text = jingleToSdp(xml, tables);
  checkSdp(j, text, kind);
  const back = sdpToJingle(text, tables, { action: j.action as 'session-initiate' | 'session-accept' });
  expect(comparable(back)).toEqual(expectedAfterRoundTrip(j, kind));
}

// SDES is generated both mandatory and optional (best-effort SRTP under RTP/AVP).
const REQUIRED_ONLY = { sdesRequired: fc.boolean() };

describe('property: Jingle → SDP → Jingle', () => {
  it('session-initiate (offer): every carried field survives', () => {
    fc.assert(
      fc.property(jingleArb({ action: 'session-initiate', ...REQUIRED_ONLY }), (j) => roundTrip(j, 'offer')),
      { numRuns: RUNS },
    );
  });

  it('session-accept (answer): every carried field survives, never actpass, senders seen by the responder', () => {
    fc.assert(
      fc.property(jingleArb({ action: 'session-accept', ...REQUIRED_ONLY }), (j) => roundTrip(j, 'answer')),
      { numRuns: RUNS },
    );
  });

  it('senders=initiator is a=recvonly in the answer and a=sendonly in the offer (docs/design.md example)', () => {
    fc.assert(
      fc.property(jingleArb({ action: 'session-accept', ...REQUIRED_ONLY }), (j) => {
        const accept: Jingle = { ...j, contents: j.contents.map((c) => ({ ...c, senders: 'initiator' })) };
        const initiate: Jingle = { ...accept, action: 'session-initiate' };
        for (const m of parseSdp(jingleToSdp(accept, tables), tables.hashes).media)
          expect(m.direction).toBe('recvonly');
        for (const m of parseSdp(jingleToSdp(initiate, tables), tables.hashes).media)
          expect(m.direction).toBe('sendonly');
      }),
      { numRuns: 50 },
    );
  });

  // BUG: src/translate/security.ts writeSecurity writes RTP/SAVP(F) for any SDES content, and
  // readSecurity reads RTP/SAVP as required=true, so optional SDES (<encryption required='false'>,
  // "best-effort SRTP" = RTP/AVP + a=crypto, as baresip's `srtp` mode sends) becomes mandatory.
  // Minimal counterexample: one content, one crypto, required=false → required=true.
  it('<encryption required="false"> survives the round trip (was a bug, fixed)', () => {
    const j: Jingle = {
      action: 'session-initiate',
      sid: 's1',
      contents: [
        {
          creator: 'initiator',
          name: 'a',
          description: {
            media: 'audio',
            payloadTypes: [{ id: 96, name: 'opus', clockrate: 48000, parameters: [], rtcpFb: [] }],
            encryption: {
              required: false,
              cryptos: [
                { tag: 1, cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${'A'.repeat(40)}` },
              ],
            },
            bandwidths: [],
            rtcpMux: false,
            rtcpFb: [],
            hdrExts: [],
            extmapAllowMixed: false,
            sources: [],
            ssrcGroups: [],
          },
          transport: {
            kind: 'ice-udp',
            ufrag: 'aaaa',
            pwd: 'a'.repeat(22),
            candidates: [],
            fingerprints: [],
          },
        },
      ],
      groups: [],
    };
    roundTrip(j, 'offer');
  });
});
