/**
 * Bad input of every kind, on every route, through the real bin: exit 2, nothing on stdout,
 * exactly one line on stderr that names what and where, no stack trace. The time each hostile
 * case takes is printed in a summary (not asserted: machines differ).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ensureBuilt, fixture, ROOT, type CliResult } from './run-cli';

beforeAll(() => ensureBuilt(), 180_000);

let tmp: string;
const timings: { name: string; ms: number }[] = [];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-cli-bad-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  const rows = [...timings].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  console.log(
    `bad-input timings (wall clock, including node start-up), ${rows.length} runs, ` +
      `mean ${(total / Math.max(rows.length, 1)).toFixed(0)} ms, slowest first:\n` +
      rows.map((r) => `${r.ms.toFixed(0).padStart(6)} ms  ${r.name}`).join('\n'),
  );
});

/** The contract for bad input, plus a per-case word that names the place. */
function expectBadInput(name: string, r: CliResult, where: RegExp): void {
  timings.push({ name, ms: r.ms });
  expect({ status: r.status, signal: r.signal, stdout: r.stdout }).toEqual({
    status: 2,
    signal: null,
    stdout: '',
  });
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.split('\n');
  expect(lines).toHaveLength(2);
  const line = lines[0];
  expect(line).not.toMatch(/^\s+at /m);
  expect(line).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  expect(line).not.toMatch(/\b(TypeError|ReferenceError|RangeError|SyntaxError|internal error)\b/);
  // One clear line: no control characters (CR, ESC, …) copied from the input.
  expect(line).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  expect(line.length).toBeLessThan(400);
  expect(line).toMatch(where);
}

const D = (...p: string[]): string => fixture('bad-input', ...p);

/** jingle/ cases: the same input is bad for jingle → sdp and jingle → sip. */
const JINGLE: [string, RegExp][] = [
  ['empty.xml', /empty/],
  ['whitespace-only.xml', /empty/],
  ['binary-garbage.bin', /xml: offset \d+/],
  ['truncated-mid-tag.xml', /offset \d+.*port|unterminated/],
  ['truncated-unclosed.xml', /unclosed element <content>/],
  ['wrong-root.xml', /<message>/],
  ['wrong-namespace.xml', /xmlns.*urn:xmpp:jingle:0/],
  ['two-roots.xml', /more than one root/],
  ['billion-laughs.xml', /DOCTYPE/],
  ['undeclared-entity.xml', /entity '&xxe;'/],
  ['deep-nesting.xml', /nesting/],
  ['deep-nesting-in-jingle.xml', /nesting/],
  ['missing-sid.xml', /<jingle> sid: missing/],
  ['missing-action.xml', /action: missing/],
  ['unknown-action.xml', /action.*session-explode/],
  ['candidate-port-70000.xml', /<candidate.*port.*70000/],
  ['candidate-port-negative.xml', /<candidate.*port.*-1/],
  ['fingerprint-non-hex.xml', /<fingerprint.*hex/],
  ['fingerprint-wrong-length.xml', /<fingerprint.*20 bytes.*32/],
  ['fingerprint-unknown-hash.xml', /<fingerprint.*sha-999/],
  ['iq-without-jingle.xml', /<iq id='x1'>.*<jingle/],
  ['iq-bad-type.xml', /<iq id='x1'> type.*bogus/],
  ['sdp-instead-of-xml.xml', /offset 0/],
];

const SDP: [string, RegExp][] = [
  ['empty.sdp', /empty/],
  ['binary-garbage.bin', /sdp: line 1\b/],
  ['no-v-line.sdp', /line 1\b.*v=/],
  ['v-not-first.sdp', /line 1\b.*v=/],
  ['bad-m-line-port.sdp', /line 8\b.*port 'abc'/],
  ['bad-m-line-short.sdp', /line 8\b.*m=audio/],
  ['bad-candidate.sdp', /line 11\b.*candidate/],
  ['candidate-port-70000.sdp', /line 11\b.*port '70000'/],
  ['fingerprint-non-hex.sdp', /line 16\b.*fingerprint.*hex/],
  ['fingerprint-wrong-length.sdp', /line 16\b.*sha-256.*32/],
  ['fingerprint-unknown-hash.sdp', /line 16\b.*sha-999/],
  ['no-m-line.sdp', /m= line/],
  ['xml-instead-of-sdp.sdp', /line 1\b/],
  ['line-without-equals.sdp', /line 4\b/],
];

