/**
 * From the `sip` section of the gateway configuration to {@link UserAgentOptions}: reads the TLS
 * files and converts the trunk back-off seconds. The call layer passes the result to
 * `SipUserAgent.start()`.
 */
import * as fs from 'node:fs';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config';
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
