import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addressContext } from '../../src/config/address-context';
import { defaultConfig, defaultConfigFile, loadConfig, parseConfig } from '../../src/config/config';
import { InputError } from '../../src/errors';
import { deadPeerBudget } from '../../src/policy/dead-peers';
import { jidToSipUri } from '../../src/translate/address';
import { tables } from '../support/tables';

const GOOD = `
xmpp:
  service: xmpp://127.0.0.1:5347
  domain: gw.localhost
  secret: gwsecret
sip:
  listen: [ "udp://127.0.0.1:5060", "tcp://127.0.0.1:5060" ]
  outbound: sip:127.0.0.1:5090
  trusted: [ "127.0.0.0/8" ]
`;

function configError(text: string): InputError {
  try {
    parseConfig(text, 'test.yaml');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('parseConfig did not throw');
}

describe('the configuration', () => {
  it('fills defaults for a minimal file', () => {
    expect(parseConfig(GOOD, 'test.yaml')).toEqual({
      xmpp: {
        service: 'xmpp://127.0.0.1:5347',
        domain: 'gw.localhost',
        secret: 'gwsecret',
        defaultDomain: 'localhost',
        resource: 'sip',
      },
      sip: {
        listen: ['udp://127.0.0.1:5060', 'tcp://127.0.0.1:5060'],
        outbound: 'sip:127.0.0.1:5090',
        trusted: ['127.0.0.0/8'],
        host: '127.0.0.1',
        userAgent: 'jingle-sip-gateway',
        sessionExpires: 1800,
        keepalive: { intervalSeconds: 30, timeoutSeconds: 32 },
        trunkKeepalive: { intervalSeconds: 30, timeoutSeconds: 32 },
        connections: { max: 2000, maxPerSource: 50, idleSeconds: 60, messageTimeoutMs: 10_000 },
      },
      calls: { gatherWindowMs: 200, noAnswerSeconds: 60, drainSeconds: 30 },
      policy: { sipHosts: [], allowNumbers: [], callers: [], sources: [] },
      routing: { inbound: [], unmatched: 'map', outbound: [] },
      limits: {
        calls: 1000,
        callsPerUser: 10,
        callsPerSource: 200,
        attemptsPerSecond: 500,
        attemptsPerSecondPerUser: 2,
        attemptsPerSecondPerSource: 50,
      },
      media: {
        anchor: 'auto',
        offer: ['as-offered'],
        timeoutMs: 500,
        retries: 2,
        checkSeconds: 15,
        silenceSeconds: 45,
      },
      log: { level: 'info', format: 'auto', trace: false },
    });
  });

  it('with the shipped defaults a dead peer is noticed within 90 s (docs/policy.md §Dead peers)', () => {
    const b = deadPeerBudget(defaultConfig());
    // Probes: 30 s quiet + 32 s unanswered; media: 45 s silent + two 15 s checks.
    expect(b).toEqual({ sipSeconds: 62, mediaSeconds: 75, sessionTimerSeconds: 1768 });
    expect(Math.max(b.sipSeconds, b.mediaSeconds)).toBeLessThanOrEqual(90);
    // Turned off, nothing is promised.
    const off = parseConfig(`${GOOD}  keepalive: { intervalSeconds: 0 }\n`, 'test.yaml');
    expect(deadPeerBudget(off).sipSeconds).toBe(Infinity);
    expect(deadPeerBudget(off).mediaSeconds).toBe(Infinity);
  });

  it('ships config/default.yaml as the default', () => {
    expect(defaultConfigFile()).toBe(path.resolve(__dirname, '../../config/default.yaml'));
    // The shipped default anchors media through a local rtpengine (docs/media.md) and serves the
    // status page on loopback only (docs/operations.md).
    expect(defaultConfig()).toEqual(
      parseConfig(
        `${GOOD}media: { rtpengine: 'udp://127.0.0.1:22222', anchor: auto, offer: [as-offered, sdes, rtp] }\n` +
          `http: { listen: '127.0.0.1:8088' }\n`,
        'test.yaml',
      ),
    );
    expect(loadConfig()).toEqual(defaultConfig());
  });

  it('accepts every optional key', () => {
    const c = parseConfig(
      `
xmpp: { service: 'xmpp://[::1]:5347', domain: sip.example.net, secret: s, defaultDomain: example.net, resource: gw }
sip:
  listen: ['tls://[2001:db8::1]:5061', 'udp://0.0.0.0:5060']
  outbound: 'sips:proxy.example.net:5061;transport=tls'
  trusted: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8']
  fromStyle: direct
  userAgent: gw/1
  tls: { cert: cert.pem, key: key.pem }
calls: { gatherWindowMs: 0, noAnswerSeconds: 30, drainSeconds: 5 }
log: { level: debug }
`,
      'test.yaml',
    );
    expect(c.sip.host).toBe('[2001:db8::1]');
    expect(c.sip.fromStyle).toBe('direct');
    expect(c.sip.tls).toEqual({ cert: 'cert.pem', key: 'key.pem' });
    expect(c.calls).toEqual({ gatherWindowMs: 0, noAnswerSeconds: 30, drainSeconds: 5 });
    expect(c.log.level).toBe('debug');
  });

  it('has no HTTP server unless http is given; its bounds default', () => {
    expect(parseConfig(GOOD, 'test.yaml').http).toBeUndefined();
    expect(parseConfig(`${GOOD}http: { listen: '[::1]:0' }\n`, 'test.yaml').http).toEqual({
      listen: '[::1]:0',
      recentCalls: 50,
      messagesPerCall: 200,
      messageBytes: 8192,
    });
    expect(
      parseConfig(`${GOOD}http: { listen: '0.0.0.0:9100', recentCalls: 5 }\n`, 'test.yaml').http,
    ).toMatchObject({ listen: '0.0.0.0:9100', recentCalls: 5 });
  });

  it('resolves relative TLS paths against the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    try {
      const file = path.join(dir, 'gw.yaml');
      fs.writeFileSync(file, `${GOOD}  tls: { cert: c.pem, key: /abs/k.pem }\n`);
      expect(loadConfig(file).sip.tls).toEqual({ cert: path.join(dir, 'c.pem'), key: '/abs/k.pem' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the address context from config and mappings', () => {
    const c = parseConfig(GOOD, 'test.yaml');
    const ctx = addressContext(c, tables);
    expect(ctx).toMatchObject({
      gatewayDomain: 'gw.localhost',
      sipHost: '127.0.0.1',
      xmppDefaultDomain: 'localhost',
      fromStyle: 'escaped',
    });
    expect(jidToSipUri('+15551234@gw.localhost', ctx)).toBe('sip:+15551234@127.0.0.1:5090');
    expect(addressContext({ ...c, sip: { ...c.sip, fromStyle: 'direct' } }, tables).fromStyle).toBe('direct');
  });

  const set = (from: string, to: string): string => {
    if (!GOOD.includes(from)) throw new Error(`no ${from}`);
    return GOOD.replace(from, to);
  };

  it.each<[string, string, string, string]>([
    ['unknown key', set('  listen:', '  lsiten:'), 'sip.lsiten', 'unknown key'],
    ['unknown section', `${GOOD}extra: 1\n`, 'extra', 'unknown key'],
    ['unknown nested key', `${GOOD}calls: { gatherWindow: 5 }\n`, 'calls.gatherWindow', 'unknown key'],
    ['missing secret', set('  secret: gwsecret\n', ''), 'xmpp.secret', 'missing'],
    ['empty secret', set('secret: gwsecret', "secret: ''"), 'xmpp.secret', 'empty'],
    ['missing sip', GOOD.slice(0, GOOD.indexOf('sip:')), 'sip', 'missing'],
    [
      'bad service',
      set('xmpp://127.0.0.1:5347', 'http://127.0.0.1:5347'),
      'xmpp.service',
      'not an xmpp://host:port URI',
    ],
    [
      'bad domain',
      set('domain: gw.localhost', 'domain: gw_local host'),
      'xmpp.domain',
      'not a host name or IP address',
    ],
    [
      'bad listen scheme',
      set('udp://127.0.0.1:5060', 'sctp://127.0.0.1:5060'),
      'sip.listen[0]',
      'not a udp|tcp|tls://host:port address',
    ],
    [
      'listen without port',
      set('tcp://127.0.0.1:5060', 'tcp://127.0.0.1'),
      'sip.listen[1]',
      'not a udp|tcp|tls://host:port address',
    ],
    [
      'listen port out of range',
      set('tcp://127.0.0.1:5060', 'tcp://127.0.0.1:70000'),
      'sip.listen[1]',
      'not a udp|tcp|tls://host:port address',
    ],
    [
      'IPv6 without brackets',
      set('tcp://127.0.0.1:5060', 'tcp://::1:5060'),
      'sip.listen[1]',
      'not a udp|tcp|tls://host:port address',
    ],
    [
      'no listen address',
      set('[ "udp://127.0.0.1:5060", "tcp://127.0.0.1:5060" ]', '[]'),
      'sip.listen',
      'at least one listen address',
    ],
    [
      'bad outbound',
      set('outbound: sip:127.0.0.1:5090', 'outbound: 127.0.0.1:5090'),
      'sip.outbound',
      'not a sip: or sips: URI',
    ],
    ['bad CIDR', set('"127.0.0.0/8"', '"127.0.0.0/33"'), 'sip.trusted[0]', 'not a CIDR block'],
    ['bad CIDR address', set('"127.0.0.0/8"', '"localhost/8"'), 'sip.trusted[0]', 'not a CIDR block'],
    [
      'tls listen without tls',
      set('tcp://127.0.0.1:5060', 'tls://127.0.0.1:5061'),
      'sip.tls',
      'required by a tls:// listen address',
    ],
    [
      'wildcard without host',
      set('udp://127.0.0.1:5060', 'udp://0.0.0.0:5060'),
      'sip.host',
      'required when listening on 0.0.0.0',
    ],
    [
      'bad fromStyle',
      `${GOOD}  fromStyle: percent\n`,
      'sip.fromStyle',
      'Invalid option: expected one of "escaped"|"direct"',
    ],
    [
      'userAgent with a line break',
      `${GOOD}  userAgent: "a\\r\\nVia: x"\n`,
      'sip.userAgent',
      'no line breaks',
    ],
    [
      'negative window',
      `${GOOD}calls: { gatherWindowMs: -1 }\n`,
      'calls.gatherWindowMs',
      'Too small: expected number to be >=0',
    ],
    [
      'string timeout',
      `${GOOD}calls: { noAnswerSeconds: soon }\n`,
      'calls.noAnswerSeconds',
      'expected number, received string',
    ],
    ['bad log level', `${GOOD}log: { level: loud }\n`, 'log.level', 'Invalid option'],
    [
      'http listen without port',
      `${GOOD}http: { listen: '127.0.0.1' }\n`,
      'http.listen',
      'not an IP address:port',
    ],
    [
      'http listen by name',
      `${GOOD}http: { listen: 'localhost:8088' }\n`,
      'http.listen',
      'not an IP address:port',
    ],
    [
      'http IPv6 without brackets',
      `${GOOD}http: { listen: '::1:8088' }\n`,
      'http.listen',
      'not an IP address:port',
    ],
    ['http unknown key', `${GOOD}http: { listen: '127.0.0.1:0', port: 1 }\n`, 'http.port', 'unknown key'],
    [
      'http recentCalls 0',
      `${GOOD}http: { listen: '127.0.0.1:0', recentCalls: 0 }\n`,
      'http.recentCalls',
      'Too small',
    ],
  ])('%s', (_name, text, where, detail) => {
    const e = configError(text);
    expect(e.domain).toBe('config');
    expect(e.where).toBe(where);
    expect(e.detail).toContain(detail);
  });

  it('reports YAML syntax errors and duplicate keys with the line', () => {
    expect(configError('xmpp: [').where).toMatch(/^test\.yaml line \d+$/);
    expect(configError(`${GOOD}xmpp: {}\n`).where).toMatch(/^test\.yaml line 10$/);
    expect(configError('a: &x 1\nb: *x\n')).toMatchObject({
      where: 'test.yaml',
      detail: expect.stringMatching(/^cannot use YAML aliases/),
    });
  });

  it('reports an empty file and an unreadable one', () => {
    expect(configError('').where).toBe('(root)');
    expect(() => loadConfig('/nonexistent/gw.yaml')).toThrow(
      expect.objectContaining({ where: '/nonexistent/gw.yaml' }),
    );
  });
});
