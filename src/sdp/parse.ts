/**
 * parseSdp: one strict pass over the lines (RFC 4566 §5 syntax and order, and the grammar of the
 * attributes that carry media parameters) that also feeds each line to sdp-transform's parser for
 * the common grammar (./transform-parse: the same model as `sdpTransform.parse`, without a second
 * pass), then the parts sdp-transform gets wrong or does not parse are replaced with ours
 * (fingerprints, RFC 5939, x-xtls-method, candidates, crypto, ice-options, `m=` port count).
 */
import type * as sdpTransform from 'sdp-transform';
import { InputError, isInputError } from '../errors';
import type { HashTable } from '../mapping';
import { addCapNegAttribute, CAPNEG_ATTRIBUTES, emptyCapNeg, type CapNegAttribute } from './capneg';
import { parseCandidate } from './candidate';
import type { CapNeg, Fingerprint, Sdp, SdpCandidate, SdpMedia } from './types';
import { XTLS_METHOD_ATTRIBUTE } from './types';
import { TransformParser } from './transform-parse';
import {
  checkBandwidth,
  checkConnection,
  checkFmtp,
  checkIceCredential,
  checkIceOptions,
  checkOrigin,
  checkRtcpFb,
  checkRtpmap,
  checkSetup,
  checkTiming,
  checkXtlsMethod,
  parseCrypto,
  parseFingerprint,
  parseMediaLine,
  type MediaLine,
} from './validate';

/** Largest SDP body accepted, in UTF-8 bytes. */
export const MAX_SDP_BYTES = 64 * 1024;
/** More m= sections than any call has (a large unified-plan conference stays far below). */
export const MAX_MEDIA_SECTIONS = 64;

/** RFC 4566 §5 order. Session: v o s i u e p c b t r z k a; media: m i c b k a. */
const SESSION_RANK: Record<string, number> = {
  v: 0,
  o: 1,
  s: 2,
  i: 3,
  u: 4,
  e: 5,
  p: 6,
  c: 7,
  b: 8,
  t: 9,
  r: 10,
  z: 11,
  k: 12,
  a: 13,
};
const MEDIA_RANK: Record<string, number> = { i: 0, c: 1, b: 2, k: 3, a: 4 };
/** Line types the model keeps more than one of at a level. */
const REPEATABLE = new Set(['b', 'a']);
/** Attributes that may appear once per level (sdp-transform keeps only the last). */
const SINGLE_ATTRIBUTES = new Set(['setup', 'ice-ufrag', 'ice-pwd', 'ice-options', 'mid', 'direction']);
const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
const MEDIA_ONLY = new Set(['candidate', 'rtpmap', 'fmtp', 'rtcp-fb', 'crypto', 'mid', 'end-of-candidates']);
const CAPNEG = new Set<string>(CAPNEG_ATTRIBUTES);
const ATTRIBUTE_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

type Crypto = NonNullable<SdpMedia['crypto']>[number];

/** What our pass collects for one level (session or one m-section). */
interface Level {
  fingerprints: Fingerprint[];
  capneg: CapNeg;
  xtlsMethods: string[];
  candidates: SdpCandidate[];
  crypto: Crypto[];
  iceOptions?: string;
  /** Lines that sdp-transform puts in `invalid` and we parse: filter them out afterwards. */
  ownInvalid: boolean;
  single: Set<string>;
  seen: Set<string>;
  mline?: MediaLine;
  lineNo: number;
  lineText: string;
  hasConnection: boolean;
}

function newLevel(lineNo: number, lineText: string): Level {
  return {
    lineText,
    fingerprints: [],
    capneg: emptyCapNeg(),
    xtlsMethods: [],
    candidates: [],
    crypto: [],
    ownInvalid: false,
    single: new Set(),
    seen: new Set(),
    lineNo,
    hasConnection: false,
  };
}

/** `line 7 (a=candidate:…)`: the line number and the start of the line. */
export function lineWhere(lineNo: number, line: string): string {
  const shown = line.length > 60 ? `${line.slice(0, 57)}…` : line;
  return `line ${lineNo} (${shown})`;
}

