/**
 * Message-level rules checked after parsing (RFC 3261 §8.1.1, §8.2.2, §20): the mandatory headers,
 * the ones that may appear only once, and the grammar of the headers the gateway relies on. Other
 * headers (Date, Require, …) stay unparsed text: judging them is the job of the layer that uses
 * them (RFC 4475 §3.1.2.12, §3.3.1).
 */
import { InputError } from '../../errors';
import { isAlphaNum, isDigits, splitHeaderValues } from './grammar';
import { headerKey } from './headers';
import { parseCSeq } from './cseq';
import { parseNameAddr } from './name-addr';
import type { SipHeader, SipMessage } from './types';
import { parseVia, rememberTopVia } from './via';

const CALLID_WORD_MARKS = new Set('-.!%*_+`\'~()<>:\\"/[]?{}');

/** callid = word [ "@" word ] (RFC 3261 §25.1). */
export function isValidCallId(value: string): boolean {
  const parts = value.split('@');
  if (parts.length > 2) return false;
  return parts.every((w) => {
    if (w.length === 0) return false;
    for (const c of w) if (!isAlphaNum(c) && !CALLID_WORD_MARKS.has(c)) return false;
    return true;
  });
}

function listValues(hs: SipHeader[], where: string): string[] {
  const out: string[] = [];
  for (const h of hs) {
    for (const v of splitHeaderValues(h.value)) {
      if (v === '') throw new InputError('sip', where, 'empty list element');
      out.push(v);
    }
  }
  return out;
}

export function validateMessage(msg: SipMessage): void {
  const byKey = new Map<string, SipHeader[]>();
  for (const h of msg.headers) {
    const k = headerKey(h.name);
    const list = byKey.get(k);
    if (list) list.push(h);
    else byKey.set(k, [h]);
  }
  const get = (key: string): SipHeader[] => byKey.get(key) ?? [];
  const single = (key: string, name: string): string | undefined => {
    const list = get(key);
    if (list.length === 0) return undefined;
    if (list.length > 1) throw new InputError('sip', `header ${name}`, `appears ${list.length} times`);
    return list[0].value;
  };
  // The checked value itself, typed: no `as string` after the check.
  const required = (key: string, name: string): string => {
    const value = single(key, name);
    if (value === undefined) throw new InputError('sip', `header ${name}`, 'missing');
    return value;
  };

  // §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory in requests. A missing
  // Max-Forwards is tolerated here (RFC 2543 peers); the SIP leg supplies the default of 70.
  parseNameAddr(required('to', 'To'), 'header To');
  parseNameAddr(required('from', 'From'), 'header From');
  const callId = required('call-id', 'Call-ID');
  if (!isValidCallId(callId)) throw new InputError('sip', 'header Call-ID', 'invalid Call-ID');
  const cseq = parseCSeq(required('cseq', 'CSeq'));
  if (msg.kind === 'request' && cseq.method !== msg.method) {
    // §8.2.2 / RFC 4475 §3.1.2.17-18: a mismatch gets a stateless 400 (§3.1.2.18 allows it for an
    // unknown method too, where 501 would be its first choice).
    throw new InputError(
      'sip',
      'header CSeq',
      `method ${cseq.method} does not match request method ${msg.method}`,
    );
  }
  const vias = listValues(get('via'), 'header Via');
  if (vias.length === 0) throw new InputError('sip', 'header Via', 'missing');
  // Every Via must parse; the top one is kept so the bridge and the UA need not parse it again.
  rememberTopVia(vias[0], parseVia(vias[0]));
  for (let i = 1; i < vias.length; i++) parseVia(vias[i]);

  const mf = single('max-forwards', 'Max-Forwards');
  if (mf !== undefined && (!isDigits(mf) || mf.length > 5 || Number(mf) > 255)) {
    // §20.22: Max-Forwards is an integer in the range 0-255.
    throw new InputError('sip', 'header Max-Forwards', `not an integer 0-255: "${mf.slice(0, 20)}"`);
  }

  const contacts = listValues(get('contact'), 'header Contact');
  for (const c of contacts) {
    if (c === '*') {
      if (contacts.length > 1) throw new InputError('sip', 'header Contact', '"*" must be the only value');
    } else parseNameAddr(c, 'header Contact');
  }
  for (const [key, name] of [
    ['route', 'Route'],
    ['record-route', 'Record-Route'],
  ] as const) {
    for (const r of listValues(get(key), `header ${name}`)) {
      // route-param = name-addr: the URI is always enclosed in <>.
      if (!r.includes('<')) throw new InputError('sip', `header ${name}`, 'URI must be enclosed in <>');
      parseNameAddr(r, `header ${name}`);
    }
  }
}
