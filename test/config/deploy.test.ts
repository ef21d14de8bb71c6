/**
 * The shipped deployment files stay valid: the gateway config that docker-compose.yml mounts
 * loads, and the compose file itself passes `docker-compose config` (when docker-compose is here).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';
import { cli, ensureBuilt } from '../cli/run-cli';

const root = path.join(__dirname, '..', '..');

describe('deployment files', () => {
  it('deploy/gateway.yaml loads: component of prosody, trunk to asterisk', () => {
    const c = loadConfig(path.join(root, 'deploy', 'gateway.yaml'));
    expect(c.xmpp.service).toBe('xmpp://prosody:5347');
    expect(c.sip.outbound).toBe('sip:asterisk:5060');
    expect(c.sip.host).toBe('gateway');
  });

  it("the gateway anchors media through the compose file's rtpengine service", () => {
    const c = loadConfig(path.join(root, 'deploy', 'gateway.yaml'));
    expect(c.media.rtpengine).toBe('udp://rtpengine:22222');
    const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { depends_on?: string[] }>;
    };
    expect(compose.services.rtpengine).toBeDefined();
    expect(compose.services.gateway?.depends_on).toContain('rtpengine');
  });

  const hasCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  (hasCompose ? it : it.skip)('docker-compose.yml is a valid compose file', () => {
    const r = spawnSync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), 'config', '-q'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('deployment examples', () => {
  const hasKamailio = spawnSync('kamailio', ['-v'], { encoding: 'utf8' }).status === 0;
  (hasKamailio ? it : it.skip)('deploy/kamailio/kamailio.cfg passes kamailio -c', () => {
    const r = spawnSync('kamailio', ['-c', '-f', path.join(root, 'deploy', 'kamailio', 'kamailio.cfg')], {
      encoding: 'utf8',
    });
    expect(r.status === 0 ? 'ok' : r.stderr.slice(-2000)).toBe('ok');
  });

  it('the ejabberd listener is an ejabberd_service for a component host with a password', () => {
    const y = parse(
      fs.readFileSync(path.join(root, 'deploy', 'ejabberd', 'ejabberd-gateway.yml'), 'utf8'),
    ) as {
      listen: Array<{ module: string; hosts: Record<string, { password: string }> }>;
    };
    const l = y.listen.find((x) => x.module === 'ejabberd_service');
    expect(Object.values(l?.hosts ?? {})[0]?.password).toBeDefined();
  });

  it('the systemd unit checks the config (check-config) before it runs the same file', () => {
    const unit = fs.readFileSync(path.join(root, 'deploy', 'systemd', 'jingle-sip-gateway.service'), 'utf8');
    const exec = [
      ...unit.matchAll(/^Exec(?:StartPre|Start)=\S+ bin\/jingle-sip-gateway\.js (\S+) --config (\S+)$/gm),
    ];
    expect(exec.map((m) => m[1])).toEqual(['check-config', 'run']);
    // Both are commands of this CLI, and the shipped default passes the check.
    ensureBuilt();
    expect(cli(['check-config']).status).toBe(0);
    expect(cli(['run', '--help']).status).toBe(0);
    expect(new Set(exec.map((m) => m[2])).size).toBe(1);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });
});
