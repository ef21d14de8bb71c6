import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../src/errors';
import { REASON_CONDITIONS } from '../../src/jingle/types';
import { loadMappings, mappingsDir } from '../../src/config/mappings';
import { hashByName } from '../../src/mapping';
import {
  BARE_PARAMETER_NAME,
  dynamicCodec,
  staticPayloadType,
  xtlsMethodForm,
} from '../../src/translate/tables';

describe('the shipped mappings', () => {
  const m = loadMappings();

  it('load from mappings/, a fresh copy each time (no cache: the edge loads them once)', () => {
    expect(m.dir).toBe(mappingsDir());
    const again = loadMappings();
    expect(again).not.toBe(m);
    expect(again.hashes).toEqual(m.hashes);
  });

  it('map every Jingle reason condition to SIP', () => {
    for (const c of REASON_CONDITIONS) {
      const e = m.reasons.toSip[c];
      expect(e).toBeDefined();
      expect(e.text).not.toBe('');
      if (c !== 'success') expect(e.status).toBeGreaterThanOrEqual(400);
    }
    expect(m.reasons.toSip.success).toEqual({ text: 'Call completed', request: 'BYE' });
    expect(m.reasons.toSip.cancel).toEqual({ status: 487, text: 'Request Terminated', request: 'CANCEL' });
  });

  it('have a default for every SIP final failure class, never success', () => {
    for (const k of ['4xx', '5xx', '6xx'] as const) {
      expect(m.reasons.fromSipClass[k]).toBeDefined();
      expect(m.reasons.fromSipClass[k]).not.toBe('success');
    }
    for (const c of m.reasons.fromSip.values()) expect(c).not.toBe('success');
  });

  it('keep hashes (hashByName looks them up case-insensitively)', () => {
    expect(hashByName(m.hashes, 'SHA-256')).toEqual({ name: 'sha-256', bytes: 32, sdp: 'sha-256' });
    expect(hashByName(m.hashes, 'sha-1')?.bytes).toBe(20);
    expect(hashByName(m.hashes, 'whirlpool')).toBeUndefined();
    expect(m.hashes.length).toBeGreaterThanOrEqual(5);
  });

  it('list the RFC 3551 static payload types', () => {
    expect(staticPayloadType(0, m.codecs)).toEqual({
      id: 0,
      name: 'PCMU',
      media: 'audio',
      clockrate: 8000,
      channels: 1,
    });
    expect(staticPayloadType(8, m.codecs)).toMatchObject({ name: 'PCMA', clockrate: 8000 });
    expect(staticPayloadType(9, m.codecs)).toMatchObject({ name: 'G722', clockrate: 8000 });
    expect(staticPayloadType(10, m.codecs)).toMatchObject({ name: 'L16', clockrate: 44100, channels: 2 });
    expect(staticPayloadType(18, m.codecs)).toMatchObject({ name: 'G729', clockrate: 8000 });
    expect(staticPayloadType(34, m.codecs)).toMatchObject({ name: 'H263', media: 'video', clockrate: 90000 });
    expect(staticPayloadType(2, m.codecs)).toBeUndefined(); // unassigned (was G721)
    expect(staticPayloadType(96, m.codecs)).toBeUndefined();
    expect([...m.codecs.static.keys()]).toHaveLength(24);
  });

  it('list well-known dynamic codecs and the bare-parameter convention', () => {
    expect(dynamicCodec(m.codecs, 'OPUS')).toMatchObject({ clockrate: 48000, channels: 2 });
    expect(dynamicCodec(m.codecs, 'telephone-event', 8000)?.fmtp).toBe('0-15');
    expect(dynamicCodec(m.codecs, 'nonesuch')).toBeUndefined();
    expect(BARE_PARAMETER_NAME).toBe('');
  });

  it('carry XTLS methods: x509 as fingerprint, srp and unknown ones as the extension', () => {
    expect(xtlsMethodForm('x509', m.xtlsMethods)).toBe('fingerprint');
    expect(xtlsMethodForm('srp', m.xtlsMethods)).toBe('extension');
    expect(xtlsMethodForm('psk-new', m.xtlsMethods)).toBe('extension');
    expect(m.xtlsMethods.extensionAttribute).toBe('x-xtls-method');
  });

  it('compile the address rules', () => {
    expect(m.addressRules.e164.test('+15551234567')).toBe(true);
    expect(m.addressRules.fromStyle).toBe('escaped');
    expect(m.addressRules.routes).toEqual([]);
  });
});

