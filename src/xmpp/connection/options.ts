/**
 * The XMPP leg's settings: `xmpp:` of the configuration with every optional key resolved.
 * Defaults live here (not in the config schema) so that a minimal configuration file keeps
 * parsing to the same object.
 */
import type { GatewayConfig } from '../../config/config';

export interface XmppOptions {
  /** `xmpp://host:port` of the server's XEP-0114 component listener. */
  service: string;
  domain: string;
  secret: string;
  defaultDomain: string;
  resource: string;
  /** Lower-cased. */
  allowedDomains: string[];
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** `intervalMs: 0`: no keepalive. */
  keepalive: { intervalMs: number; timeoutMs: number; target: string };
  iqTimeoutMs: number;
  debugWire: boolean;
  /** `log.trace`: every stanza in and out at info (masked), whatever `debugWire` says. */
  trace: boolean;
}

export function xmppOptions(config: GatewayConfig): XmppOptions {
  const x = config.xmpp;
  const initialDelayMs = x.reconnect?.initialDelayMs ?? 200;
  return {
    service: x.service,
    domain: x.domain.toLowerCase(),
    secret: x.secret,
    defaultDomain: x.defaultDomain.toLowerCase(),
    resource: x.resource,
    allowedDomains: (x.allowedDomains ?? [x.defaultDomain]).map((d) => d.toLowerCase()),
    reconnect: {
      initialDelayMs,
      maxDelayMs: Math.max(initialDelayMs, x.reconnect?.maxDelayMs ?? 30_000),
    },
    keepalive: {
      intervalMs: Math.round((x.keepalive?.intervalSeconds ?? 30) * 1000),
      timeoutMs: Math.round((x.keepalive?.timeoutSeconds ?? 10) * 1000),
      target: (x.keepalive?.target ?? x.defaultDomain).toLowerCase(),
    },
    iqTimeoutMs: Math.round((x.iqTimeoutSeconds ?? 10) * 1000),
    debugWire: x.debugWire ?? false,
    trace: config.log.trace,
  };
}
