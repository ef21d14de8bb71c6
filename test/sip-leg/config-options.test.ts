/** The new `sip` configuration keys (trunks, registration, inbound auth, TLS ca) → UA options. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/config/config';
import { userAgentOptions } from '../../src/sip/ua/config-options';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/sip/transport/connection-caps';

const YAML = `
xmpp: { service: 'xmpp://127.0.0.1:5347', domain: gw.localhost, secret: s }
sip:
  listen: ['udp://127.0.0.1:5060']
  outbound: sip:127.0.0.1:5090
  outboundProxy: sip:proxy.example.net
  sessionExpires: 1800
  maxMessageBytes: 8192
  inboundAuth: { realm: gw.example.net, users: { pbx: secret1 } }
  trunks:
    - name: carrier
      host: sip.carrier.example
      username: acct
      password: pw
      register: { registrar: 'sip:sip.carrier.example', aor: 'sip:acct@carrier.example', expires: 600, retryBaseSeconds: 5 }
`;

test('trunks, registration, inbound auth and proxy are parsed and mapped', () => {
  const c = parseConfig(YAML, 'test.yaml');
  const o = userAgentOptions(c.sip);
  expect(o.trunks).toEqual([
    {
      name: 'carrier',
      host: 'sip.carrier.example',
      realm: undefined,
      username: 'acct',
      password: 'pw',
      register: {
        registrar: 'sip:sip.carrier.example',
        aor: 'sip:acct@carrier.example',
        expires: 600,
        retryBaseMs: 5000,
        retryMaxMs: undefined,
      },
    },
  ]);
  expect(o).toMatchObject({
    outboundProxy: 'sip:proxy.example.net',
    sessionExpires: 1800,
    maxMessageBytes: 8192,
    inboundAuth: { realm: 'gw.example.net', users: { pbx: 'secret1' } },
  });
});

test("sip.connections: the defaults are the transport's, and set values reach the UA in ms", () => {
  expect(userAgentOptions(parseConfig(YAML, 'test.yaml').sip).connections).toEqual(DEFAULT_CONNECTION_LIMITS);
  const set = YAML.replace(
    'sessionExpires: 1800',
    'sessionExpires: 1800\n  connections: { max: 10, maxPerSource: 2, idleSeconds: 40, messageTimeoutMs: 3000 }',
  );
  expect(userAgentOptions(parseConfig(set, 'test.yaml').sip).connections).toEqual({
    max: 10,
    maxPerSource: 2,
    idleMs: 40_000,
    messageTimeoutMs: 3000,
  });
  // Shorter than 64·T1 would cut transactions (RFC 3261 §18); unknown keys are refused.
  expect(() => parseConfig(set.replace('idleSeconds: 40', 'idleSeconds: 5'), 't')).toThrow(
    /sip.connections.idleSeconds/,
  );
  expect(() => parseConfig(set.replace('max: 10', 'mx: 10'), 't')).toThrow(/sip.connections/);
});

test('bad values name their path', () => {
  expect(() => parseConfig(YAML.replace('sessionExpires: 1800', 'sessionExpires: 30'), 't')).toThrow(
    /sip.sessionExpires/,
  );
  expect(() =>
    parseConfig(YAML.replace("registrar: 'sip:sip.carrier.example'", 'registrar: nope'), 't'),
  ).toThrow(/sip.trunks\[0\].register.registrar/);
  expect(() => parseConfig(YAML.replace('username: acct', 'usrname: acct'), 't')).toThrow(/sip.trunks\[0\]/);
});

test('TLS files are read, ca included', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  for (const f of ['c.pem', 'k.pem', 'ca.pem']) fs.writeFileSync(path.join(dir, f), f);
  const c = parseConfig(
    YAML.replace(
      "listen: ['udp://127.0.0.1:5060']",
      `listen: ['tls://127.0.0.1:5061']\n  tls: { cert: ${dir}/c.pem, key: ${dir}/k.pem, ca: ${dir}/ca.pem, verifyPeer: false }`,
    ),
    't',
  );
  const o = userAgentOptions(c.sip);
  expect(String(o.tls?.ca)).toBe('ca.pem');
  expect(o.tls?.rejectUnauthorized).toBe(false);
  fs.rmSync(dir, { recursive: true });
});

test('sip.trunkKeepalive: the outbound, the proxy and each trunk host are probed unless a trunk opts out', () => {
  const on = userAgentOptions(parseConfig(YAML, 't').sip).peerKeepalive;
  expect(on).toEqual({
    intervalMs: 30_000,
    timeoutMs: 32_000,
    peers: [
      { name: 'sip.outbound', uri: 'sip:127.0.0.1:5090' },
      { name: 'sip.outboundProxy', uri: 'sip:proxy.example.net' },
      { name: 'carrier', uri: 'sip:sip.carrier.example' },
    ],
  });
  const set = YAML.replace(
    'sessionExpires: 1800',
    'sessionExpires: 1800\n  trunkKeepalive: { intervalSeconds: 5, timeoutSeconds: 2 }',
  ).replace('password: pw', 'password: pw\n      keepalive: false');
  const o = userAgentOptions(parseConfig(set, 't').sip).peerKeepalive;
  expect(o).toMatchObject({ intervalMs: 5000, timeoutMs: 2000 });
  expect(o?.peers.map((p) => p.name)).toEqual(['sip.outbound', 'sip.outboundProxy']);
  // Strict, path-precise: a typo and a wait beyond Timer F are errors.
  expect(() => parseConfig(set.replace('intervalSeconds: 5', 'intervalSecs: 5'), 't')).toThrow(
    /sip\.trunkKeepalive/,
  );
  expect(() => parseConfig(set.replace('timeoutSeconds: 2', 'timeoutSeconds: 60'), 't')).toThrow(
    /sip\.trunkKeepalive\.timeoutSeconds/,
  );
});
