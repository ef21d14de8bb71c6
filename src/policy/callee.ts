/**
 * Who XMPP users may call (docs/policy.md): a callee JID naming a SIP host directly
 * (`alice\40pbx.example.org@gw`) is allowed only for hosts in `policy.sipHosts` (default none,
 * so the gateway is no open relay), and a number is denied when a rule of mappings/policy.yaml
 * matches it (premium rate, international) and no `policy.allowNumbers` rule does. With
 * `policy.callers`, the caller's rule may narrow the numbers they call and open denied ones for
 * them alone. Pure.
 */
import type { CallerRule, PolicyConfig } from '../config/config';
import { normalBareJid } from '../translate/jid';
import type { NumberRule } from '../config/mappings';
import { normaliseNumber, parseJid, unescapeLocal, type AddressRules } from '../translate/address';

export interface Denial {
  /** The rule that matched, for the log. */
  rule: string;
  /** What the caller is told (Jingle `<text>`). */
  text: string;
}

/** `host` or `host:port` (IPv6 in brackets), lower-cased, split. */
function hostPort(s: string): { host: string; port?: string } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::([0-9]+))?$/.exec(s.toLowerCase());
  if (!m) return { host: s.toLowerCase() };
  return m[2] === undefined ? { host: m[1] as string } : { host: m[1] as string, port: m[2] };
}

/** Whether `target` (`host[:port]`) is allowed by one of `entries` (`host`, `host:port`, `*.domain`). */
export function sipHostAllowed(target: string, entries: readonly string[]): boolean {
  const t = hostPort(target);
  return entries.some((entry) => {
    const e = hostPort(entry);
    if (e.port !== undefined && e.port !== t.port) return false;
    if (e.host.startsWith('*.')) return t.host.endsWith(e.host.slice(1));
    return e.host === t.host;
  });
}

/** Whether a bare JID is `entry`: `*`, the JID itself, its domain or a parent (`*.domain`). */
export function jidMatches(bare: string, entry: string): boolean {
  const b = normalBareJid(bare);
  const e = entry === '*' || entry.startsWith('*.') ? entry.toLowerCase() : normalBareJid(entry);
  if (e === '*') return true;
  if (e.includes('@')) return b === e;
  const domain = b.slice(b.lastIndexOf('@') + 1);
  return e.startsWith('*.') ? domain.endsWith(e.slice(1)) : domain === e;
}

/** The first `policy.callers` rule for a caller, with its index (for the log). */
function callerRule(
  caller: string,
  rules: readonly CallerRule[],
): { rule: CallerRule; index: number } | undefined {
  const index = rules.findIndex((r) => jidMatches(caller, r.from));
  return index < 0 ? undefined : { rule: rules[index] as CallerRule, index };
}

/**
 * Why `caller` (a bare JID) may not call `jid` (the callee at the gateway), or undefined.
 * Callees that are no JID are left to the translation, which refuses them with its own reason.
 */
export function calleeDenial(
  caller: string,
  jid: string,
  rules: Pick<AddressRules, 'e164' | 'separators'>,
  policy: PolicyConfig,
  denyNumbers: readonly NumberRule[],
): Denial | undefined {
  const own = callerRule(caller, policy.callers);
  if (policy.callers.length > 0 && own === undefined) {
    return {
      rule: 'policy.callers',
      text: `${caller} may not place calls through this gateway (policy.callers)`,
    };
  }
  let local: string | undefined;
  try {
    local = parseJid(jid).local;
  } catch {
    return undefined; // not a JID: the translation refuses it with its own reason
  }
  if (local === undefined) return undefined;
  const target = unescapeLocal(local);
  const at = target.lastIndexOf('@');
  if (at >= 0) {
    const host = target.slice(at + 1);
    if (sipHostAllowed(host, policy.sipHosts)) return undefined;
    return {
      rule: 'policy.sipHosts',
      text: `calls to the SIP host ${host} are not allowed (policy.sipHosts)`,
    };
  }
  const number = normaliseNumber(target, rules);
  if (number === undefined) return undefined;
  const numbers = own?.rule.numbers;
  if (numbers !== undefined && !numbers.some((r) => r.test(number))) {
    return {
      rule: `policy.callers[${own?.index}].numbers`,
      text: `${caller} may not call ${number} (policy.callers)`,
    };
  }
  if ([...(own?.rule.allowNumbers ?? []), ...policy.allowNumbers].some((r) => r.match.test(number)))
    return undefined;
  const deny = denyNumbers.find((r) => r.match.test(number));
  if (deny === undefined) return undefined;
  return {
    rule: `mappings/policy.yaml ${deny.match.source}`,
    text: `${number} is not allowed: ${deny.why} (policy.allowNumbers can open it)`,
  };
}
