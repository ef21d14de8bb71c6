/**
 * Issue 14, OPTIONS keep-alive to the outbound (docs/policy.md §Trunk keep-alive), on the real
 * gateway: `sip.outbound` is a closed UDP port, so the probes get no answer — /health and
 * /metrics say it is down, and a call to it is refused at once with the reason instead of after
 * the INVITE's 32 s; then a SIPp trunk answering OPTIONS (test/scenarios/sipp/e2e-uas-options.xml)
 * comes up on that port, and the next probe says up.
 */
import type { OpsServer } from '../../src/ops/http-server';
import {
  ALICE,
  CALLEE,
  describeE2e,
  jingleAction,
  offerCall,
  reasonOf,
  sipp,
  waitUdpBound,
  type Bot,
} from './harness';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { waitFor } from '../support/processes';

function get(server: OpsServer, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: p, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

interface Health {
  trunks: Array<{
    name: string;
    registration: string;
    keepalive?: { uri: string; state: string; last?: string };
  }>;
}

describeE2e(
  'e2e: OPTIONS keep-alive to sip.outbound',
  {
    users: [ALICE],
    trunkKeepaliveYaml: '{ intervalSeconds: 1, timeoutSeconds: 1 }',
    httpYaml: "{ listen: '127.0.0.1:0' }",
  },
  (bed) => {
    let alice: Bot;
    let server: OpsServer;
    const outbound = (): Health['trunks'][number] | undefined =>
      bed.world.gateway.status().trunks.find((t) => t.name === 'sip.outbound') as never;
    beforeAll(() => {
      alice = bed.device();
      const ops = bed.world.gateway.ops;
      if (!ops) throw new Error('the gateway started no HTTP server');
      server = ops.server;
    });

    test('a closed outbound is down: /health and sip_peer_up say so, a call fails at once', async () => {
      const health = async (): Promise<Health> => JSON.parse(await get(server, '/health')) as Health;
      await waitFor(() => outbound()?.keepalive?.state === 'down', 8000, 'outbound down');
      expect((await health()).trunks[0]).toMatchObject({
        name: 'sip.outbound',
        registration: 'none',
        keepalive: {
          uri: `sip:127.0.0.1:${bed.world.outboundPort}`,
          state: 'down',
          last: 'no answer within 1 s',
        },
      });
      expect(await get(server, '/metrics')).toMatch(
        /^jingle_sip_gateway_sip_peer_up\{peer="sip\.outbound"\} 0$/m,
      );

      const sid = randomUUID();
      const t0 = Date.now();
      await offerCall(alice, CALLEE, sid);
      const term = await alice.waitFor(jingleAction(sid, 'session-terminate'), 5000, 'session-terminate');
      // Without the keep-alive this is Timer B (32 s) later; bounded well below it.
      expect(Date.now() - t0).toBeLessThan(5000);
      const reason = reasonOf(term);
      expect(reason.condition).toMatch(/^(connectivity-error|general-error)$/);
      expect(reason.text).toMatch(/sip\.outbound .* is not answering OPTIONS/);
    });

    test('a trunk answering OPTIONS on that port is up at the next probe', async () => {
      // One SIPp "call" per OPTIONS (each has its own Call-ID): many, for every probe.
      const port = bed.world.outboundPort;
      const run = await sipp({ scenario: 'e2e-uas-options.xml', port, calls: 1000 });
      await waitUdpBound(port, run);
      await waitFor(() => outbound()?.keepalive?.state === 'up', 8000, 'outbound up');
      expect(outbound()?.keepalive).toMatchObject({ state: 'up', last: '200 OK' });
      expect(await get(server, '/metrics')).toMatch(
        /^jingle_sip_gateway_sip_peer_up\{peer="sip\.outbound"\} 1$/m,
      );
      expect(run.proc.output()).not.toMatch(/Aborting call/);
      await run.proc.stop();
    });
  },
);
