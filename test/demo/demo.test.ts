/**
 * Issue 13: `npm run demo`. The requirement check (pure), the one-line refusal when a Debian
 * package is missing (the real bin, with a PATH that has only node), and the headless check run
 * exactly as a user runs it: `npm run demo -- --headless-check` must place a call each way and
 * exit 0, leaving no process and no temp folder behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkRequirements } from '../../src/demo/requirements';
import { commandAvailable } from '../../src/peers/processes';
import { BIN, ensureBuilt, ROOT } from '../cli/run-cli';

describe('demo requirements', () => {
  it('all there: nothing missing; rtpengine reported', () => {
    expect(checkRequirements(() => true)).toEqual({ rtpengine: true });
  });

  it('baresip missing: one line with the apt-get install that brings it', () => {
    const r = checkRequirements((bin) => bin !== 'baresip');
    expect(r.missing).toBe(
      'demo: baresip not installed; install with: apt-get install -y --no-install-recommends baresip-core',
    );
  });

  it('rtpengine is optional, but named in the install line when something else is missing', () => {
    expect(checkRequirements((bin) => bin !== 'rtpengine')).toEqual({ rtpengine: false });
    expect(checkRequirements(() => false).missing).toMatch(
      /^demo: prosody, prosodyctl, baresip not installed; .* prosody lua-unbound baresip-core rtpengine-daemon$/,
    );
  });
});

describe('jingle-sip-gateway demo', () => {
  beforeAll(() => ensureBuilt());

  it('exits 2 with one line when the peers are not installed', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-demo-path-'));
    try {
      fs.symlinkSync(process.execPath, path.join(bin, 'node'));
      const r = spawnSync(path.join(bin, 'node'), [BIN, 'demo'], {
        cwd: ROOT,
        env: { PATH: bin },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^demo: prosody, prosodyctl, baresip not installed; install with: apt-get install /,
      );
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  const peers = ['prosody', 'prosodyctl', 'baresip'].every((b) => commandAvailable(b));
  (peers ? it : it.skip)(
    'npm run demo -- --headless-check: a call each way, exit 0, nothing left behind',
    async () => {
      // A temp folder of its own: every folder the demo makes must be gone at the end, and no
      // process naming it may be left.
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-demo-test-'));
      const child = spawn('npm', ['run', '--silent', 'demo', '--', '--headless-check'], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      // The whole output in the diff when it fails: a code alone says nothing about which call broke.
      expect({ code, out }).toEqual({ code: 0, out: expect.stringMatching(/^headless check passed$/m) });
      expect(out).toMatch(/^XMPP → SIP: \+15550000000 answered in \d+ ms; /m);
      expect(out).toMatch(/^SIP → XMPP: the demo phone reached demo@localhost, answered in \d+ ms; /m);
      if (commandAvailable('rtpengine'))
        expect(out).toMatch(/tone reached rtpengine \(\d+ packets\)[\s\S]*tone reached rtpengine/);
      expect(out).toMatch(/^headless check passed$/m);
      expect(fs.readdirSync(tmp)).toEqual([]);
      const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
      expect(ps.split('\n').filter((l) => l.includes(tmp))).toEqual([]);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
    60_000,
  );

  (peers ? it : it.skip)(
    'without rtpengine (a PATH without it) the headless check connects end to end over raw UDP',
    () => {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-demo-path-'));
      try {
        // prosody and prosodyctl are Lua scripts run through `env lua5.4`.
        for (const b of ['prosody', 'prosodyctl', 'baresip', 'lua5.4', 'env']) {
          const where = spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).stdout.trim();
          if (where !== '') fs.symlinkSync(where, path.join(bin, b));
        }
        fs.symlinkSync(process.execPath, path.join(bin, 'node'));
        const r = spawnSync(path.join(bin, 'node'), [BIN, 'demo', '--headless-check'], {
          cwd: ROOT,
          env: { PATH: bin },
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0 });
        expect(r.stdout).toMatch(
          /^XMPP → SIP: .*answered in \d+ ms; media not measured \(rtpengine not installed\)$/m,
        );
        expect(r.stdout).toMatch(/^SIP → XMPP: .*answered in \d+ ms; media not measured/m);
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    },
    70_000,
  );
});
