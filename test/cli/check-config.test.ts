/**
 * `check-config` through the real bin: a good file → exit 0 and one summary line on stdout;
 * a bad one → exit 2 and every problem on stderr, one a line, `file:line: key.path: what`, then
 * a count, nothing on stdout and never a stack trace. TLS files are made with openssl here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ensureBuilt, ROOT, type CliResult } from './run-cli';

beforeAll(() => ensureBuilt(), 180_000);

// Made when the file loads: the test tables below name paths in it.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-check-config-'));
const DEFAULT_YAML = fs.readFileSync(path.join(ROOT, 'config', 'default.yaml'), 'utf8');

/** A self-signed certificate and its key (and a second key that is not its own). */
function makeCert(dir: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
    ].concat([
      '-subj',
      '/CN=gw.localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      path.join(dir, 'other-key.pem'),
    ],
    {
      stdio: 'ignore',
    },
  );
  execFileSync(
    'openssl',
    [
      'pkey',
      '-in',
      path.join(dir, 'key.pem'),
      '-aes256',
      '-passout',
      'pass:x',
      '-out',
      path.join(dir, 'encrypted-key.pem'),
    ],
    { stdio: 'ignore' },
  );
  fs.writeFileSync(
    path.join(dir, 'garbage.pem'),
    '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
  );
  fs.mkdirSync(path.join(dir, 'a-folder.pem'));
}

beforeAll(() => makeCert(tmp));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes `name` in the temp folder (TLS paths in it are relative to it) and checks it. */
function check(name: string, yaml: string, env: NodeJS.ProcessEnv = {}): CliResult {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, yaml);
  return cli(['check-config', '--config', file], undefined, env);
}

/** Exit 2, nothing on stdout, no stack, and the problem lines (without the count line). */
function problems(r: CliResult, file: string): string[] {
  expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  const lines = r.stderr.trimEnd().split('\n');
  const n = lines.length - 1;
  expect(lines[n]).toBe(`config FAILED: ${path.join(tmp, file)} — ${n} ${n === 1 ? 'error' : 'errors'}`);
  return lines.slice(0, n).map((l) => l.replace(`${tmp}${path.sep}`, ''));
}

const GOOD = `xmpp:
  service: xmpp://127.0.0.1:5347
  domain: gw.example.net
  secret: from-env-in-production
sip:
  listen: ['udp://127.0.0.1:5060', 'tcp://127.0.0.1:5060', 'tls://[::1]:5061']
  outbound: sip:127.0.0.1:5090
  trusted: ['127.0.0.0/8']
  tls: { cert: cert.pem, key: key.pem, ca: cert.pem }
  trunks:
    - { name: carrier, host: trunk.example.net, username: gw }
routing:
  inbound: [{ match: '^\\+15557770000$', jid: 'alice@example.net' }, { match: '^\\+15557770001$', jid: 'bob@example.net' }]
  outbound: [{ match: '^\\+1', trunk: 'sip:trunk.example.net' }]
media: { rtpengine: udp://127.0.0.1:22222 }
log: { level: info, format: json, trace: true }
`;

