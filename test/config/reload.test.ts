/**
 * Issue 11: what SIGHUP takes from a new file (routing, policy, limits, trunk credentials) and
 * which changed keys it reports as needing a restart. Pure.
 */
import { parseConfig } from '../../src/config/config';
import { reloadConfig } from '../../src/config/reload';

const file = (
  o: { listen?: string; route?: string; password?: string; host?: string; limit?: number } = {},
) =>
  parseConfig(
    [
      'xmpp: { service: "xmpp://127.0.0.1:5347", domain: gw.localhost, secret: s }',
      `sip: { listen: ["${o.listen ?? 'udp://127.0.0.1:5060'}"], outbound: "sip:127.0.0.1:5090",`,
      `  trunks: [{ name: carrier, host: "${o.host ?? 'trunk.example.net'}", username: u, password: ${o.password ?? 'p1'} }] }`,
      `routing: { outbound: [{ match: '^\\+1', trunk: '${o.route ?? 'sip:a.example.net'}' }] }`,
      `limits: { callsPerUser: ${o.limit ?? 10} }`,
    ].join('\n'),
    'gw.yaml',
  );

describe('reloadConfig', () => {
  it('takes routing, policy, limits and trunk credentials; nothing needs a restart', () => {
    const { config, needRestart } = reloadConfig(
      file(),
      file({ route: 'sip:b.example.net', password: 'p2', limit: 3 }),
    );
    expect(needRestart).toEqual([]);
    expect(config.routing.outbound[0]?.trunk).toBe('sip:b.example.net');
    expect(config.routing.outbound[0]?.match.source).toBe('^\\+1');
    expect(config.limits.callsPerUser).toBe(3);
    expect(config.sip.trunks?.[0]?.password).toBe('p2');
  });

  it('an unchanged file changes nothing', () => {
    expect(reloadConfig(file(), file()).needRestart).toEqual([]);
  });

  it('keeps the running sockets and trunks, and names what needs a restart', () => {
    const running = file();
    const { config, needRestart } = reloadConfig(
      running,
      file({ listen: 'udp://127.0.0.1:5070', host: 'other.example.net', route: 'sip:b.example.net' }),
    );
    expect(needRestart).toEqual(['sip.listen', 'sip.trunks']);
    expect(config.sip.listen).toEqual(running.sip.listen);
    expect(config.sip.trunks).toEqual(running.sip.trunks);
    expect(config.routing.outbound[0]?.trunk).toBe('sip:b.example.net');
  });
});
