/**
 * Trickled candidates (XEP-0176 §6 transport-info) folded into the contents they belong to,
 * so the SDP sent later carries all of them (docs/design.md §Transport: never drop candidates).
 */
import type { Content, IceCandidate, JingleIq } from '../jingle/types';
import type { Effect } from './events';

function key(c: IceCandidate): string {
  return `${c.component} ${c.protocol} ${c.ip} ${c.port} ${c.foundation}`;
}

/**
 * The contents with the candidates of `update` added, matched by content name. New ICE
 * credentials (an ICE restart, RFC 8445 §9) replace the old ones and their candidates (and the
 * fingerprints, when the restart's transport-info carries them).
 * Returns how many candidates were added.
 */
export function mergeCandidates(contents: Content[], update: readonly Content[]): number {
  let added = 0;
  // Copies: the contents are kept for the call's life, and the parsed stanza's strings are
  // slices of the socket chunk it came in, which they would keep alive (docs/performance.md).
  for (const u of structuredClone(update)) {
    const target = contents.find((c) => c.name === u.name);
    const from = u.transport;
    const into = target?.transport;
    if (!target || from?.kind !== 'ice-udp') continue;
    if (!into || into.kind !== 'ice-udp') {
      target.transport = { ...from, candidates: [...from.candidates], fingerprints: [...from.fingerprints] };
      added += from.candidates.length;
      continue;
    }
    if (from.ufrag !== undefined && into.ufrag !== undefined && from.ufrag !== into.ufrag) {
      into.ufrag = from.ufrag;
      if (from.pwd !== undefined) into.pwd = from.pwd;
      into.candidates = [];
      // A restart's transport is the whole new one: its DTLS fingerprint and role too, when it
      // states a role (XEP-0320 setup active/passive; toward a new peer a restart is a new DTLS
      // association, RFC 8842 §5 — docs/midcall.md §Transfer). An `actpass` says no role: kept.
      const settled = from.fingerprints.some((f) => f.setup === 'active' || f.setup === 'passive');
      if (settled) into.fingerprints = [...from.fingerprints];
    }
    const seen = new Set(into.candidates.map(key));
    for (const c of from.candidates) {
      if (seen.has(key(c))) continue;
      seen.add(key(c));
      into.candidates.push(c);
      added++;
    }
    if (into.fingerprints.length === 0 && from.fingerprints.length > 0)
      into.fingerprints = [...from.fingerprints];
  }
  return added;
}

/**
 * A transport-info naming a content the session does not have is refused with bad-request
 * (XEP-0166 §7.2), instead of its candidates being dropped unseen. Returns true when refused.
 */
export function unknownContent(
  out: Effect[],
  iq: JingleIq,
  contents: readonly Content[],
  error: (text: string) => Effect,
): boolean {
  if (iq.jingle.action !== 'transport-info') return false;
  const unknown = iq.jingle.contents.find((c) => !contents.some((k) => k.name === c.name));
  if (!unknown) return false;
  out.push(error(`no content named '${unknown.name}' in this session`));
  return true;
}
