/**
 * XEP-0181 Jingle DTMF: `<dtmf xmlns='urn:xmpp:jingle:dtmf:0' code='7' duration='400'/>` in a
 * session-info, one tone per message (§2). `code` is one of 0-9, #, *, A-D; `duration` is in
 * milliseconds (default 100, §2).
 */
import type { Element } from 'ltx';
import { build, fail, optInt, q, reqString } from './attrs';
import { NS_DTMF } from './namespaces';
import type { SessionInfo } from './types';

/** The tones of RFC 4733 §3.2 events 0–15, as XEP-0181 §2 writes them. */
export const DTMF_CODES = /^[0-9#*A-D]$/;

/** The longest tone we pass on (ms): anything longer is a stuck key, not a digit. */
export const MAX_DTMF_DURATION = 10000;

export function parseDtmf(el: Element): Extract<SessionInfo, { kind: 'dtmf' }> {
  const where = `<dtmf xmlns=${q(NS_DTMF)}>`;
  const code = reqString(el, 'code', where).toUpperCase();
  if (!DTMF_CODES.test(code)) fail(`${where} code`, `${q(code)} is not one of 0-9, #, *, A-D`);
  const duration = optInt(el, 'duration', 1, MAX_DTMF_DURATION, where);
  return duration === undefined ? { kind: 'dtmf', code } : { kind: 'dtmf', code, duration };
}

export function dtmfToElement(info: Extract<SessionInfo, { kind: 'dtmf' }>): Element {
  return build('dtmf', {
    xmlns: NS_DTMF,
    code: info.code,
    duration: info.duration,
  });
}
