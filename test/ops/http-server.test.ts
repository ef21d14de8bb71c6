/**
 * The operations HTTP server (src/ops/http-server.ts) on a real loopback socket: its routes,
 * content types and headers, the answers to other methods and paths, and the Host guard that
 * keeps a loopback server out of reach of DNS rebinding.
 */
import * as http from 'node:http';
import { parseConfig } from '../../src/config/config';
import { Gateway } from '../../src/gateway/gateway';
import { startOpsServer, type OpsServer } from '../../src/ops/http-server';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(s: OpsServer, path: string, o: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.port,
        path,
        method: o.method ?? 'GET',
        headers: o.host ? { host: o.host } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('ops HTTP server', () => {
  let server: OpsServer;
  const asked: string[] = [];
  beforeAll(async () => {
    server = await startOpsServer(
      { host: '127.0.0.1', port: 0 },
      {
        health: () => ({ code: 503, body: { status: 'offline' } }),
        metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'm 1\n' }),
        calls: () => [{ sid: 's' }],
        ladders: () => [],
        ladder: (sid) => {
          asked.push(sid);
          return sid === 'a/b c' ? { info: { sid } } : undefined;
        },
      },
    );
  });
  afterAll(() => server.close());

  it('binds the asked address with a free port', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves the JSON routes with their status codes, uncached', async () => {
    const h = await request(server, '/health');
    expect(h.status).toBe(503);
    expect(h.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(h.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(h.body)).toEqual({ status: 'offline' });
    expect(JSON.parse((await request(server, '/calls')).body)).toEqual([{ sid: 's' }]);
    const m = await request(server, '/metrics?x=1');
    expect(m).toMatchObject({ status: 200, body: 'm 1\n' });
    expect(m.headers['content-type']).toContain('text/plain; version=0.0.4');
  });

  it('finds a ladder by its percent-encoded sid; 404 for one not kept, 400 for bad encoding', async () => {
    expect((await request(server, `/ladders/${encodeURIComponent('a/b c')}`)).status).toBe(200);
    expect(asked).toContain('a/b c');
    expect((await request(server, '/ladders/nope')).status).toBe(404);
    expect((await request(server, '/ladders/%E0%A4%A')).status).toBe(400);
  });

  it('serves the status page with a CSP that allows only its own script, style and JSON', async () => {
    const p = await request(server, '/');
    expect(p.status).toBe(200);
    expect(p.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(p.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(p.body).toContain('function layoutLadder');
    const head = await request(server, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    const post = await request(server, '/calls', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await request(server, '/favicon.ico')).status).toBe(404);
  });

  it('on loopback, answers loopback host names only (DNS rebinding)', async () => {
    expect((await request(server, '/calls', { host: 'evil.example' })).status).toBe(403);
    expect((await request(server, '/calls', { host: `evil.example:${server.port}` })).status).toBe(403);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, '[::1]', 'LOCALHOST'])
      expect((await request(server, '/calls', { host })).status).toBe(200);
  });

  it('refuses an address already in use; the gateway then does not start, naming the setting', async () => {
    await expect(
      startOpsServer({ host: '127.0.0.1', port: server.port }, {} as Parameters<typeof startOpsServer>[1]),
    ).rejects.toThrow(/EADDRINUSE/);
    const config = parseConfig(
      `xmpp: { service: 'xmpp://127.0.0.1:9', domain: gw.localhost, secret: s }
sip: { listen: ['udp://127.0.0.1:5999'], outbound: 'sip:127.0.0.1:9' }
http: { listen: '127.0.0.1:${server.port}' }
log: { level: error }
`,
      'test.yaml',
    );
    // Port 0 for SIP in case it started (it must not: the HTTP server comes first).
    await expect(Gateway.start(config, { sip: { listen: ['udp://127.0.0.1:0'] } })).rejects.toThrow(
      `http.listen 127.0.0.1:${server.port}: listen EADDRINUSE`,
    );
  });
});
