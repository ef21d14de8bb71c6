/** The new `sip` configuration keys (trunks, registration, inbound auth, TLS ca) → UA options. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/config/config';
import { userAgentOptions } from '../../src/sip/config-options';

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
