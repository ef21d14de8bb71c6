/**
 * `run --trace` with secrets from the environment, through the real bin, against a real Prosody
 * (the component handshake) and a SIPp registrar (test/scenarios/sipp/registrar.xml: 503, then a
 * 401 whose answer it checks with verifyauth): the secrets from JSG_XMPP_SECRET and
 * JSG_TRUNK_<NAME>_PASSWORD are the ones used, every SIP message and stanza is logged at info as
 * JSON lines (stderr is no terminal), and no secret is in the log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProsodyServer, prosodyAvailable } from '../support/prosody';
import { startSipp } from '../support/sipp';
import { debInstalled, freePort, spawnProc, stopAll, waitFor, type Proc } from '../support/processes';
import { BIN, ensureBuilt } from './run-cli';

const SECRET = 'component-secret-from-env';
/** registrar.xml's verifyauth password. */
const PASSWORD = 's3cret';
const ready = prosodyAvailable() && debInstalled('sip-tester');

interface Line {
  level: string;
  message: string;
  [k: string]: unknown;
}

/** The gateway's JSON log lines so far (a line that is not JSON fails the test). */
function lines(p: Proc): Line[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}

(ready ? describe : describe.skip)('run --trace with secrets from the environment', () => {
  let prosody: ProsodyServer;
  let dir: string;
  let config: string;
  let sipPort: number;
  let registrarPort: number;
  beforeAll(async () => {
    ensureBuilt();
    prosody = await ProsodyServer.start({ secret: SECRET });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-run-trace-'));
    sipPort = await freePort();
    registrarPort = await freePort();
    config = path.join(dir, 'gw.yaml');
    // The file holds no secret: the component secret is wrong, the trunk's password and alice's
    // left out.
    fs.writeFileSync(
      config,
      `xmpp: { service: 'xmpp://127.0.0.1:${prosody.componentPort}', domain: ${prosody.component}, secret: not-the-secret }
sip:
  listen: ['udp://127.0.0.1:${sipPort}']
  outbound: sip:127.0.0.1:5090
  trusted: []
  inboundAuth: { realm: gw.test, users: { alice: ~ } }
  trunks:
    - name: registrar
      host: 127.0.0.1:${registrarPort}
      username: trunkuser
      keepalive: false # the SIPp registrar scenario expects REGISTERs only, no OPTIONS probes
      register: { registrar: 'sip:127.0.0.1:${registrarPort}', aor: 'sip:trunkuser@registrar.test', retryBaseSeconds: 1 }
log: { level: info }
`,
    );
  }, 60_000);
  afterEach(() => stopAll());
  afterAll(async () => {
    await prosody?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(env: NodeJS.ProcessEnv): Proc {
    return spawnProc('gateway', process.execPath, [BIN, 'run', '--config', config, '--trace'], {
      env: { ...process.env, ...env },
    });
  }

  it('connects with JSG_XMPP_SECRET, registers with JSG_TRUNK_REGISTRAR_PASSWORD, masks both', async () => {
    const sipp = await startSipp({ scenario: 'registrar.xml', port: registrarPort, timeoutSec: 30 });
    const gw = run({
      JSG_XMPP_SECRET: SECRET,
      JSG_TRUNK_REGISTRAR_PASSWORD: PASSWORD,
      JSG_INBOUND_ALICE_PASSWORD: 'alice-password-from-env',
    });
    await waitFor(() => lines(gw).some((l) => l.message === 'XMPP component online'), 15_000, 'online');
    // SIPp answers 200 only to the right password (403 otherwise).
    const registered = (l: Line): boolean =>
      l.message === 'recv' &&
      /^SIP\/2\.0 200 /.test(String(l.text)) &&
      /\r\nCSeq: \d+ REGISTER\r\n/.test(String(l.text));
    try {
      await waitFor(() => lines(gw).some(registered), 15_000, 'the 200 to REGISTER');
    } catch (e) {
      console.log(gw.output().slice(-6000));
      throw e;
    }

    const log = lines(gw);
    const wire = log.filter((l) => ['send', 'recv', 'xmpp wire in', 'xmpp wire out'].includes(l.message));
    expect(new Set(wire.map((l) => l.level))).toEqual(new Set(['info']));
    expect(wire.some((l) => String(l.data).includes('<handshake>***</handshake>'))).toBe(true);
    expect(wire.some((l) => l.message === 'recv' && String(l.text).startsWith('SIP/2.0 401'))).toBe(true);
    expect(log.some((l) => /^SIP\/2\.0 403/.test(String(l.text)))).toBe(false);
    const register = log.find((l) => l.message === 'send' && /\r\nAuthorization: /.test(String(l.text)));
    expect(/\r\n(Authorization: [^\r]*)/.exec(String(register?.text))?.[1]).toMatch(
      /^Authorization: Digest username="trunkuser", realm="registrar.test", .*response="\*\*\*"/,
    );
    const all = gw.output();
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/<handshake>[0-9a-f]{40}<\/handshake>/);
    expect(all).not.toMatch(/response="?[0-9a-f]{32}/);
    await gw.stop();
    await sipp.proc.stop();
  }, 60_000);

  it('without JSG_XMPP_SECRET the file’s wrong secret is used, and Prosody refuses it', async () => {
    const gw = run({ JSG_INBOUND_ALICE_PASSWORD: 'x', JSG_TRUNK_REGISTRAR_PASSWORD: PASSWORD });
    await waitFor(
      () => lines(gw).some((l) => l.level === 'error' && /^XMPP component refused/.test(l.message)),
      15_000,
      'the refusal',
    );
    expect(lines(gw).some((l) => l.message === 'XMPP component online')).toBe(false);
  }, 30_000);

  it('refuses to start when a variable names a user the file does not have', async () => {
    const gw = run({
      JSG_XMPP_SECRET: SECRET,
      JSG_INBOUND_ALICE_PASSWORD: PASSWORD,
      JSG_INBOUND_ALISE_PASSWORD: 'x',
    });
    expect(await gw.exited).toEqual({ code: 1, signal: null });
    expect(gw.output()).toBe(
      `jingle-sip-gateway: cannot start: config: ${config}: environment JSG_INBOUND_ALISE_PASSWORD: no user in sip.inboundAuth.users has this name (expected one of JSG_INBOUND_ALICE_PASSWORD)\n`,
    );
  }, 30_000);
});