const SIP: [string, RegExp][] = [
  ['empty.sip', /empty/],
  ['binary-garbage.bin', /start line/],
  ['no-start-line.sip', /start line/],
  ['garbage-start-line.sip', /start line/],
  ['bad-cseq.sip', /header CSeq/],
  ['cseq-method-mismatch.sip', /header CSeq.*BYE.*INVITE/],
  ['invite-no-body.sip', /INVITE.*no SDP body/],
  ['invite-not-sdp-body.sip', /Content-Type.*text\/plain/],
  ['invite-bad-sdp-body.sip', /body|line 6\b/],
  ['invite-sdp-candidate-port-70000.sip', /port '70000'/],
  ['content-length-too-big.sip', /Content-Length/],
  ['no-blank-line.sip', /empty line/],
  ['missing-call-id.sip', /header Call-ID: missing/],
  ['bad-from.sip', /header From/],
  ['options-response.sip', /OPTIONS/],
  ['options-request.sip', /OPTIONS/],
  ['response-100-trying.sip', /100 Trying/],
  ['xml-instead-of-sip.sip', /start line/],
];

describe('jingle → sdp', () => {
  test.each(JINGLE)('%s', (file, where) => {
    expectBadInput(
      `jingle>sdp ${file}`,
      cli(['translate', '--from', 'jingle', '--to', 'sdp', D('jingle', file)]),
      where,
    );
  });
});

describe('jingle → sip', () => {
  test.each(JINGLE)('%s', (file, where) => {
    expectBadInput(
      `jingle>sip ${file}`,
      cli(['translate', '--from', 'jingle', '--to', 'sip', D('jingle', file)]),
      where,
    );
  });
});

describe('sdp → jingle', () => {
  test.each(SDP)('%s', (file, where) => {
    expectBadInput(
      `sdp>jingle ${file}`,
      cli(['translate', '--from', 'sdp', '--to', 'jingle', D('sdp', file)]),
      where,
    );
  });
  test.each(SDP)('%s with --answer', (file, where) => {
    expectBadInput(
      `sdp>jingle --answer ${file}`,
      cli(['translate', '--from', 'sdp', '--to', 'jingle', '--answer', D('sdp', file)]),
      where,
    );
  });
});

describe('sip → jingle', () => {
  test.each(SIP)('%s', (file, where) => {
    expectBadInput(
      `sip>jingle ${file}`,
      cli(['translate', '--from', 'sip', '--to', 'jingle', D('sip', file)]),
      where,
    );
  });
});

describe('the same bad input on standard input', () => {
  const cases: [string, string, string, RegExp][] = [
    ...JINGLE.map(([f, w]): [string, string, string, RegExp] => ['jingle', 'sdp', f, w]),
    ...SDP.map(([f, w]): [string, string, string, RegExp] => ['sdp', 'jingle', f, w]),
    ...SIP.map(([f, w]): [string, string, string, RegExp] => ['sip', 'jingle', f, w]),
  ];
  test.each(cases)('%s → %s: %s', (from, to, file, where) => {
    const input = fs.readFileSync(D(from, file));
    expectBadInput(
      `stdin ${from}>${to} ${file}`,
      cli(['translate', '--from', from, '--to', to], input),
      where,
    );
  });
});

