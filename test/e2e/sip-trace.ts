/**
 * What the mid-call e2e tests with a SIP phone read back: the re-INVITEs in its SIP trace (baresip's
 * `-s`, liblinphone's log) with their 200s, the direction and o= line of an SDP (RFC 3264 §5.1, §8), and session-info matchers.
 */
import type { SipTraced } from '../support/baresip';
import { jingleAction, jingleOf, type Element } from './harness';

export const NS_INFO = 'urn:xmpp:jingle:apps:rtp:info:1';
export const NS_DTMF = 'urn:xmpp:jingle:dtmf:0';

/** A session-info for `sid` carrying `<kind xmlns=ns/>`. */
export const sessionInfo =
  (sid: string, kind: string, ns = NS_INFO) =>
  (s: Element): boolean =>
    jingleAction(sid, 'session-info')(s) && !!jingleOf(s)?.getChild(kind, ns);

/** The `a=` direction attribute of an SDP body (RFC 3264 §5.1: sendrecv when absent). */
export function direction(sdp: string): string {
  return /^a=(sendrecv|sendonly|recvonly|inactive)\r?$/m.exec(sdp)?.[1] ?? 'sendrecv';
}

/** `o=` session id and version (RFC 4566 §5.2). */
export function origin(sdp: string): { id: string; version: number } {
  const m = /^o=\S+ (\d+) (\d+) /m.exec(sdp);
  return { id: m?.[1] ?? '', version: Number(m?.[2]) };
}

/**
 * RFC 3264 §8: each SDP in `sdps` (one side's, in order) keeps the o= session id; one that
 * differs from the one before (o= aside) has the next version; an unchanged one may keep it.
 */
export function expectVersions(sdps: string[]): void {
  const rest = (sdp: string): string => sdp.replace(/^o=.*$/m, '');
  for (let i = 1; i < sdps.length; i++) {
    const [a, b] = [origin(sdps[i - 1]!), origin(sdps[i]!)];
    expect(b.id).toBe(a.id);
    const next = rest(sdps[i]!) === rest(sdps[i - 1]!) ? [a.version, a.version + 1] : [a.version + 1];
    expect({ sdp: i, version: b.version, of: next }).toEqual({
      sdp: i,
      version: expect.any(Number),
      of: next,
    });
    expect(next).toContain(b.version);
  }
}

export const body = (m: SipTraced): string => m.text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
export const cseq = (m: SipTraced): string => /^CSeq:\s*(.+)$/im.exec(m.text)?.[1]?.trim() ?? '';

/** A phone whose SIP trace is read: baresip (`-s`) or linphone (its log). */
export interface Traced {
  sipMessages(): SipTraced[];
}

/** The messages `p` sent whose first line starts with `prefix` (a method, or `SIP/2.0 <code>`). */
export const sent = (p: Traced, prefix: string): SipTraced[] =>
  p.sipMessages().filter((m) => m.direction === 'sent' && m.firstLine.startsWith(prefix));
/** The messages `p` received whose first line starts with `prefix`. */
export const received = (p: Traced, prefix: string): SipTraced[] =>
  p.sipMessages().filter((m) => m.direction === 'received' && m.firstLine.startsWith(prefix));
/** The value of header `name` in `m` (the first of that name). */
export const hdr = (m: SipTraced | undefined, name: string): string | undefined =>
  m === undefined ? undefined : new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'im').exec(m.text)?.[1];

/** The status line of the first response in `p`'s trace to request `req` (its CSeq, the other way). */
export function responseTo(p: Traced, req: SipTraced | undefined): string | undefined {
  const back = req?.direction === 'sent' ? 'received' : 'sent';
  return p
    .sipMessages()
    .find(
      (m) =>
        m.direction === back && m.firstLine.startsWith('SIP/2.0 ') && hdr(m, 'CSeq') === hdr(req, 'CSeq'),
    )?.firstLine;
}

/** The status line each NOTIFY's message/sipfrag body carries (RFC 3515 §2.4.5). */
export const sipfrags = (notifies: SipTraced[]): Array<string | undefined> =>
  notifies.map((n) => body(n).split('\r\n')[0]);

/** The audio port of the SDP in `m`'s body (`m=audio <port>`, RFC 4566 §5.14). */
export const audioPort = (m: SipTraced | undefined): number =>
  Number(/^m=audio (\d+) /m.exec(m === undefined ? '' : body(m))?.[1]);

/** The re-INVITEs of the phone's dialog (`direction`: it sent them or got them), each with its 200 (matched by CSeq). */
export function reinvites(
  phone: Traced,
  direction: 'sent' | 'received',
): Array<{ offer: SipTraced; answer?: SipTraced }> {
  const msgs = phone.sipMessages();
  // In the dialog: a To tag (the first INVITE may be retried with another offer, RFC 3261 §8.1.3.5).
  const invites = msgs.filter(
    (m) => m.direction === direction && m.firstLine.startsWith('INVITE ') && /^To:.*;tag=/im.test(m.text),
  );
  return invites.map((offer) => ({
    offer,
    answer: msgs.find(
      (m) => m.direction !== direction && m.firstLine.startsWith('SIP/2.0 200') && cseq(m) === cseq(offer),
    ),
  }));
}

/**
 * The INVITE that set baresip's call up: the last one outside a dialog (no To tag) before the
 * first 200 (the gateway retries with another offer after a 488, RFC 3261 §8.1.3.5).
 */
export function firstInvite(phone: Traced, direction: 'sent' | 'received'): SipTraced | undefined {
  const msgs = phone.sipMessages();
  const ok = msgs.findIndex((m) => m.direction !== direction && m.firstLine.startsWith('SIP/2.0 200'));
  return msgs
    .slice(0, ok < 0 ? 0 : ok)
    .filter(
      (m) => m.direction === direction && m.firstLine.startsWith('INVITE ') && !/^To:.*;tag=/im.test(m.text),
    )
    .pop();
}

/** The first 200 to an INVITE in baresip's trace, `received` (it called) or `sent` (it answered). */
export function firstOk(phone: Traced, direction: 'sent' | 'received'): SipTraced | undefined {
  return phone
    .sipMessages()
    .find(
      (m) => m.direction === direction && m.firstLine.startsWith('SIP/2.0 200') && /INVITE/.test(cseq(m)),
    );
}