/** SDP text → the model; fingerprints are checked against `hashes` (mappings/hashes.yaml). */
export function parseSdp(text: string, hashes: HashTable): Sdp {
  // Cheap bound first: a UTF-16 length above the limit is above it in UTF-8 too.
  if (text.length > MAX_SDP_BYTES || Buffer.byteLength(text, 'utf8') > MAX_SDP_BYTES) {
    throw new InputError('sdp', 'body', `larger than ${MAX_SDP_BYTES} bytes`);
  }
  const lines = text.split('\n');
  let count = lines.length;
  while (count > 0 && (lines[count - 1] === '' || lines[count - 1] === '\r')) count--;
  if (count === 0) throw new InputError('sdp', 'body', 'empty');

  const session = newLevel(1, 'v=0');
  const media: Level[] = [];
  let level = session;
  let rank = -1;
  let seenT = false;
  let n = 0;
  let line = '';
  const transform = new TransformParser();
  try {
    for (n = 1; n <= count; n++) {
      line = lines[n - 1] as string;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.includes('\r')) throw new InputError('sdp', '', 'bare CR inside a line');
      if (line.includes('\0')) throw new InputError('sdp', '', 'NUL character');
      if (line.length < 2 || line.charCodeAt(1) !== 61 /* = */) {
        throw new InputError('sdp', '', line === '' ? 'empty line' : 'not a <type>=<value> line');
      }
      const type = line[0] as string;
      const value = line.slice(2);
      if (n === 1) {
        if (line !== 'v=0') throw new InputError('sdp', '', 'the first line must be v=0');
        rank = 0;
        transform.line(type, value);
        continue;
      }
      if (n === 2 && type !== 'o') throw new InputError('sdp', '', 'the second line must be o=');
      if (n === 3 && type !== 's') throw new InputError('sdp', '', 'the third line must be s=');
      if (type === 'm') {
        if (!seenT) throw new InputError('sdp', '', 'no t= line before the first m= line');
        if (media.length >= MAX_MEDIA_SECTIONS) {
          throw new InputError('sdp', '', `more than ${MAX_MEDIA_SECTIONS} m= sections`);
        }
        if (level !== session) finishMedia(level, session);
        level = newLevel(n, line);
        level.mline = parseMediaLine(value);
        media.push(level);
        rank = -1;
        transform.line(type, value);
        continue;
      }
      const ranks = level === session ? SESSION_RANK : MEDIA_RANK;
      const r = ranks[type];
      // Be liberal in what we accept (RFC 1122 §1.2.2): RFC 5763 §5's own example and the seed
      // offer put session-level a= lines before c=/t=, and phones copy them. Session a= lines
      // may stand anywhere after s=; every other line keeps RFC 4566's order.
      const looseAttribute = type === 'a' && level === session;
      if (r === undefined) {
        throw new InputError(
          'sdp',
          '',
          /^[a-z]$/.test(type) ? `'${type}=' is not allowed here` : 'not a <type>=<value> line',
        );
      }
      if (!looseAttribute && r < rank)
        throw new InputError(
          'sdp',
          '',
          `'${type}=' out of order (RFC 4566 §5: ${orderText(level === session)})`,
        );
      if (r === rank && !REPEATABLE.has(type)) {
        throw new InputError('sdp', '', `more than one ${type}= line (the model keeps one)`);
      }
      if (!looseAttribute) rank = r;
      let key: string | undefined;
      switch (type) {
        case 'o':
          checkOrigin(value);
          break;
        case 't':
          checkTiming(value);
          seenT = true;
          break;
        case 'c':
          checkConnection(value);
          level.hasConnection = true;
          break;
        case 'b':
          checkBandwidth(value);
          break;
        case 'k':
          throw new InputError('sdp', '', 'k= is obsolete (RFC 8866 §5.12) and not accepted');
        case 'a':
          key = attribute(level, level === session, value, hashes);
          break;
        default:
          break;
      }
      transform.line(type, value, key);
    }
    if (!seenT) throw new InputError('sdp', '', 'no t= line');
    if (level !== session) finishMedia(level, session);
  } catch (e) {
    if (!isInputError(e)) throw e;
    const at = n > count ? count : n;
    const where = e.where.startsWith('line ') ? e.where : lineWhere(at, at === n ? line : lineOf(lines, at));
    throw new InputError('sdp', where, e.detail);
  }

  return assemble(transform.finish(), session, media);
}

function lineOf(lines: string[], n: number): string {
  return (lines[n - 1] as string).replace(/\r$/, '');
}

function orderText(isSession: boolean): string {
  return isSession ? 'v o s i u e p c b t r z k a, then m=' : 'm i c b k a';
}

/** RFC 4566 §5.7: c= in every m-section or at the session level. */
function finishMedia(m: Level, session: Level): void {
  if (!m.hasConnection && !session.hasConnection) {
    throw new InputError(
      'sdp',
      lineWhere(m.lineNo, m.lineText),
      'no c= line in this media section or at session level',
    );
  }
}

