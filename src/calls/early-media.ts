/**
 * Early media on XMPP-originated calls (docs/media.md §Early media). XEP-0167 has no early-media
 * action, and a Jingle session-accept is final (XEP-0166 §6.4); but the SDP of a 183 is not a
 * preview either: RFC 3261 §13.2.1 says the answer in the 2xx is "that same exact answer" that
 * "MAY also be placed in any provisional responses". So the gateway sends the session-accept when
 * the 183's answer arrives, and the client starts media (Conversations and Dino both do on
 * session-accept), hearing ringback and announcements. When the 200's answer is not the same —
 * another fork answered, or a peer that breaks §13.2.1 — the client gets what changed:
 * `transport-info` with the new transport (new ICE credentials are a restart, XEP-0176 §2.2;
 * XEP-0320 fingerprints travel in the transport) and `description-info` with the new
 * descriptions (XEP-0166 §7.2, XEP-0167 §7).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Content, Jingle } from '../jingle/types';

/** The Jingle messages that move a client from the `early` accept to the `final` one. */
export function answerUpdates(early: Jingle, final: Jingle): Jingle[] {
  const before = (c: Content): Content | undefined => early.contents.find((e) => e.name === c.name);
  const transports = final.contents.filter((c) => !isDeepStrictEqual(before(c)?.transport, c.transport));
  const descriptions = final.contents.filter(
    (c) => !isDeepStrictEqual(before(c)?.description, c.description) || before(c)?.senders !== c.senders,
  );
  const out: Jingle[] = [];
  const bare = (c: Content): Content => {
    const o: Content = { creator: c.creator, name: c.name };
    if (c.senders !== undefined) o.senders = c.senders;
    return o;
  };
  if (transports.length > 0)
    out.push({
      action: 'transport-info',
      sid: final.sid,
      contents: transports.flatMap((c) => (c.transport ? [{ ...bare(c), transport: c.transport }] : [])),
      groups: [],
    });
  if (descriptions.length > 0)
    out.push({
      action: 'description-info',
      sid: final.sid,
      contents: descriptions.flatMap((c) =>
        c.description ? [{ ...bare(c), description: c.description }] : [],
      ),
      groups: [],
    });
  return out.filter((j) => j.contents.length > 0);
}

/** The same SDP answer, whitespace and line ends aside (RFC 3261 §13.2.1 "same exact answer"). */
export function sameSdp(a: string, b: string): boolean {
  const lines = (s: string): string =>
    s
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .join('\n');
  return lines(a) === lines(b);
}
