/**
 * Grammar checks for single SDP lines, used by parseSdp before sdp-transform sees the text.
 * Each check throws InputError('sdp', '<line type>', detail); parseSdp re-throws it naming the line.
 * Numbers are checked without leading zeros, so that sdp-transform's number conversion round-trips.
 */
import { hashByName, type HashTable } from '../mapping';
import { InputError } from '../errors';
import { connectionAddressProblem, isHostAddress } from './address';
import type { Fingerprint, SdpMedia } from './types';

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const PROTO = /^[A-Za-z0-9\-.!%*_+`'~]+(?:\/[A-Za-z0-9\-.!%*_+`'~]+)*$/;
const UINT = /^(?:0|[1-9][0-9]*)$/;

function fail(where: string, detail: string): never {
  throw new InputError('sdp', where, detail);
}

export function uint(where: string, what: string, s: string, max: number): number {
  if (s.length > 16 || !UINT.test(s) || Number(s) > max) {
    fail(where, `${what} '${s}' is not an integer 0…${max} (no leading zeros)`);
  }
  return Number(s);
}

/** RFC 4566 §5.2 o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
export function checkOrigin(value: string): void {
  const f = value.split(' ');
  if (f.length !== 6) fail('o=', 'expected 6 fields: username sess-id sess-version IN IP4|IP6 address');
  const [username, id, version, nettype, addrtype, address] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (username === '') fail('o=', 'empty username (use "-")');
  // RFC 8866 §9: username = non-ws-string (1*(VCHAR / %x80-FF)). A tab or another space there
  // would also leave sdp-transform's o= grammar (`\S*`) unmatched and the model without an origin.
  if (!/^[^\s\x00-\x1f\x7f]+$/.test(username))
    fail('o=', `username ${JSON.stringify(username.slice(0, 32))} has a space or control character`);
  if (!/^[0-9]{1,20}$/.test(id)) fail('o=', `sess-id '${id}' is not a number`);
  uint('o=', 'sess-version', version, Number.MAX_SAFE_INTEGER);
  if (nettype !== 'IN') fail('o=', `network type '${nettype}' is not IN`);
  if (addrtype !== 'IP4' && addrtype !== 'IP6') fail('o=', `address type '${addrtype}' is not IP4 or IP6`);
  if (address === '' || (address !== '-' && !isHostAddress(address))) {
    fail('o=', `'${address}' is not an address or host name`);
  }
}

/** RFC 4566 §5.9 t=<start-time> <stop-time> */
export function checkTiming(value: string): void {
  const f = value.split(' ');
  if (f.length !== 2) fail('t=', 'expected <start-time> <stop-time>');
  uint('t=', 'start-time', f[0] as string, Number.MAX_SAFE_INTEGER);
  uint('t=', 'stop-time', f[1] as string, Number.MAX_SAFE_INTEGER);
}

/** RFC 4566 §5.7 c=<nettype> <addrtype> <connection-address> */
export function checkConnection(value: string): void {
  const f = value.split(' ');
  if (f.length !== 3) fail('c=', 'expected IN IP4|IP6 <address>');
  if (f[0] !== 'IN') fail('c=', `network type '${f[0]}' is not IN`);
  const problem = connectionAddressProblem(f[1] as string, f[2] as string);
  if (problem) fail('c=', problem);
}

/** RFC 4566 §5.8 b=<bwtype>:<bandwidth>; sdp-transform keeps only these types (RFC 3556, RFC 3890). */
export function checkBandwidth(value: string): void {
  const m = /^([A-Za-z0-9-]+):(.*)$/.exec(value);
  if (!m) fail('b=', 'expected <bwtype>:<bandwidth>');
  if (!['AS', 'CT', 'RR', 'RS', 'TIAS'].includes(m[1] as string)) {
    fail('b=', `bandwidth type '${m[1]}' is not supported (AS, CT, RR, RS, TIAS)`);
  }
  uint('b=', 'bandwidth', m[2] as string, Number.MAX_SAFE_INTEGER);
}

export interface MediaLine {
  type: string;
  port: number;
  numPorts?: number;
  protocol: string;
  payloads: string;
}

/** RFC 4566 §5.14 m=<media> <port>[/<number of ports>] <proto> <fmt> … */
export function parseMediaLine(value: string): MediaLine {
  const f = value.split(' ');
  if (f.length < 4) fail('m=', 'expected <media> <port>[/<n>] <proto> <fmt> …');
  const [type, portPart, protocol] = f as [string, string, string];
  if (!/^[A-Za-z0-9_]+$/.test(type)) fail('m=', `media '${type}' is not a token`);
  const slash = portPart.indexOf('/');
  const port = uint('m=', 'port', slash < 0 ? portPart : portPart.slice(0, slash), 65535);
  if (!PROTO.test(protocol) || !/^[\w/]+$/.test(protocol))
    fail('m=', `'${protocol}' is not a transport protocol`);
  const fmts = f.slice(3);
  for (const fmt of fmts) if (!TOKEN.test(fmt) && fmt !== '*') fail('m=', `format '${fmt}' is not a token`);
  const m: MediaLine = { type, port, protocol, payloads: fmts.join(' ') };
  if (slash >= 0) {
    m.numPorts = uint('m=', 'number of ports', portPart.slice(slash + 1), 65535);
    if (m.numPorts < 1) fail('m=', 'number of ports must be at least 1');
  }
  return m;
}

/** `<pt> …` of rtpmap/fmtp/rtcp-fb: an RTP payload type 0–127 (RFC 3551 §3). */
function payloadType(where: string, s: string): number {
  return uint(where, 'payload type', s, 127);
}

/** Splits `<first> <rest>` at the first space. */
function head(value: string): [string, string | undefined] {
  const sp = value.indexOf(' ');
  return sp < 0 ? [value, undefined] : [value.slice(0, sp), value.slice(sp + 1)];
}

/** RFC 4566 §6 a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
export function checkRtpmap(value: string): void {
  const [pt, rest] = head(value);
  payloadType('a=rtpmap', pt);
  const m = rest === undefined ? null : /^([\w\-.]+)\/([^/]*)(?:\/(\S+))?$/.exec(rest);
  if (!m) fail('a=rtpmap', 'expected <payload type> <encoding name>/<clock rate>[/<parameters>]');
  // sdp-transform writes neither a clock rate nor channels of 0, so 0 would not round-trip.
  if (uint('a=rtpmap', 'clock rate', m[2] as string, 2 ** 32 - 1) === 0) fail('a=rtpmap', 'clock rate 0');
  if (m[3] === '0') fail('a=rtpmap', 'encoding parameters 0');
}

/** RFC 4566 §6 a=fmtp:<format> <format specific parameters> */
export function checkFmtp(value: string): void {
  const [pt, rest] = head(value);
  payloadType('a=fmtp', pt);
  if (rest === undefined || rest === '') fail('a=fmtp', 'missing the format parameters');
}

/** RFC 4585 §4.2 a=rtcp-fb:<pt|*> <type> [<subtype>] (sdp-transform keeps no more than that). */
export function checkRtcpFb(value: string): void {
  const f = value.split(' ');
  if (f[0] !== '*') payloadType('a=rtcp-fb', f[0] as string);
  if (f.length < 2 || f.length > 3) fail('a=rtcp-fb', 'expected <payload type|*> <type> [<subtype>]');
  if (f[1] === 'trr-int') {
    if (f.length !== 3) fail('a=rtcp-fb', 'trr-int needs a value');
    uint('a=rtcp-fb', 'trr-int', f[2] as string, 2 ** 32 - 1);
    return;
  }
  for (const t of f.slice(1)) if (!/^[\w-]+$/.test(t)) fail('a=rtcp-fb', `'${t}' is not a feedback type`);
}

/** RFC 4145 §4 / RFC 8842 §3 a=setup */
export function checkSetup(value: string): void {
  if (!['actpass', 'active', 'passive', 'holdconn'].includes(value)) {
    fail('a=setup', `'${value}' is not actpass, active, passive or holdconn`);
  }
}

/** RFC 8839 §5.6 a=ice-options:<ice-option-tag> *(SP ice-option-tag), kept whole. */
export function checkIceOptions(value: string): void {
  for (const t of value.split(' '))
    if (!/^[A-Za-z0-9+/-]+$/.test(t)) fail('a=ice-options', `'${t}' is not an ice option`);
}

/** RFC 8839 §5.4 ice-ufrag / ice-pwd: ice-chars (4–256 for ufrag, 22–256 for pwd; length not enforced). */
export function checkIceCredential(name: string, value: string): void {
  if (!/^[A-Za-z0-9+/]{1,256}$/.test(value)) fail(`a=${name}`, `'${value}' is not 1-256 ice-chars`);
}

type Crypto = NonNullable<SdpMedia['crypto']>[number];

/**
 * RFC 4568 §9.1 a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
 * (sdp-transform keeps only the first session parameter; we keep them all in `sessionConfig`.)
 */
export function parseCrypto(value: string): Crypto {
  const f = value.split(' ');
  if (f.length < 3) fail('a=crypto', 'expected <tag> <crypto-suite> <key-params> [<session-params>]');
  const id = uint('a=crypto', 'tag', f[0] as string, 999999999);
  const suite = f[1] as string;
  if (!/^[A-Za-z0-9_]+$/.test(suite)) fail('a=crypto', `crypto-suite '${suite}' is not valid`);
  const config = f[2] as string;
  for (const kp of config.split(';')) {
    if (!/^[A-Za-z0-9_.-]+:\S+$/.test(kp))
      fail('a=crypto', `key-param '${kp}' is not <key-method>:<key-info>`);
  }
  const session = f.slice(3);
  for (const p of session) if (p === '') fail('a=crypto', 'empty session parameter');
  const c: Crypto = { id, suite, config };
  if (session.length > 0) c.sessionConfig = session.join(' ');
  return c;
}

/** RFC 8122 §5 a=fingerprint:<hash-func> <fingerprint>, the hash known and the length right. */
export function parseFingerprint(value: string, hashes: HashTable): Fingerprint {
  // RFC 5763 §5's example (and the seed copied from it) writes `a=fingerprint: SHA-1 …`.
  const [hash, fp] = head(value.trimStart());
  const entry = hashByName(hashes, hash);
  if (!entry) fail('a=fingerprint', `unknown hash function '${hash}'`);
  if (fp === undefined || !/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*$/.test(fp)) {
    fail('a=fingerprint', 'fingerprint must be hex pairs separated by colons');
  }
  const pairs = (fp.length + 1) / 3;
  if (pairs !== entry.bytes) fail('a=fingerprint', `${hash} needs ${entry.bytes} hex pairs, found ${pairs}`);
  return { hash, value: fp };
}

/** `a=x-xtls-method:<name>`: a token. */
export function checkXtlsMethod(value: string): void {
  if (!TOKEN.test(value)) fail('a=x-xtls-method', `'${value}' is not a token`);
}
