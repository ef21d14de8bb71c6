/**
 * Shared set-up of the XMPP leg tests: a gateway configuration pointing at a test server, and a
 * winston logger that keeps its lines for assertions.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { defaultConfig, type GatewayConfig } from '../../src/config/config';

export interface CapturedLogger {
  logger: winston.Logger;
  lines: Array<Record<string, unknown>>;
}

/** A JSON logger at debug level whose lines land in `lines` (and nowhere else). */
export function captureLogger(): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines };
}

export function gatewayConfig(o: {
  componentPort: number;
  secret: string;
  domain?: string;
  defaultDomain?: string;
  xmpp?: Partial<GatewayConfig['xmpp']>;
}): GatewayConfig {
  const c = defaultConfig();
  c.xmpp = {
    ...c.xmpp,
    service: `xmpp://127.0.0.1:${o.componentPort}`,
    domain: o.domain ?? 'gw.localhost',
    secret: o.secret,
    defaultDomain: o.defaultDomain ?? 'localhost',
    reconnect: { initialDelayMs: 100, maxDelayMs: 2000 },
    keepalive: { intervalSeconds: 1, timeoutSeconds: 1 },
    iqTimeoutSeconds: 3,
    ...o.xmpp,
  };
  return c;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
