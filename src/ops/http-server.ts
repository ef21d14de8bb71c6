/**
 * The operations HTTP server (docs/operations.md): node:http, no framework — five read-only
 * routes need no router, and every dependency less is one less thing to keep patched.
 *
 * - `GET /health`, `/metrics`, `/calls`, `/ladders`, `/ladders/<sid>`, `/` (the status page);
 *   `HEAD` too; any other method is 405, any other path 404.
 * - Bound to a loopback address (the shipped default), it answers only requests whose `Host` is a
 *   loopback name (`127.0.0.1`, `[::1]`, `localhost`, with any port): a web page the operator
 *   visits cannot read the calls through DNS rebinding. On any other address it answers every
 *   host — put it behind a firewall or an authenticating proxy (docs/operations.md §Exposure).
 * - Bounded: request headers within 5 s, the request within 10 s, at most 64 connections.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopback } from '../config/net';
import { statusPage } from './status-page';

export interface OpsRoutes {
  health(): { code: number; body: unknown };
  metrics(): Promise<{ contentType: string; body: string }>;
  calls(): unknown;
  ladders(): unknown;
  /** One call's ladder; undefined when it is not kept. */
  ladder(sid: string): unknown;
}

export interface OpsServer {
  /** The bound address (the real port when 0 was asked). */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:8088/` */
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = /^(127(?:\.[0-9]{1,3}){3}|\[::1\]|localhost)(:[0-9]{1,5})?$/i;

export async function startOpsServer(
  listen: { host: string; port: number },
  routes: OpsRoutes,
  onError: (e: Error) => void = () => undefined,
): Promise<OpsServer> {
  const page = statusPage();
  const csp = [
    "default-src 'none'",
    `script-src ${page.scriptHash}`,
    `style-src ${page.styleHash}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const guardHost = isLoopback(listen.host);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      onError(e);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  server.maxConnections = 64;

  const send = (res: http.ServerResponse, code: number, type: string, body: string, extra = {}): void => {
    res.writeHead(code, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const json = (res: http.ServerResponse, code: number, body: unknown): void =>
    send(res, code, 'application/json; charset=utf-8', JSON.stringify(body, null, 1) + '\n');

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (guardHost && !LOOPBACK_HOSTS.test(req.headers.host ?? '')) {
      send(res, 403, 'text/plain; charset=utf-8', 'this server answers loopback host names only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path === '/') {
      send(res, 200, 'text/html; charset=utf-8', page.html, { 'content-security-policy': csp });
      return;
    }
    if (path === '/health') {
      const h = routes.health();
      json(res, h.code, h.body);
      return;
    }
    if (path === '/metrics') {
      const m = await routes.metrics();
      send(res, 200, m.contentType, m.body);
      return;
    }
    if (path === '/calls') return json(res, 200, routes.calls());
    if (path === '/ladders') return json(res, 200, routes.ladders());
    if (path.startsWith('/ladders/')) {
      let sid: string;
      try {
        sid = decodeURIComponent(path.slice('/ladders/'.length));
      } catch {
        return json(res, 400, { error: 'not a percent-encoded sid' });
      }
      const ladder = routes.ladder(sid);
      if (ladder === undefined) return json(res, 404, { error: `no ladder kept for sid ${sid}` });
      return json(res, 200, ladder);
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', onError);
  const bound = server.address() as AddressInfo;
  const hostInUrl = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    host: bound.address,
    port: bound.port,
    url: `http://${hostInUrl}:${bound.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
