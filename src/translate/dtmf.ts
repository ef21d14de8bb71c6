/**
 * DTMF in SIP INFO bodies ⇄ XEP-0181 tones. Two body types are in use (neither has an RFC;
 * RFC 6086 §2 calls them legacy INFO usages):
 * - `application/dtmf-relay`: `Signal=5` and `Duration=160` lines (ms), as Cisco and most SIP
 *   phones (baresip, linphone, Asterisk) send it; some write `Signal=10`/`11` for `*`/`#`,
 *   the RFC 4733 §3.2 event numbers;
 * - `application/dtmf`: the tone alone (`5`), or the event number.
 * RFC 4733 `telephone-event` in the RTP is untouched by the gateway.
 */
import { InputError } from '../errors';
import { DTMF_CODES, MAX_DTMF_DURATION } from '../jingle/xep0181';

export const DTMF_RELAY = 'application/dtmf-relay';
export const DTMF = 'application/dtmf';

export interface Tone {
  code: string;
  durationMs?: number;
}

/** RFC 4733 §3.2 event numbers 0–15 → the tone. */
const EVENTS = '0123456789*#ABCD';

function tone(value: string, where: string): string {
  const v = value.trim().toUpperCase();
  if (DTMF_CODES.test(v)) return v;
  if (/^\d{1,2}$/.test(v) && Number(v) < EVENTS.length) return EVENTS[Number(v)] as string;
  throw new InputError('translate', where, `'${value.slice(0, 20)}' is not a DTMF tone`);
}

/** A dtmf-relay or dtmf body → the tone it carries. */
export function parseDtmfBody(contentType: string, body: string): Tone {
  if (contentType === DTMF) return { code: tone(body, DTMF) };
  let code: string | undefined;
  let durationMs: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'signal') code = tone(value, `${DTMF_RELAY} Signal`);
    else if (name === 'duration' && /^\d{1,6}$/.test(value))
      durationMs = Math.min(Math.max(Number(value), 1), MAX_DTMF_DURATION);
  }
  if (code === undefined) throw new InputError('translate', DTMF_RELAY, 'has no Signal= line');
  return durationMs === undefined ? { code } : { code, durationMs };
}

/** A tone → an application/dtmf-relay body; XEP-0181 §2's default duration is 100 ms. */
export function dtmfRelayBody(t: Tone): string {
  return `Signal=${t.code}\r\nDuration=${t.durationMs ?? 100}\r\n`;
}
