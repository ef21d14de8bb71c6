/**
 * XEP-0167 §7.3 `<mute/>` / `<unmute/>` (docs/midcall.md §Mute): nothing on the SIP wire.
 *
 * XEP-0167 §7 defines informational messages "to communicate the status of a Jingle RTP
 * session, device, or principal"; §7.3: mute "indicates that the principal is temporarily not
 * sending media to the other party but continuing to accept media from the other party". The
 * client simply stops sending; nothing about the session changes, so there is nothing to
 * negotiate. SIP has no informational equivalent, and the one SDP form that says "I do not send"
 * (an offer of a=recvonly, RFC 3264 §6.1) would be a new offer/answer exchange for every press of
 * the mute key, with glare (491) against the peer's own re-INVITEs, and PBXs take direction
 * changes for hold (RFC 3264 §8.4) and play music. So the gateway acknowledges the IQ, keeps
 * the state for the call's view, and sends nothing. The SIP peer hears the silence, as it would
 * from a SIP phone's own mute key, which also sends nothing.
 *
 * The other way, SIP has no mute to carry. A SIP offer that changes a stream's direction is an
 * offer that needs an answer: it becomes content-modify (src/translate/content.ts), not `<mute/>`.
 */
import type { SessionInfo } from '../jingle/types';

type MuteInfo = Extract<SessionInfo, { kind: 'mute' | 'unmute' }>;

export type MuteDecision =
  /** IQ result; nothing to SIP. `muted` is the set of muted contents afterwards. */
  | { kind: 'acknowledge'; muted: Set<string> }
  /** IQ error bad-request: the payload names a content the session does not have. */
  | { kind: 'bad-request'; text: string };

/**
 * The client's `<mute/>`, `<unmute/>` or `<active/>` (which also ends a mute, §7.3) → the
 * decision. Without `name` every content is meant (§7.3: "the recipient MUST assume that all
 * sessions are to be muted").
 */
export function muteToSip(
  info: MuteInfo | { kind: 'active' },
  contents: readonly string[],
  muted: ReadonlySet<string>,
): MuteDecision {
  const next = new Set(muted);
  if (info.kind === 'active') return { kind: 'acknowledge', muted: new Set() };
  const name = info.name;
  if (name !== undefined && !contents.includes(name))
    return { kind: 'bad-request', text: `<${info.kind} name='${name}'> names no content of this session` };
  const targets = name === undefined ? contents : [name];
  for (const t of targets) {
    if (info.kind === 'mute') next.add(t);
    else next.delete(t);
  }
  return { kind: 'acknowledge', muted: next };
}