describe('hostile sizes (generated)', () => {
  const twoMb = (unit: string): string => unit.repeat(Math.ceil((2 * 1024 * 1024) / unit.length));
  const big: [string, string, string, RegExp][] = [
    ['jingle', 'sdp', `<jingle xmlns='urn:xmpp:jingle:1'>${twoMb('<a/>')}</jingle>`, /larger than/],
    ['jingle', 'sip', twoMb('<'), /larger than/],
    ['sdp', 'jingle', `v=0\r\n${twoMb('a=x\r\n')}`, /larger than/],
    ['sip', 'jingle', `INVITE sip:a@b SIP/2.0\r\n${twoMb('X: y\r\n')}\r\n`, /larger than/],
  ];
  test.each(big)('2 MB %s → %s, from a file', (from, to, text, where) => {
    const file = path.join(tmp, `big-${from}-${to}`);
    fs.writeFileSync(file, text);
    expectBadInput(`2MB file ${from}>${to}`, cli(['translate', '--from', from, '--to', to, file]), where);
  });
  test.each(big)('2 MB %s → %s, on standard input', (from, to, text, where) => {
    expectBadInput(
      `2MB stdin ${from}>${to}`,
      cli(['translate', '--from', from, '--to', to, '-'], text),
      where,
    );
  });

  const belowLimits: [string, string, string, RegExp][] = [
    // Just under each parser's own limit: rejected by the parser, not by the reader.
    ['jingle', 'sdp', `<iq id='d' type='set'>${'<x>'.repeat(60000)}`, /nesting/],
    ['jingle', 'sip', `<iq id='d' type='set'>${'<x/>'.repeat(6000)}</iq>`, /more than 5000 elements/],
    [
      'jingle',
      'sdp',
      `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s'>${'&amp;'.repeat(50000)}</jingle>`,
      /./,
    ],
    ['sdp', 'jingle', `v=0\r\n${'a=x\r\n'.repeat(20000)}`, /larger than|line 2\b/],
    ['sip', 'jingle', `INVITE sip:a@b SIP/2.0\r\n${'X: y\r\n'.repeat(1100)}\r\n`, /header|Via|more than/],
  ];
  test.each(belowLimits)('%s → %s: near the parser limits', (from, to, text, where) => {
    expectBadInput(
      `near-limit ${from}>${to} ${text.slice(0, 30)}`,
      cli(['translate', '--from', from, '--to', to], text),
      where,
    );
  });
});

describe('command line', () => {
  const sdp = fixture('captured', 'chromium-156.0.8078.79-audio-offer.sdp');
  const cases: [string, string[], RegExp][] = [
    ['unknown --from', ['--from', 'xml', '--to', 'sdp', sdp], /--from 'xml'/],
    ['unknown --to', ['--from', 'sdp', '--to', 'h323', sdp], /--to 'h323'/],
    ['missing --from', ['--to', 'sdp', sdp], /--from/],
    ['missing --to', ['--from', 'sdp', sdp], /--to/],
    ['unsupported route jingle → jingle', ['--from', 'jingle', '--to', 'jingle', sdp], /jingle to jingle/],
    ['unsupported route sdp → sip', ['--from', 'sdp', '--to', 'sip', sdp], /sdp to sip/],
    [
      'nonexistent input file',
      ['--from', 'sdp', '--to', 'jingle', '/nonexistent/x.sdp'],
      /\/nonexistent\/x\.sdp/,
    ],
    ['a directory as the input file', ['--from', 'sdp', '--to', 'jingle', path.join(ROOT, 'test')], /test/],
    ['unknown option', ['--from', 'sdp', '--to', 'jingle', '--frobnicate', sdp], /frobnicate/],
  ];
  test.each(cases)('%s', (name, args, where) => {
    expectBadInput(`cli ${name}`, cli(['translate', ...args]), where);
  });

  test.each([
    ['YAML syntax error', 'xmpp: [\n', /line 2|yaml|YAML/],
    ['unknown key', 'foo: 1\n', /foo/],
    [
      'bad domain',
      fs
        .readFileSync(path.join(ROOT, 'config', 'default.yaml'), 'utf8')
        .replace('domain: gw.localhost', 'domain: "bad domain"'),
      /domain/,
    ],
    ['not a mapping', '- 1\n- 2\n', /config/],
  ])('bad config file: %s', (name, yaml, where) => {
    const cfg = path.join(tmp, `bad-${name.replace(/\W/g, '-')}.yaml`);
    fs.writeFileSync(cfg, yaml);
    const inv = fixture('captured', 'sipp-3.6.1-uac-invite.sip');
    const r = cli(['translate', '--from', 'sip', '--to', 'jingle', '--config', cfg, inv]);
    expectBadInput(`config ${name}`, r, where);
  });

  test('nonexistent config file', () => {
    const inv = fixture('captured', 'sipp-3.6.1-uac-invite.sip');
    expectBadInput(
      'config missing',
      cli(['translate', '--from', 'sip', '--to', 'jingle', '--config', '/nonexistent.yaml', inv]),
      /\/nonexistent\.yaml/,
    );
  });
});
