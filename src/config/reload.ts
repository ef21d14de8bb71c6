/**
 * What SIGHUP changes (docs/operations.md §Reload): routing, policy, limits and trunk credentials
 * take effect for the next call, while live calls keep the configuration they started with. Every
 * other key needs a restart: it names sockets, the component connection or the anchor. Pure.
 */
import type { GatewayConfig } from './config';

export interface Reloaded {
  /** The running configuration with the reloadable parts of the new file. */
  config: GatewayConfig;
  /** Keys that differ in the new file but only change on a restart (`sip.listen`, …). */
  needRestart: string[];
}

/** Canonical text of a value: keys sorted, regular expressions by source (JSON writes `{}`). */
function text(v: unknown): string {
  const canon = (x: unknown): unknown => {
    if (x instanceof RegExp) return `/${x.source}/${x.flags}`;
    if (Array.isArray(x)) return x.map(canon);
    if (typeof x !== 'object' || x === null) return x;
    const o = x as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => [k, canon(o[k])]),
    );
  };
  return JSON.stringify(canon(v)) ?? '';
}

/** Leaves of `a` and `b` that differ, as dotted paths, up to `depth` levels. */
function changed(a: unknown, b: unknown, path: string, depth: number): string[] {
  if (text(a) === text(b)) return [];
  const isObj = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof RegExp);
  if (depth === 0 || !isObj(a) || !isObj(b)) return [path];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => changed(a[k], b[k], path === '' ? k : `${path}.${k}`, depth - 1));
}

type Trunk = NonNullable<GatewayConfig['sip']['trunks']>[number];

/** What of a trunk a reload takes: its credentials and media; name, host and registration stay. */
const reloadable = (t: Trunk) => ({
  realm: t.realm,
  username: t.username,
  password: t.password,
  media: t.media,
});

export function reloadConfig(running: GatewayConfig, next: GatewayConfig): Reloaded {
  const oldTrunks = running.sip.trunks ?? [];
  const newTrunks = next.sip.trunks ?? [];
  // Trunks keep everything but their credentials: a new, removed or re-hosted trunk (or a
  // changed registration) needs a restart, as its registration would.
  const sameTrunks =
    oldTrunks.length === newTrunks.length &&
    oldTrunks.every((t, i) => {
      const n = newTrunks[i];
      return n !== undefined && text({ ...t, ...reloadable(n) }) === text(n);
    });
  const sip =
    sameTrunks && running.sip.trunks !== undefined
      ? { ...running.sip, trunks: newTrunks.map((n, i) => ({ ...oldTrunks[i], ...n })) }
      : running.sip;
  const config: GatewayConfig = {
    ...running,
    sip,
    policy: next.policy,
    routing: next.routing,
    limits: next.limits,
  };
  const needRestart = changed(config, next, '', 2);
  return { config, needRestart };
}
