/**
 * The shipped deployment files stay valid: the gateway config that docker-compose.yml mounts
 * loads, and the compose file itself passes `docker-compose config` (when docker-compose is here).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';

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