describe('check-config', () => {
  it('without --config checks the shipped config/default.yaml', () => {
    const r = cli(['check-config']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe(
      'config OK: config/default.yaml — 2 listen addresses, 0 trunks, 0 routes (0 in, 0 out), rtpengine udp://127.0.0.1:22222\n',
    );
  });

  it('a good file with TLS, a trunk, routes and a password from the environment: one line on stdout', () => {
    const r = check('good.yaml', GOOD, { JSG_TRUNK_CARRIER_PASSWORD: 's3cret' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe(
      `config OK: ${path.join(tmp, 'good.yaml')} — 3 listen addresses, 1 trunk, 3 routes (2 in, 1 out), rtpengine udp://127.0.0.1:22222, TLS certificate and key; from the environment: JSG_TRUNK_CARRIER_PASSWORD\n`,
    );
    expect(r.stdout).not.toContain('s3cret');
  });

  it('lists every problem of a file at once, in line order, each with its key path', () => {
    const bad = GOOD.replace('  domain: gw.example.net', '  domain: gw.example.net\n  debugwire: true')
      .replace("'tcp://127.0.0.1:5060'", "'tcp://localhost:5060', 'udp://127.0.0.1:5060'")
      .replace("trusted: ['127.0.0.0/8']", "trusted: ['127.0.0.0/33']")
      .replace('outbound: sip:127.0.0.1:5090', 'outbound: http://127.0.0.1:5090')
      .replace('key: key.pem', 'key: other-key.pem')
      .replace('ca: cert.pem', 'ca: missing.pem')
      .replace("trunk: 'sip:trunk.example.net'", "trunk: 'sip:trunk.example.net', strip: two")
      .replace('format: json', 'format: pretty');
    const r = check('bad.yaml', bad, { JSG_TRUNK_CARIER_PASSWORD: 'typo', JSG_TRUNK_CARRIER_PASSWORD: 'x' });
    expect(problems(r, 'bad.yaml')).toEqual([
      'bad.yaml: environment JSG_TRUNK_CARIER_PASSWORD: no trunk in sip.trunks has this name (expected one of JSG_TRUNK_CARRIER_PASSWORD)',
      'bad.yaml:4: xmpp.debugwire: unknown key',
      'bad.yaml:7: sip.listen[1]: listen address must be an IP address',
      'bad.yaml:7: sip.listen[2]: the same address as sip.listen[0]',
      'bad.yaml:8: sip.outbound: not a sip: or sips: URI',
      'bad.yaml:9: sip.trusted[0]: not a CIDR block',
      `bad.yaml:10: sip.tls.key: ${path.join(tmp, 'other-key.pem')}: not the key of the certificate in ${path.join(tmp, 'cert.pem')}`,
      `bad.yaml:10: sip.tls.ca: cannot read ${path.join(tmp, 'missing.pem')}: no such file`,
      'bad.yaml:15: routing.outbound[0].strip: expected number, received string',
      'bad.yaml:17: log.format: Invalid option: expected one of "auto"|"json"|"text"',
    ]);
  });

  const T = (s: string) => path.join(tmp, s);
  /** Files made from GOOD: their trunk takes its password from the environment. */
  const fromGood = new Set<string>();
  const good = (yaml: string): string => (fromGood.add(yaml), yaml);
  const withTls = (tls: string): string =>
    good(GOOD.replace('tls: { cert: cert.pem, key: key.pem, ca: cert.pem }', tls));
  const fromDefault = (from: string | RegExp, to: string): string => {
    const out = DEFAULT_YAML.replace(from, to);
    if (out === DEFAULT_YAML) throw new Error(`config/default.yaml has no ${String(from)}`);
    return out;
  };
  /** The expected lines, given `at(needle)`: the line of the file that holds `needle`. */
  type Expect = (at: (needle: string) => number) => Array<string | ReturnType<typeof expect.stringMatching>>;
  const cases: Array<[string, string, Expect]> = [
    [
      'YAML syntax',
      'xmpp:\n  service: a\n  service: b\nsip: [unclosed\n',
      () => [
        'case.yaml:3: Map keys must be unique (column 3)',
        'case.yaml:5: Flow sequence in block collection must be sufficiently indented and end with a ] (column 1)',
      ],
    ],
    [
      'an unknown key',
      fromDefault(/^calls:/m, 'cals:'),
      (at) => [`case.yaml:${at('cals:')}: cals: unknown key`],
    ],
    [
      'a bad type',
      fromDefault('noAnswerSeconds: 60', 'noAnswerSeconds: "soon"'),
      (at) => [`case.yaml:${at('noAnswerSeconds')}: calls.noAnswerSeconds: expected number, received string`],
    ],
    [
      'a missing key',
      fromDefault(/^ {2}secret: .*$/m, ''),
      (at) => [`case.yaml:${at('xmpp:')}: xmpp.secret: missing (in the file, or set JSG_XMPP_SECRET)`],
    ],
    [
      'a bad CIDR block',
      fromDefault("trusted: ['127.0.0.0/8']", "trusted: ['127.0.0.0/8', '10.0.0.300/8']"),
      (at) => [`case.yaml:${at('10.0.0.300')}: sip.trusted[1]: not a CIDR block`],
    ],
    [
      'a bad URI',
      fromDefault('outbound: sip:127.0.0.1:5090', 'outbound: tel:+15551234'),
      (at) => [`case.yaml:${at('tel:+1')}: sip.outbound: not a sip: or sips: URI`],
    ],
    [
      'a bad rtpengine address',
      fromDefault('rtpengine: udp://127.0.0.1:22222', 'rtpengine: tcp://127.0.0.1:22222'),
      (at) => [`case.yaml:${at('tcp://127.0.0.1:22222')}: media.rtpengine: not a udp://host:port address`],
    ],
    [
      'a bad listen address',
      fromDefault("'tcp://127.0.0.1:5060'", "'sctp://127.0.0.1:5060', 'udp://gw.example.net:5060'"),
      (at) => [
        `case.yaml:${at('sctp:')}: sip.listen[1]: not a udp|tcp|tls://host:port address`,
        `case.yaml:${at('sctp:')}: sip.listen[2]: listen address must be an IP address`,
      ],
    ],
    [
      'tls:// without sip.tls',
      good(GOOD.replace(/^ {2}tls: .*\n/m, '')),
      (at) => [`case.yaml:${at('sip:')}: sip.tls: required by a tls:// listen address`],
    ],
    [
      'a missing TLS file',
      withTls('tls: { cert: nope.pem, key: key.pem }'),
      (at) => [`case.yaml:${at('nope.pem')}: sip.tls.cert: cannot read ${T('nope.pem')}: no such file`],
    ],
    [
      'an unreadable TLS file',
      withTls('tls: { cert: cert.pem, key: a-folder.pem }'),
      (at) => [`case.yaml:${at('a-folder')}: sip.tls.key: cannot read ${T('a-folder.pem')}: is a directory`],
    ],
    [
      'invalid PEM',
      withTls('tls: { cert: garbage.pem, key: cert.pem, ca: key.pem }'),
      (at) => [
        `case.yaml:${at('garbage')}: sip.tls.cert: ${T('garbage.pem')}: not a PEM certificate`,
        `case.yaml:${at('garbage')}: sip.tls.key: ${T('cert.pem')}: not a PEM private key`,
        `case.yaml:${at('garbage')}: sip.tls.ca: ${T('key.pem')}: no PEM certificate`,
      ],
    ],
    [
      'an encrypted key',
      withTls('tls: { cert: cert.pem, key: encrypted-key.pem }'),
      (at) => [
        `case.yaml:${at('encrypted')}: sip.tls.key: ${T('encrypted-key.pem')}: an encrypted key (the gateway takes no passphrase)`,
      ],
    ],
    [
      'a bad policy rule',
      fromDefault(/^ {2}sipHosts: \[\]/m, "  sipHosts: ['pbx example']").replace(
        /^ {2}callers: \[\]/m,
        "  callers: [{ from: 'a@b@c' }]",
      ),
      (at) => [
        `case.yaml:${at('pbx example')}: policy.sipHosts[0]: not a host, host:port or *.domain`,
        `case.yaml:${at('a@b@c')}: policy.callers[0].from: not *, a domain or a bare JID`,
      ],
    ],
    [
      'a route with a bad regular expression',
      fromDefault(/^# routing:/m, "routing: { inbound: [{ match: '^(+1', jid: 'a@b' }] }\n# routing:"),
      (at) => [
        expect.stringMatching(
          new RegExp(
            `^case\\.yaml:${at('^(+1')}: routing\\.inbound\\[0\\]\\.match: invalid regular expression`,
          ),
        ),
      ],
    ],
    [
      'a typo and the key it leaves missing (the typo first)',
      good(GOOD.replace('username: gw', 'user: gw')),
      (at) => [
        `case.yaml:${at('user: gw')}: sip.trunks[0].user: unknown key`,
        `case.yaml:${at('user: gw')}: sip.trunks[0].username: missing`,
      ],
    ],
  ];
  cases.push([
    'a trunk password neither in the file nor in the environment',
    GOOD.replace('name: carrier', 'name: carrier-2'),
    (at) => [
      `case.yaml:${at('carrier-2')}: sip.trunks[0].password: missing (in the file, or set JSG_TRUNK_CARRIER_2_PASSWORD)`,
    ],
  ]);
  test.each(cases)('%s', (_name, yaml, expected) => {
    const lines = yaml.split('\n');
    const at = (needle: string): number => {
      const i = lines.findIndex((l) => l.includes(needle));
      if (i < 0) throw new Error(`no ${needle} in the file`);
      return i + 1;
    };
    // The trunk of GOOD takes its password from the environment.
    const env = fromGood.has(yaml) ? { JSG_TRUNK_CARRIER_PASSWORD: 'x' } : {};
    expect(problems(check('case.yaml', yaml, env), 'case.yaml')).toEqual(expected(at));
  });

  it('an environment variable for a trunk that does not exist is an error, also with no trunks at all', () => {
    expect(
      problems(
        check('case.yaml', DEFAULT_YAML, {
          JSG_TRUNK_CARRIER_PASSWORD: 'x',
          JSG_INBOUND_ALICE_PASSWORD: 'y',
        }),
        'case.yaml',
      ),
    ).toEqual([
      'case.yaml: environment JSG_INBOUND_ALICE_PASSWORD: no user in sip.inboundAuth.users has this name (there are none)',
      'case.yaml: environment JSG_TRUNK_CARRIER_PASSWORD: no trunk in sip.trunks has this name (sip.trunks is empty)',
    ]);
  });

  it('JSG_XMPP_SECRET stands in for a secret the file leaves out', () => {
    const file = DEFAULT_YAML.replace(/^ {2}secret: .*$/m, '');
    const r = check('no-secret.yaml', file, { JSG_XMPP_SECRET: 'gwsecret' });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/; from the environment: JSG_XMPP_SECRET\n$/);
  });

  it('a file that is not there, or not a file', () => {
    const r = cli(['check-config', '--config', path.join(tmp, 'none.yaml')]);
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe(
      `${T('none.yaml')}: cannot read: no such file\nconfig FAILED: ${T('none.yaml')} — 1 error\n`,
    );
    expect(cli(['check-config', '--config', tmp]).stderr).toMatch(/: cannot read: is a directory\n/);
    expect(problems(check('empty.yaml', '# nothing yet\n'), 'empty.yaml')).toEqual([
      'empty.yaml: empty: no configuration in it',
    ]);
  });

  it('prints control characters of the file as ?', () => {
    const yaml = `${DEFAULT_YAML}"\\e[31mred": 1\n`;
    const line = yaml.split('\n').length - 1;
    expect(problems(check('ctl.yaml', yaml), 'ctl.yaml')).toEqual([
      `ctl.yaml:${line}: ?[31mred: unknown key`,
    ]);
  });
});

/**
 * The mapping tables are always the ones next to the installed program (mappings/ beside dist/),
 * so a bad table is tested on a copy of the installation: bin/, dist/, config/ and mappings/ in a
 * temp folder, node_modules linked.
 */
describe('check-config and the mapping tables', () => {
  let inst: string;
  beforeAll(() => {
    inst = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-install-'));
    for (const d of ['bin', 'dist', 'config', 'mappings'])
      fs.cpSync(path.join(ROOT, d), path.join(inst, d), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(inst, 'node_modules'));
  });
  afterAll(() => fs.rmSync(inst, { recursive: true, force: true }));

  it('names each bad entry of each table with its line, next to the config file problems', () => {
    const reasons = path.join(inst, 'mappings', 'reasons.yaml');
    const text = fs.readFileSync(reasons, 'utf8');
    fs.writeFileSync(
      reasons,
      text
        .replace('{ condition: busy, sip: 486,', '{ condition: busy, sip: 200,')
        .replace(
          '{ condition: decline, sip: 603, text: Decline }',
          '{ condition: decline, sip: 603, txt: Decline }',
        ),
    );
    fs.appendFileSync(
      path.join(inst, 'mappings', 'hashes.yaml'),
      '- { name: sha-1, bytes: 20, sdp: sha-1 }\n',
    );
    const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const cals = DEFAULT_YAML.split('\n').findIndex((l) => l.startsWith('calls:')) + 1;
    const cfg = path.join(inst, 'gw.yaml');
    fs.writeFileSync(cfg, DEFAULT_YAML.replace('calls:', 'cals:'));
    const r = spawnSync(
      process.execPath,
      [path.join(inst, 'bin', 'jingle-sip-gateway.js'), 'check-config', '--config', cfg],
      {
        cwd: inst,
        encoding: 'utf8',
        env: process.env,
      },
    );
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    const hashes = fs
      .readFileSync(path.join(inst, 'mappings', 'hashes.yaml'), 'utf8')
      .trimEnd()
      .split('\n').length;
    expect(r.stderr.split('\n')).toEqual([
      `${cfg}:${cals}: cals: unknown key`,
      `mappings/hashes.yaml:${hashes}: [${hashes - 6}].name: duplicate hash sha-1`,
      `mappings/reasons.yaml:${lineOf('condition: busy')}: toSip[1].sip: not a 4xx–6xx code`,
      `mappings/reasons.yaml:${lineOf('condition: decline')}: toSip[4].txt: unknown key`,
      `mappings/reasons.yaml:${lineOf('condition: decline')}: toSip[4].text: missing`,
      `config FAILED: ${cfg} — 5 errors`,
      '',
    ]);
  });
});
