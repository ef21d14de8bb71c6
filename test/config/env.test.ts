/**
 * Secrets from the environment (src/config/env.ts) through loadConfig: JSG_XMPP_SECRET,
 * JSG_TRUNK_<NAME>_PASSWORD, JSG_INBOUND_<USER>_PASSWORD; a variable naming nothing is an error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, defaultConfigFile, loadConfig } from '../../src/config/config';
import { applyEnvOverrides, envName, inboundPasswordVar, trunkPasswordVar } from '../../src/config/env';

const FILE = `
xmpp: { service: 'xmpp://127.0.0.1:5347', domain: gw.localhost, secret: in-the-file }
sip:
  listen: ['udp://127.0.0.1:5060']
  outbound: sip:127.0.0.1:5090
  trunks:
    - { name: carrier-1.example, host: trunk.example.net, username: u, password: file-password }
    - { name: backup, host: backup.example.net, username: u2 }   # password only from the environment
  inboundAuth: { realm: gw, users: { alice: file-alice, bob.smith: ~ } }
`;

let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-env-'));
  file = path.join(dir, 'gw.yaml');
  fs.writeFileSync(file, FILE);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ALL = {
  JSG_TRUNK_BACKUP_PASSWORD: 'env-backup',
  JSG_INBOUND_BOB_SMITH_PASSWORD: 'env-bob',
};

describe('secrets from the environment', () => {
  it('names: upper case, every other character _', () => {
    expect(envName('carrier-1.example')).toBe('CARRIER_1_EXAMPLE');
    expect(trunkPasswordVar('backup')).toBe('JSG_TRUNK_BACKUP_PASSWORD');
    expect(inboundPasswordVar('bob.smith')).toBe('JSG_INBOUND_BOB_SMITH_PASSWORD');
  });

  it('override the file, and fill what it leaves out', () => {
    const c = loadConfig(file, {
      ...ALL,
      JSG_XMPP_SECRET: 'env-secret',
      JSG_TRUNK_CARRIER_1_EXAMPLE_PASSWORD: 'env-carrier',
      JSG_INBOUND_ALICE_PASSWORD: 'env-alice',
      PATH: '/usr/bin',
    });
    expect(c.xmpp.secret).toBe('env-secret');
    expect(c.sip.trunks?.map((t) => [t.name, t.password])).toEqual([
      ['carrier-1.example', 'env-carrier'],
      ['backup', 'env-backup'],
    ]);
    expect(c.sip.inboundAuth?.users).toEqual({ alice: 'env-alice', 'bob.smith': 'env-bob' });
  });

  it('without them the file stands, and what it leaves out is missing', () => {
    expect(loadConfig(file, ALL).xmpp.secret).toBe('in-the-file');
    expect(loadConfig(file, ALL).sip.trunks?.[0]?.password).toBe('file-password');
    expect(() => loadConfig(file, {})).toThrow(`config: ${file}: sip.trunks[1].password: missing`);
    expect(() => loadConfig(file, { JSG_TRUNK_BACKUP_PASSWORD: 'x' })).toThrow(
      'sip.inboundAuth.users.bob.smith: expected string, received null',
    );
  });

  it('a variable for a trunk or user the file does not have is an error naming the ones it has', () => {
    expect(() => loadConfig(file, { ...ALL, JSG_TRUNK_CARRIER_PASSWORD: 'x' })).toThrow(
      `config: ${file}: environment JSG_TRUNK_CARRIER_PASSWORD: no trunk in sip.trunks has this name (expected one of JSG_TRUNK_CARRIER_1_EXAMPLE_PASSWORD, JSG_TRUNK_BACKUP_PASSWORD)`,
    );
    expect(() => loadConfig(file, { ...ALL, JSG_INBOUND_CAROL_PASSWORD: 'x' })).toThrow(
      'environment JSG_INBOUND_CAROL_PASSWORD: no user in sip.inboundAuth.users has this name',
    );
    expect(() => loadConfig(file, { ...ALL, JSG_XMPP_SECRET: '' })).toThrow(
      'environment JSG_XMPP_SECRET: empty',
    );
  });

  it('two trunks with one variable name are an error, not a guess', () => {
    const data = { sip: { trunks: [{ name: 'a-b' }, { name: 'a.b' }] } };
    const r = applyEnvOverrides(data, { JSG_TRUNK_A_B_PASSWORD: 'x' });
    expect(r.errors.map((e) => e.message)).toEqual([
      'config: environment JSG_TRUNK_A_B_PASSWORD: names 2 trunks (sip.trunks[0], [1])',
    ]);
  });

  it('other JSG_ variables are not ours to judge; the data is copied, never changed', () => {
    const data = { xmpp: { secret: 'a' } };
    const r = applyEnvOverrides(data, { JSG_HTTP_PORT: '9090', JSG_XMPP_SECRET: 'b' });
    expect(r).toMatchObject({ errors: [], applied: ['JSG_XMPP_SECRET'], data: { xmpp: { secret: 'b' } } });
    expect(data.xmpp.secret).toBe('a');
  });

  it('defaultConfig() is the file as shipped, whatever the environment', () => {
    expect(defaultConfig().xmpp.secret).toBe('gwsecret');
    expect(loadConfig(defaultConfigFile(), { JSG_XMPP_SECRET: 'other' }).xmpp.secret).toBe('other');
    // test/support/clean-env.ts took the developer's JSG_* variables away.
    expect(Object.keys(process.env).filter((k) => k.startsWith('JSG_'))).toEqual([]);
  });
});
