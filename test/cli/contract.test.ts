/**
 * The `translate` command's contract, through the real bin on real fixtures: every direction
 * succeeds with exit 0, output on stdout only, and the output is what the other side expects.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Element } from 'ltx';
import { parseXml } from '../../src/jingle/xml';
import { cli, ensureBuilt, fixture, readFixture, translate, type CliResult, ROOT } from './run-cli';

beforeAll(() => ensureBuilt(), 180_000);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-cli-contract-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function ok(r: CliResult): string {
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect(r.stdout).not.toBe('');
  return r.stdout;
}

function elements(el: Element, name: string): Element[] {
  const out: Element[] = [];
  const walk = (e: Element): void => {
    if (e.name === name) out.push(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(el);
  return out;
}

function child(el: Element, name: string): Element {
  const c = el.children.find((x): x is Element => typeof x !== 'string' && x.name === name);
  if (!c) throw new Error(`no <${name}> in ${el.toString().slice(0, 200)}`);
  return c;
}

function sdpLines(sdp: string, prefix: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith(prefix));
}

const captured = fs.readdirSync(fixture('captured')).sort();
const capturedSdp = captured.filter((f) => f.endsWith('.sdp'));

/** A session-initiate from an XMPP user to a number at the gateway, with ICE and DTLS. */
function sessionInitiate(to: string): string {
  return readFixture('jingle-xep', 'xep0320-ex01-initiate-fingerprint.xml')
    .replace("to='juliet@capulet.lit/balcony'", `to='${to}'`)
    .replace("id='uz61v4m4'", "id='x'");
}

function terminate(condition: string, to = '+15551230000@gw.localhost'): string {
  return (
    `<iq from='romeo@montague.lit/orchard' id='t1' to='${to}' type='set'>` +
    `<jingle xmlns='urn:xmpp:jingle:1' action='session-terminate' initiator='romeo@montague.lit/orchard' sid='a73sjjvkla37jfea'>` +
    `<reason><${condition}/></reason></jingle></iq>`
  );
}

