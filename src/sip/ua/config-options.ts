/**
 * From the `sip` section of the gateway configuration to {@link UserAgentOptions}: reads the TLS
 * files and converts the trunk back-off seconds. The call layer passes the result to
 * `SipUserAgent.start()`.
 */
import * as fs from 'node:fs';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../../config/config';
import type { PeerTarget } from './peer-monitor';
import type { UserAgentOptions } from './user-agent';

export function userAgentOptions(sip: GatewayConfig['sip'], logger?: Logger): UserAgentOptions {
  const tls = sip.tls && {
    cert: fs.readFileSync(sip.tls.cert),
    key: fs.readFileSync(sip.tls.key),
    ca: sip.tls.ca !== undefined ? fs.readFileSync(sip.tls.ca) : undefined,
    rejectUnauthorized: sip.tls.verifyPeer ?? true,
  };
  return {
    listen: sip.listen,
    host: sip.host,
    tls,
    trusted: sip.trusted,
    inboundAuth: sip.inboundAuth,
    userAgent: sip.userAgent,
    outboundProxy: sip.outboundProxy,
    sessionExpires: sip.sessionExpires,
    keepalive: {
      intervalMs: sip.keepalive.intervalSeconds * 1000,
      timeoutMs: sip.keepalive.timeoutSeconds * 1000,
    },
    peerKeepalive: {
      intervalMs: sip.trunkKeepalive.intervalSeconds * 1000,
      timeoutMs: sip.trunkKeepalive.timeoutSeconds * 1000,
      peers: keepalivePeers(sip),
    },
    maxMessageBytes: sip.maxMessageBytes,
    connections: {
      max: sip.connections.max,
      maxPerSource: sip.connections.maxPerSource,
      idleMs: sip.connections.idleSeconds * 1000,
      messageTimeoutMs: sip.connections.messageTimeoutMs,
    },
    logger,
    trunks: (sip.trunks ?? []).map((t) => ({
      name: t.name,
      host: t.host,
      realm: t.realm,
      username: t.username,
      password: t.password,
      register: t.register && {
        registrar: t.register.registrar,
        aor: t.register.aor,
        expires: t.register.expires,
        retryBaseMs:
          t.register.retryBaseSeconds !== undefined ? t.register.retryBaseSeconds * 1000 : undefined,
        retryMaxMs: t.register.retryMaxSeconds !== undefined ? t.register.retryMaxSeconds * 1000 : undefined,
      },
    })),
  };
}

/**
 * The next hops `sip.trunkKeepalive` probes: the outbound, the outbound proxy, each trunk's host
 * (as `sip:<host>`) unless the trunk says `keepalive: false`.
 */
export function keepalivePeers(sip: GatewayConfig['sip']): PeerTarget[] {
  const peers: PeerTarget[] = [{ name: 'sip.outbound', uri: sip.outbound }];
  if (sip.outboundProxy !== undefined) peers.push({ name: 'sip.outboundProxy', uri: sip.outboundProxy });
  for (const t of sip.trunks ?? [])
    if (t.keepalive !== false) peers.push({ name: t.name, uri: `sip:${t.host}` });
  return peers;
}