describe('mapping validation', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mappings-'));
    for (const f of fs.readdirSync(mappingsDir()))
      fs.copyFileSync(path.join(mappingsDir(), f), path.join(dir, f));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, from: string | RegExp, to: string): void => {
    const p = path.join(dir, file);
    const text = fs.readFileSync(p, 'utf8');
    const out = text.replace(from, to);
    if (out === text) throw new Error(`edit of ${file} did nothing`);
    fs.writeFileSync(p, out);
  };
  const failure = (): InputError => {
    try {
      loadMappings(dir);
    } catch (e) {
      if (e instanceof InputError) return e;
      throw e;
    }
    throw new Error('loadMappings did not throw');
  };

  it('accepts the copy unchanged', () => {
    expect(() => loadMappings(dir)).not.toThrow();
  });

  it.each<[string, string | RegExp, string, string, string]>([
    [
      'reasons.yaml',
      '{ condition: busy, sip: 486,',
      '{ condition: busy, sip: 200,',
      'reasons.yaml.toSip[1].sip',
      'not a 4xx–6xx code',
    ],
    [
      'reasons.yaml',
      '{ condition: busy, sip: 486,',
      '{ condition: bussy, sip: 486,',
      'reasons.yaml.toSip[1].condition',
      'not a XEP-0166 reason condition',
    ],
    [
      'reasons.yaml',
      '  - { condition: busy, sip: 486, text: Busy Here }\n',
      '',
      'reasons.yaml.toSip',
      'no entry for condition busy',
    ],
    [
      'reasons.yaml',
      '{ condition: decline, sip: 603,',
      '{ condition: busy, sip: 603,',
      'reasons.yaml.toSip[4].condition',
      'duplicate condition busy',
    ],
    [
      'reasons.yaml',
      '{ condition: timeout, sip: 408,',
      '{ condition: timeout,',
      'reasons.yaml.toSip[14].sip',
      'missing (only success has no status)',
    ],
    [
      'reasons.yaml',
      '{ sip: 410, condition: gone }',
      '{ sip: 404, condition: gone }',
      'reasons.yaml.fromSip[3].sip',
      'duplicate status 404',
    ],
    [
      'reasons.yaml',
      '{ sip: 410, condition: gone }',
      '{ sip: 410, condition: success }',
      'reasons.yaml.fromSip[3].condition',
      'a SIP failure is never success',
    ],
    ['reasons.yaml', '  5xx: general-error\n', '', 'reasons.yaml.fromSipClass.5xx', 'missing'],
    [
      'reasons.yaml',
      '  6xx: decline',
      '  6xx: success',
      'reasons.yaml.fromSipClass.6xx',
      'a SIP failure is never success',
    ],
    ['reasons.yaml', '{ cause: 17,', '{ cause: 16,', 'reasons.yaml.q850[2].cause', 'duplicate cause 16'],
    [
      'reasons.yaml',
      'q850Default: general-error',
      'q850Default: general-error\nextra: 1',
      'reasons.yaml.extra',
      'unknown key',
    ],
    [
      'codecs.yaml',
      '{ id: 8, name: PCMA',
      '{ id: 0, name: PCMA',
      'codecs.yaml.static[6].id',
      'duplicate payload type 0',
    ],
    [
      'codecs.yaml',
      '{ id: 34, name: H263',
      '{ id: 100, name: H263',
      'codecs.yaml.static[23].id',
      'not a static payload type (0–95)',
    ],
    [
      'codecs.yaml',
      "fmtpBareParameterName: ''",
      'fmtpBareParameterName: events',
      'codecs.yaml.fmtpBareParameterName',
      "must be '' (BARE_PARAMETER_NAME in src/translate/tables.ts)",
    ],
    [
      'hashes.yaml',
      '{ name: sha-1, bytes: 20,',
      '{ name: sha-1, bytes: -20,',
      'hashes.yaml[0].bytes',
      'Too small: expected number to be >0',
    ],
    [
      'xtls-methods.yaml',
      '{ name: srp, form: extension }',
      '{ name: srp, form: attribute }',
      'xtls-methods.yaml.methods[1].form',
      'Invalid option: expected one of "fingerprint"|"extension"',
    ],
    [
      'xtls-methods.yaml',
      'extensionAttribute: x-xtls-method',
      'extensionAttribute: x-other',
      'xtls-methods.yaml.extensionAttribute',
      'must be x-xtls-method (src/sdp/types.ts)',
    ],
    [
      'address-rules.yaml',
      'routes: []',
      "routes:\n  - { match: '^(+44', trunk: 'sip:uk.example.net' }",
      'address-rules.yaml.routes[0].match',
      'invalid regular expression',
    ],
    [
      'address-rules.yaml',
      'routes: []',
      "routes:\n  - { match: '^44', trunk: 'http://uk.example.net' }",
      'address-rules.yaml.routes[0].trunk',
      'not a sip: or sips: URI',
    ],
    [
      'address-rules.yaml',
      'fromStyle: escaped',
      'fromStyle: percent',
      'address-rules.yaml.fromStyle',
      'Invalid option',
    ],
  ])('%s: %p → %p names %s', (file, from, to, where, detail) => {
    edit(file, from, to);
    const e = failure();
    expect(e.domain).toBe('mapping');
    expect(e.where).toBe(where);
    expect(e.detail).toContain(detail);
  });

  it('reports YAML syntax errors with the file and line', () => {
    edit('reasons.yaml', 'toSip:', 'toSip: [');
    expect(failure().where).toMatch(/^reasons\.yaml line \d+$/);
  });

  it('reports a missing file', () => {
    fs.rmSync(path.join(dir, 'codecs.yaml'));
    expect(failure()).toMatchObject({ where: 'codecs.yaml', detail: expect.stringMatching(/^cannot read/) });
  });

  it('applies route defaults', () => {
    edit(
      'address-rules.yaml',
      'routes: []',
      "routes:\n  - { match: '^\\+44', trunk: 'sip:uk.example.net:5070' }",
    );
    const r = loadMappings(dir).addressRules.routes[0];
    expect(r).toMatchObject({ trunk: 'sip:uk.example.net:5070', strip: 0, prepend: '' });
    expect(r?.match.test('+4420')).toBe(true);
  });
});