/** Checks the framing of a SIP message as sent: CRLF only, Content-Length = body bytes, branch. */
function checkSipFraming(msg: string): { startLine: string; headers: string[]; body: string } {
  expect(msg).not.toMatch(/[^\r]\n/);
  expect(msg).not.toMatch(/\r(?!\n)/);
  const sep = msg.indexOf('\r\n\r\n');
  expect(sep).toBeGreaterThan(0);
  const [startLine, ...headers] = msg.slice(0, sep).split('\r\n');
  const body = msg.slice(sep + 4);
  const cl = headers.filter((h) => /^(Content-Length|l)\s*:/i.test(h));
  expect(cl).toHaveLength(1);
  expect(Number(cl[0].split(':')[1].trim())).toBe(Buffer.byteLength(body, 'utf8'));
  const vias = headers.filter((h) => /^(Via|v)\s*:/i.test(h));
  expect(vias.length).toBeGreaterThanOrEqual(1);
  expect(vias[0]).toMatch(/;branch=z9hG4bK[-A-Za-z0-9.!%*_+`'~]+/);
  return { startLine, headers, body };
}

describe('sdp → jingle: every captured SDP', () => {
  test.each(capturedSdp)('%s', (name) => {
    const sdp = readFixture('captured', name);
    const out = ok(translate('sdp', 'jingle', fixture('captured', name)));
    const root = parseXml(out.trim());
    expect(root.name).toBe('jingle');
    expect(root.attrs.xmlns).toBe('urn:xmpp:jingle:1');
    expect(root.attrs.action).toBe('session-initiate');
    expect(root.attrs.sid).toMatch(/\S/);
    // Without ICE (rtpengine's rewrites for SIP peers) the raw-UDP candidates come from c=/m=
    // and a=rtcp (XEP-0177): one or two per m-section.
    const ice = sdpLines(sdp, 'a=candidate:').length;
    if (ice > 0) expect(elements(root, 'candidate')).toHaveLength(ice);
    else expect(elements(root, 'candidate').length).toBeGreaterThanOrEqual(sdpLines(sdp, 'm=').length);
    expect(elements(root, 'content').filter((c) => c.parent === root)).toHaveLength(
      sdpLines(sdp, 'm=').length,
    );
    if (/^a=fingerprint:/m.test(sdp)) expect(elements(root, 'fingerprint').length).toBeGreaterThanOrEqual(1);
  });

  test('--answer gives session-accept', () => {
    const out = ok(
      translate('sdp', 'jingle', fixture('captured', 'chromium-156.0.8078.79-audio-answer.sdp'), [
        '--answer',
      ]),
    );
    const root = parseXml(out.trim());
    expect(root.attrs.action).toBe('session-accept');
    expect(elements(root, 'fingerprint')[0].attrs.setup).toBe('active');
  });

  test('every RFC SDP example in sdp-spec/ that is valid translates', () => {
    // Not all are expected to pass (some are verbatim with known defects); only the contract
    // shape is checked: exit 0 with stdout only, or exit 2 with one stderr line.
    for (const name of fs.readdirSync(fixture('sdp-spec')).filter((f) => f.endsWith('.sdp'))) {
      const r = translate('sdp', 'jingle', fixture('sdp-spec', name));
      if (r.status === 0) {
        expect(r.stderr).toBe('');
        expect(parseXml(r.stdout.trim()).name).toBe('jingle');
      } else {
        expect({ name, status: r.status, stdout: r.stdout }).toEqual({ name, status: 2, stdout: '' });
        expect(r.stderr.split('\n')).toHaveLength(2);
      }
    }
  });
});

describe('sdp → jingle → sdp: the output of one direction is valid input of the other', () => {
  const all = [
    ...capturedSdp.map((f) => ['captured', f]),
    ...fs
      .readdirSync(fixture('sdp-spec'))
      .filter((f) => f.endsWith('.sdp'))
      .map((f) => ['sdp-spec', f]),
  ];
  test.each(all)('%s/%s', (dir, name) => {
    for (const extra of [[], ['--answer']]) {
      const first = translate('sdp', 'jingle', fixture(dir, name), extra);
      if (first.status !== 0) continue; // rejected inputs are covered elsewhere
      const back = cli(['translate', '--from', 'jingle', '--to', 'sdp'], first.stdout);
      expect({ extra, status: back.status, stderr: back.stderr }).toEqual({ extra, status: 0, stderr: '' });
    }
  });
});

describe('sip → jingle: captured SIP', () => {
  const iqOf = (file: string): Element => {
    const root = parseXml(ok(translate('sip', 'jingle', file)).trim());
    expect(root.name).toBe('iq');
    expect(root.attrs.type).toBe('set');
    expect(root.attrs.id).toMatch(/\S/);
    expect(root.attrs.from).toMatch(/@/);
    expect(root.attrs.to).toMatch(/@/);
    return root;
  };

  const invites = captured.filter((f) => /^(baresip-1\.0\.0-invite-|sipp-3\.6\.1-uac-invite)/.test(f));
  test.each(invites)('INVITE %s → session-initiate', (name) => {
    const iq = iqOf(fixture('captured', name));
    const j = child(iq, 'jingle');
    expect(j.attrs.action).toBe('session-initiate');
    const body = readFixture('captured', name)
      .split(/\r?\n\r?\n/)
      .slice(1)
      .join('\n');
    // ICE candidates one for one; without ICE, one raw-udp candidate per m= line (XEP-0177).
    const ice = elements(j, 'transport').filter(
      (t) => t.attrs.xmlns === 'urn:xmpp:jingle:transports:ice-udp:1',
    );
    const iceCands = ice.flatMap((t) => elements(t, 'candidate'));
    expect(iceCands).toHaveLength(sdpLines(body, 'a=candidate:').length);
    expect(elements(j, 'content').length).toBe(sdpLines(body, 'm=').length);
  });

  const oks = captured.filter((f) => /200ok(?!-bye)/.test(f));
  test.each(oks)('200 %s → session-accept', (name) => {
    expect(child(iqOf(fixture('captured', name)), 'jingle').attrs.action).toBe('session-accept');
  });

  test('180 Ringing → session-info <ringing/>', () => {
    const j = child(iqOf(fixture('captured', 'sipp-3.6.1-uas-180-ringing.sip')), 'jingle');
    expect(j.attrs.action).toBe('session-info');
    const ringing = child(j, 'ringing');
    expect(ringing.attrs.xmlns).toBe('urn:xmpp:jingle:apps:rtp:info:1');
  });

  test('BYE → session-terminate <success/>', () => {
    const j = child(iqOf(fixture('captured', 'sipp-3.6.1-uac-bye.sip')), 'jingle');
    expect(j.attrs.action).toBe('session-terminate');
    child(child(j, 'reason'), 'success');
  });

  test('486 Busy Here → session-terminate <busy/> with <text>486 Busy Here</text>', () => {
    const ringing = readFixture('captured', 'sipp-3.6.1-uas-180-ringing.sip');
    const busy = ringing.replace(/^SIP\/2\.0 180 Ringing/, 'SIP/2.0 486 Busy Here');
    const file = path.join(tmp, '486.sip');
    fs.writeFileSync(file, busy);
    const j = child(iqOf(file), 'jingle');
    expect(j.attrs.action).toBe('session-terminate');
    const reason = child(j, 'reason');
    child(reason, 'busy');
    expect(child(reason, 'text').getText()).toMatch(/^486 /);
  });

  test('the INVITE and its 200 share the sid', () => {
    const a = child(iqOf(fixture('captured', 'sipp-3.6.1-uac-invite.sip')), 'jingle');
    const b = child(iqOf(fixture('captured', 'sipp-3.6.1-uas-200ok-invite.sip')), 'jingle');
    expect(a.attrs.sid).toBe(b.attrs.sid);
  });
});

describe('jingle → sdp: XEP examples', () => {
  test('XEP-0320 session-initiate with ICE and DTLS', () => {
    const xml = readFixture('jingle-xep', 'xep0320-ex01-initiate-fingerprint.xml');
    const sdp = ok(
      translate('jingle', 'sdp', fixture('jingle-xep', 'xep0320-ex01-initiate-fingerprint.xml')),
    );
    expect(sdp.startsWith('v=0\r\n')).toBe(true);
    expect(sdp).not.toMatch(/[^\r]\n/);
    expect(sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF? [0-9 ]+\r$/m);
    expect(sdp).toMatch(/^a=fingerprint:sha-256 02:1A:CC:54:27:AB(:[0-9A-F]{2}){26}\r$/im);
    expect(sdp).toMatch(/^a=setup:actpass\r$/m);
    expect(sdp).toMatch(/^a=ice-ufrag:8hhy\r$/m);
    expect(sdp).toMatch(/^a=ice-pwd:asd88fgpdd777uzjYhagZg\r$/m);
    const cands = sdpLines(sdp, 'a=candidate:');
    expect(cands).toHaveLength((xml.match(/<candidate\b/g) ?? []).length);
    expect(cands.some((c) => / 10\.0\.1\.1 8998 typ host/.test(c))).toBe(true);
    expect(cands.some((c) => / 192\.0\.2\.3 45664 typ srflx raddr 10\.0\.1\.1 rport 8998/.test(c))).toBe(
      true,
    );
  });

  test.each([
    'xep0167-ex01-initiation.xml',
    'xep0167-ex03-session-accept.xml',
    'xep0177-session-initiate.xml',
    'xep0320-ex02-accept-fingerprint.xml',
  ])('%s → SDP that the tool itself reads back', (name) => {
    const xml = readFixture('jingle-xep', name);
    const sdp = ok(translate('jingle', 'sdp', fixture('jingle-xep', name)));
    const ice = xml.includes('urn:xmpp:jingle:transports:ice-udp:1');
    expect(sdpLines(sdp, 'a=candidate:')).toHaveLength(ice ? (xml.match(/<candidate\b/g) ?? []).length : 0);
    // RFC 4566 §5.14: m=<media> <port> <proto> <fmt> ... needs at least one format.
    for (const m of sdpLines(sdp, 'm=')) expect(m.trimEnd()).toMatch(/^m=\S+ \d+(\/\d+)? \S+( \S+)+$/);
    const file = path.join(tmp, `${name}.sdp`);
    fs.writeFileSync(file, sdp);
    const back = translate('sdp', 'jingle', file);
    expect({ status: back.status, stderr: back.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('a bare <jingle> (no <iq>) works too', () => {
    const xml = readFixture('jingle-xep', 'xep0320-ex01-initiate-fingerprint.xml');
    const bare = xml.slice(xml.indexOf('<jingle'), xml.indexOf('</jingle>') + '</jingle>'.length);
    const r = cli(['translate', '--from', 'jingle', '--to', 'sdp', '-'], bare);
    expect(ok(r)).toMatch(/^a=fingerprint:sha-256 /m);
  });
});

describe('jingle → sip', () => {
  test('session-initiate → INVITE to the outbound proxy', () => {
    const r = cli(
      ['translate', '--from', 'jingle', '--to', 'sip'],
      sessionInitiate('+15551230000@gw.localhost'),
    );
    const { startLine, headers, body } = checkSipFraming(ok(r));
    expect(startLine).toBe('INVITE sip:+15551230000@127.0.0.1:5090 SIP/2.0');
    const get = (n: string): string | undefined =>
      headers.find((h) => h.toLowerCase().startsWith(`${n.toLowerCase()}:`));
    expect(get('Content-Type')).toMatch(/application\/sdp/);
    expect(get('CSeq')).toMatch(/^CSeq:\s*\d+ INVITE$/);
    expect(get('From')).toMatch(/;tag=/);
    expect(get('To')).not.toMatch(/;tag=/);
    expect(get('Call-ID')).toBeDefined();
    expect(get('Max-Forwards')).toBeDefined();
    expect(get('Contact')).toBeDefined();
    expect(body).toMatch(/^v=0\r\n/);
    expect(body).toMatch(/^a=fingerprint:sha-256 /m);
    expect(sdpLines(body, 'a=candidate:')).toHaveLength(2);
  });

  test('an escaped JID (alice\\40pbx.example.org@gw.localhost) → sip:alice@pbx.example.org', () => {
    const r = cli(
      ['translate', '--from', 'jingle', '--to', 'sip', '-'],
      sessionInitiate('alice\\40pbx.example.org@gw.localhost'),
    );
    const { startLine, headers } = checkSipFraming(ok(r));
    expect(startLine).toBe('INVITE sip:alice@pbx.example.org SIP/2.0');
    expect(headers.find((h) => h.startsWith('To:'))).toMatch(/<sip:alice@pbx\.example\.org>/);
  });

  test('session-terminate <success/> by the initiator → BYE', () => {
    const { startLine, headers, body } = checkSipFraming(
      ok(cli(['translate', '--from', 'jingle', '--to', 'sip'], terminate('success'))),
    );
    expect(startLine).toBe('BYE sip:+15551230000@127.0.0.1:5090 SIP/2.0');
    expect(headers.find((h) => h.startsWith('CSeq:'))).toMatch(/ BYE$/);
    expect(body).toBe('');
  });

  test('session-terminate <cancel/> by the initiator → CANCEL', () => {
    const { startLine, headers } = checkSipFraming(
      ok(cli(['translate', '--from', 'jingle', '--to', 'sip'], terminate('cancel'))),
    );
    expect(startLine).toBe('CANCEL sip:+15551230000@127.0.0.1:5090 SIP/2.0');
    expect(headers.find((h) => h.startsWith('CSeq:'))).toMatch(/^CSeq: 1 CANCEL$/);
  });

  test('CANCEL carries the branch, Call-ID and From tag of the INVITE it cancels (RFC 3261 §9.1)', () => {
    const inv = checkSipFraming(
      ok(cli(['translate', '--from', 'jingle', '--to', 'sip'], sessionInitiate('+15551230000@gw.localhost'))),
    );
    const can = checkSipFraming(
      ok(cli(['translate', '--from', 'jingle', '--to', 'sip'], terminate('cancel'))),
    );
    const h = (m: { headers: string[] }, n: string): string | undefined =>
      m.headers.find((x) => x.startsWith(`${n}:`));
    expect(h(can, 'Via')).toBe(h(inv, 'Via'));
    expect(h(can, 'Call-ID')).toBe(h(inv, 'Call-ID'));
    expect(h(can, 'From')).toBe(h(inv, 'From'));
    expect(h(can, 'To')).toBe(h(inv, 'To'));
  });

  test('XEP-0166 session-terminate example with <text> → a SIP request with a Reason', () => {
    const r = translate('jingle', 'sip', fixture('jingle-xep', 'xep0166-terminate-success-text.xml'));
    if (r.status === 0) checkSipFraming(r.stdout);
    else expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('--config', () => {
  let cfg: string;
  beforeAll(() => {
    cfg = path.join(tmp, 'other.yaml');
    const yaml = fs
      .readFileSync(path.join(ROOT, 'config', 'default.yaml'), 'utf8')
      .replace(/domain: gw\.localhost/, 'domain: voip.example.net')
      .replace('outbound: sip:127.0.0.1:5090', 'outbound: sip:198.51.100.7:5070');
    fs.writeFileSync(cfg, yaml);
  });

  test('jingle → sip: callees at the configured domain, INVITE to the configured outbound', () => {
    const r = cli(
      ['translate', '--from', 'jingle', '--to', 'sip', '--config', cfg, '-'],
      sessionInitiate('+15551230000@voip.example.net'),
    );
    const { startLine, headers } = checkSipFraming(ok(r));
    expect(startLine).toBe('INVITE sip:+15551230000@198.51.100.7:5070 SIP/2.0');
    expect(headers.find((h) => h.startsWith('From:'))).toMatch(/@voip\.example\.net>/);
  });

  test('jingle → sip: the default domain is no longer ours', () => {
    const r = cli(
      ['translate', '--from', 'jingle', '--to', 'sip', '--config', cfg],
      sessionInitiate('+15551230000@gw.localhost'),
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/domain/);
  });

  test('sip → jingle: SIP callers appear at the configured domain', () => {
    const iq = parseXml(
      ok(
        translate('sip', 'jingle', fixture('captured', 'sipp-3.6.1-uac-invite.sip'), ['--config', cfg]),
      ).trim(),
    );
    expect(iq.attrs.from).toMatch(/^sipp@voip\.example\.net\//);
  });
});

describe('standard input', () => {
  const file = fixture('captured', 'chromium-156.0.8078.79-audio-offer.sdp');
  const fromFile = (): string => ok(translate('sdp', 'jingle', file));

  test("'-' reads standard input and gives the same output as the file", () => {
    expect(
      ok(
        cli(
          ['translate', '--from', 'sdp', '--to', 'jingle', '-'],
          readFixture('captured', 'chromium-156.0.8078.79-audio-offer.sdp'),
        ),
      ),
    ).toBe(fromFile());
  });

  test('no file argument reads standard input', () => {
    expect(
      ok(
        cli(
          ['translate', '--from', 'sdp', '--to', 'jingle'],
          readFixture('captured', 'chromium-156.0.8078.79-audio-offer.sdp'),
        ),
      ),
    ).toBe(fromFile());
  });

  test('sip from stdin with LF line ends (a message saved in a text file)', () => {
    const lf = readFixture('captured', 'sipp-3.6.1-uac-bye.sip').replace(/\r\n/g, '\n');
    const iq = parseXml(ok(cli(['translate', '--from', 'sip', '--to', 'jingle'], lf)).trim());
    expect(child(iq, 'jingle').attrs.action).toBe('session-terminate');
  });
});
