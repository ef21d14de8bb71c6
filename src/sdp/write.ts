/**
 * writeSdp: sdp-transform's writer for the common grammar, then one pass over its lines that
 * puts our own lines in:
 *   - `m=` written by us (sdp-transform cannot write `<port>/<n>`);
 *   - `a=fingerprint`: all of them, where sdp-transform writes its single one;
 *   - `a=candidate`: ours (all extension pairs) in place of sdp-transform's;
 *   - at the end of each level: `a=x-xtls-method`, then RFC 5939 csup, creq, acap, tcap, pcfg, acfg.
 * CRLF line ends, ending with CRLF. The input model is not modified.
 */
import * as sdpTransform from 'sdp-transform';
import { InputError } from '../errors';
import { capNegLines } from './capneg';
import { formatCandidate } from './candidate';
import type { Fingerprint, Sdp, SdpMedia } from './types';
import { XTLS_METHOD_ATTRIBUTE } from './types';

type Loose = Record<string, unknown>;

interface Extras {
  fingerprints: string[];
  tail: string[];
  candidates: string[];
}

function fingerprintLine(f: Fingerprint): string {
  return `a=fingerprint:${f.hash} ${f.value}`;
}

function extrasOf(level: Pick<Sdp, 'fingerprints' | 'capneg' | 'xtlsMethods'>, candidates: string[]): Extras {
  const tail = level.xtlsMethods.map((m) => `a=${XTLS_METHOD_ATTRIBUTE}:${m}`);
  for (const l of capNegLines(level.capneg)) tail.push(`a=${l}`);
  return { fingerprints: level.fingerprints.map(fingerprintLine), tail, candidates };
}

/** A shallow copy for sdp-transform: our fields removed, the first fingerprint as its single one. */
function forTransform(level: Loose & Pick<Sdp, 'fingerprints'>): Loose {
  const copy: Loose = { ...level };
  delete copy.fingerprints;
  delete copy.capneg;
  delete copy.xtlsMethods;
  delete copy.numPorts;
  const first = level.fingerprints[0];
  if (first) copy.fingerprint = { type: first.hash, hash: first.value };
  else delete copy.fingerprint;
  return copy;
}

function mediaLine(m: SdpMedia): string {
  const port = m.numPorts !== undefined ? `${m.port}/${m.numPorts}` : String(m.port);
  return `m=${m.type} ${port} ${m.protocol} ${m.payloads ?? ''}`;
}

/** Does any string in the model contain CR, LF or NUL? (Paths are built only when one does.) */
function hasLineBreak(value: unknown): boolean {
  if (typeof value === 'string') return /[\r\n\0]/.test(value);
  if (typeof value !== 'object' || value === null) return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasLineBreak(v)) return true;
  return false;
}

/** A model built by hand (e.g. from Jingle) must not smuggle extra lines in through a value. */
function checkValues(value: unknown, path: string): void {
  if (!hasLineBreak(value)) return;
  if (typeof value === 'string') throw new InputError('sdp', path, 'a value contains CR, LF or NUL');
  for (const [k, v] of Object.entries(value as object)) {
    checkValues(v, Array.isArray(value) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`);
  }
}

export function writeSdp(sdp: Sdp): string {
  checkValues(sdp, '');
  const session = forTransform(sdp as unknown as Loose & Sdp);
  session.media = sdp.media.map((m) => forTransform(m as unknown as Loose & SdpMedia));
  const written = sdpTransform.write(session as unknown as sdpTransform.SessionDescription);

  const levels: Extras[] = [extrasOf(sdp, [])];
  for (const m of sdp.media)
    levels.push(
      extrasOf(
        m,
        (m.candidates ?? []).map((c) => `a=candidate:${formatCandidate(c)}`),
      ),
    );

  const out: string[] = [];
  let li = 0;
  let level = levels[0] as Extras;
  let fingerprintDone = false;
  let candidateIndex = 0;
  const lines = written.split('\r\n');
  lines.pop(); // the writer ends with CRLF
  for (const line of lines) {
    if (line.startsWith('m=')) {
      out.push(...level.tail);
      const m = sdp.media[li] as SdpMedia;
      li++;
      level = levels[li] as Extras;
      fingerprintDone = false;
      candidateIndex = 0;
      out.push(mediaLine(m));
    } else if (!fingerprintDone && line.startsWith('a=fingerprint:')) {
      // sdp-transform writes `fingerprint` before `invalid`, so the first one at a level is ours.
      fingerprintDone = true;
      out.push(...level.fingerprints);
    } else if (candidateIndex < level.candidates.length && line.startsWith('a=candidate:')) {
      out.push(level.candidates[candidateIndex] as string);
      candidateIndex++;
    } else {
      out.push(line);
    }
  }
  out.push(...level.tail);
  return out.join('\r\n') + '\r\n';
}