/** Checks one `a=` line; returns its key for TransformParser: `<name>:`, or the value without a colon. */
function attribute(level: Level, isSession: boolean, value: string, hashes: HashTable): string {
  const colon = value.indexOf(':');
  const ruleKey = colon < 0 ? value : value.slice(0, colon + 1);
  const name = colon < 0 ? value : value.slice(0, colon);
  const arg = colon < 0 ? '' : value.slice(colon + 1);
  if (!ATTRIBUTE_NAME.test(name)) throw new InputError('sdp', '', `attribute name '${name}' is not a token`);
  if (isSession && MEDIA_ONLY.has(name))
    throw new InputError('sdp', '', `a=${name} belongs in a media section`);
  const key = DIRECTIONS.has(name) ? 'direction' : name;
  if (SINGLE_ATTRIBUTES.has(key)) {
    if (level.seen.has(key))
      throw new InputError(
        'sdp',
        '',
        `more than one a=${key === 'direction' ? 'sendrecv/sendonly/recvonly/inactive' : name}`,
      );
    level.seen.add(key);
  }
  if (colon < 0 && needsValue(name)) throw new InputError('sdp', '', `a=${name} needs a value`);
  switch (name) {
    case 'fingerprint':
      level.fingerprints.push(parseFingerprint(arg, hashes));
      return ruleKey;
    case XTLS_METHOD_ATTRIBUTE:
      checkXtlsMethod(arg);
      level.xtlsMethods.push(arg);
      level.ownInvalid = true;
      return ruleKey;
    case 'candidate':
      level.candidates.push(parseCandidate(arg));
      return ruleKey;
    case 'crypto':
      level.crypto.push(parseCrypto(arg));
      return ruleKey;
    case 'ice-options':
      checkIceOptions(arg);
      level.iceOptions = arg;
      return ruleKey;
    case 'ice-ufrag':
    case 'ice-pwd':
      checkIceCredential(name, arg);
      return ruleKey;
    case 'rtpmap':
      checkRtpmap(arg);
      return ruleKey;
    case 'fmtp':
      checkFmtp(arg);
      return ruleKey;
    case 'rtcp-fb':
      checkRtcpFb(arg);
      return ruleKey;
    case 'setup':
      checkSetup(arg);
      return ruleKey;
    default:
      if (CAPNEG.has(name)) {
        addCapNegAttribute(level.capneg, name as CapNegAttribute, arg);
        level.ownInvalid = true;
      }
  }
  return ruleKey;
}

function needsValue(name: string): boolean {
  return (
    name === 'fingerprint' ||
    name === XTLS_METHOD_ATTRIBUTE ||
    name === 'candidate' ||
    name === 'crypto' ||
    name === 'ice-options' ||
    name === 'ice-ufrag' ||
    name === 'ice-pwd' ||
    name === 'rtpmap' ||
    name === 'fmtp' ||
    name === 'rtcp-fb' ||
    name === 'setup' ||
    CAPNEG.has(name)
  );
}

/** Is this `invalid` entry one of the lines we parsed ourselves? */
function isOwn(value: string): boolean {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  return name === XTLS_METHOD_ATTRIBUTE || CAPNEG.has(name);
}

type Loose = Record<string, unknown>;

/** sdp-transform turns any all-digit value into a number; these fields are strings in the model. */
function keepString(o: Loose | undefined, ...keys: string[]): void {
  if (!o) return;
  for (const k of keys) if (typeof o[k] === 'number') o[k] = String(o[k]);
}

function keepStrings(list: Loose[] | undefined, ...keys: string[]): void {
  if (list) for (const o of list) keepString(o, ...keys);
}

function applyLevel(target: Loose, level: Level): void {
  delete target.fingerprint;
  target.fingerprints = level.fingerprints;
  target.capneg = level.capneg;
  target.xtlsMethods = level.xtlsMethods;
  if (level.iceOptions !== undefined) target.iceOptions = level.iceOptions;
  const invalid = target.invalid as { value: string }[] | undefined;
  if (invalid) {
    keepStrings(invalid as unknown as Loose[], 'value');
    if (level.ownInvalid) {
      const rest = invalid.filter((i) => !isOwn(i.value));
      if (rest.length > 0) target.invalid = rest;
      else delete target.invalid;
    }
  }
  keepString(target, 'description', 'control', 'setup', 'iceUfrag', 'icePwd');
}

function assemble(parsed: sdpTransform.SessionDescription, session: Level, media: Level[]): Sdp {
  const s = parsed as unknown as Loose;
  applyLevel(s, session);
  keepString(s, 'name', 'uri', 'email', 'phone', 'timezones', 'repeats');
  keepString(s.origin as Loose, 'username');
  keepStrings(s.groups as Loose[], 'mids');
  keepString(s.msidSemantic as Loose, 'token');
  if (parsed.media.length !== media.length) {
    throw new InputError(
      'sdp',
      'body',
      `sdp-transform found ${parsed.media.length} m= lines, expected ${media.length}`,
    );
  }
  parsed.media.forEach((pm, i) => {
    const level = media[i] as Level;
    const m = pm as unknown as Loose;
    const ml = level.mline as MediaLine;
    m.type = ml.type;
    m.port = ml.port;
    m.protocol = ml.protocol;
    m.payloads = ml.payloads;
    if (ml.numPorts !== undefined) m.numPorts = ml.numPorts;
    applyLevel(m, level);
    if (level.candidates.length > 0) m.candidates = level.candidates;
    if (level.crypto.length > 0) m.crypto = level.crypto;
    keepString(m, 'mid', 'label', 'remoteCandidates');
    keepStrings(m.fmtp as Loose[], 'config');
    keepStrings(m.rtp as Loose[], 'codec');
    keepStrings(m.ssrcs as Loose[], 'value');
    keepStrings(m.ssrcGroups as Loose[], 'ssrcs');
    keepStrings(m.msid as Loose[], 'id', 'appdata');
    keepString(m.rtcp as Loose, 'address');
  });
  return parsed as unknown as Sdp;
}
