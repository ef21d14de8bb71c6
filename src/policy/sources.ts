/**
 * Which SIP sources may ring which XMPP users (docs/policy.md §Sources): the first
 * `policy.sources` rule whose `from` holds the INVITE's source address names the users (bare
 * JIDs or domains) it may ring; a source no rule matches rings whoever the routing gives.
 * Checked after the routing (src/policy/inbound.ts) has found the callee. Pure.
 */
import type { PolicyConfig } from '../config/config';
import { ipInCidrs } from '../config/net';
import { jidMatches, type Denial } from './callee';

export function sourceDenial(source: string, callee: string, policy: PolicyConfig): Denial | undefined {
  const index = policy.sources.findIndex((r) => ipInCidrs(source, r.from));
  if (index < 0) return undefined;
  const rule = policy.sources[index];
  if (rule === undefined || rule.jids.some((j) => jidMatches(callee, j))) return undefined;
  return {
    rule: `policy.sources[${index}]`,
    text: `calls from ${source} may not ring ${callee} (policy.sources)`,
  };
}
