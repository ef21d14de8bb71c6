/**
 * src/config/check.ts in-process, for what the CLI test cannot reach easily: the certificate's
 * validity period (a clock of our choosing), another mappings/ folder, the summary.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfig, displayPath, formatProblem } from '../../src/config/check';
import { mappingsDir } from '../../src/config/mappings';

let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-check-'));
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
      '30',
      '-subj',
      '/CN=gw',
    ].concat(['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]),
    { stdio: 'ignore' },
  );
  file = path.join(dir, 'gw.yaml');
  fs.writeFileSync(
    file,
    `xmpp: { service: 'xmpp://127.0.0.1:5347', domain: gw.localhost, secret: s }
sip:
  listen: ['tls://127.0.0.1:5061']
  outbound: sips:127.0.0.1:5091
  tls: { cert: cert.pem, key: key.pem }
`,
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;

describe('checkConfig', () => {
  it('accepts a certificate in its validity period, with a summary', () => {
    const r = checkConfig({ file, name: 'gw.yaml', env: {} });
    expect(r).toMatchObject({
      ok: true,
      summary:
        'config OK: gw.yaml — 1 listen address, 0 trunks, 0 routes (0 in, 0 out), no rtpengine, TLS certificate and key',
    });
  });

  it('refuses an expired certificate and one not valid yet', () => {
    const later = checkConfig({ file, name: 'gw.yaml', env: {}, now: new Date(Date.now() + 60 * DAY) });
    expect(later.ok ? [] : later.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^gw\.yaml:5: sip\.tls\.cert: .*cert\.pem: expired \d{4}-\d\d-\d\dT/),
    ]);
    const earlier = checkConfig({ file, name: 'gw.yaml', env: {}, now: new Date(Date.now() - DAY) });
    expect(earlier.ok ? [] : earlier.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^gw\.yaml:5: sip\.tls\.cert: .*cert\.pem: not valid before /),
    ]);
  });

  it('checks the mappings/ folder it is given: a missing table is named', () => {
    const m = path.join(dir, 'mappings');
    fs.cpSync(mappingsDir(), m, { recursive: true });
    fs.rmSync(path.join(m, 'codecs.yaml'));
    const r = checkConfig({ file, name: 'gw.yaml', env: {}, mappingsDir: m });
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([
      `${displayPath(path.join(m, 'codecs.yaml'))}: cannot read: no such file`,
    ]);
  });

  it('shows paths below the working directory relative, others as they are', () => {
    expect(displayPath('/srv/gw/mappings/x.yaml', '/srv/gw')).toBe('mappings/x.yaml');
    expect(displayPath('/etc/gw.yaml', '/srv/gw')).toBe('/etc/gw.yaml');
  });
});
