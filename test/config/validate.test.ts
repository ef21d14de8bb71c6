/**
 * src/config/validate.ts: every zod issue as an InputError with its path (the single-error API
 * unchanged: an unknown key first), every YAML syntax error with its line, and the line of a key.
 */
import { z } from 'zod';
import {
  issueToError,
  issuesToErrors,
  lineOf,
  locateIssues,
  parseYamlFile,
  parseYamlText,
} from '../../src/config/validate';

const schema = z.strictObject({
  sip: z.strictObject({ listen: z.array(z.string().min(3, 'too short')), port: z.number() }),
  log: z.strictObject({ level: z.enum(['info', 'debug']) }),
});

const TEXT = `sip:
  listen:
    - udp://127.0.0.1:5060
    - x
  lsiten: []
  prot: 5060
log: { level: loud }
`;

describe('validate', () => {
  const yaml = parseYamlFile(TEXT);
  const result = schema.safeParse(yaml.data);
  if (result.success) throw new Error('the test schema accepted bad data');

  it('lists every issue, one InputError each, unknown keys one by one', () => {
    expect(issuesToErrors('config', 'gw.yaml', result.error).map((e) => e.message)).toEqual([
      'config: gw.yaml.sip.listen[1]: too short',
      'config: gw.yaml.sip.port: missing',
      'config: gw.yaml.sip.lsiten: unknown key',
      'config: gw.yaml.sip.prot: unknown key',
      'config: gw.yaml.log.level: Invalid option: expected one of "info"|"debug"',
    ]);
  });

  it('keeps the single-error API: the first unknown key, else the first issue', () => {
    expect(issueToError('config', '', result.error).message).toBe('config: sip.lsiten: unknown key');
    const only = z.strictObject({ a: z.number() }).safeParse({ a: 'x' });
    if (only.success) throw new Error('accepted');
    expect(issueToError('config', '', only.error).message).toBe(
      'config: a: expected number, received string',
    );
  });

  it('finds the line of each key, of a sequence item, and of the parent of a missing key', () => {
    const lines = locateIssues('config', '', result.error).map((i) => lineOf(yaml, i.path));
    expect(lines).toEqual([4, 1, 5, 6, 7]);
    expect(lineOf(yaml, ['nope', 'deeper'])).toBeUndefined();
  });

  it('keeps every YAML syntax error with its line and column', () => {
    expect(parseYamlFile('a: 1\na: 2\nb: [\n').syntax).toEqual([
      { line: 2, message: 'Map keys must be unique (column 1)' },
      expect.objectContaining({ line: 4 }),
    ]);
    expect(() => parseYamlText('config', 'a: 1\na: 2\n', 'gw.yaml')).toThrow(
      'config: gw.yaml line 2: Map keys must be unique (column 1)',
    );
    expect(parseYamlFile('a: &x 1\nb: *x\n').syntax).toEqual([
      { message: expect.stringMatching(/^cannot use YAML aliases/) },
    ]);
  });
});
