import { InputError } from '../../src/errors';
import { REASON_CONDITIONS, type ReasonCondition } from '../../src/jingle/types';
import { formatReasonHeader, parseReasonHeader } from '../../src/sip/message';
import {
  conditionOfReason,
  reasonOfHeader,
  reasonToSip,
  sipReasonHeader,
  sipToReason,
} from '../../src/translate/reason';
import { tables } from '../support/tables';

describe('reasonToSip (docs/design.md §Reasons)', () => {
  it.each<[ReasonCondition, number | undefined, string, string | undefined]>([
    ['busy', 486, 'Busy Here', undefined],
    ['decline', 603, 'Decline', undefined],
    ['gone', 404, 'Not Found', undefined],
    ['timeout', 408, 'Request Timeout', undefined],
    ['expired', 408, 'Request Timeout', undefined],
    ['cancel', 487, 'Request Terminated', 'CANCEL'],
    ['success', undefined, 'Call completed', 'BYE'],
    ['incompatible-parameters', 488, 'Not Acceptable Here', undefined],
    ['unsupported-applications', 415, 'Unsupported Media Type', undefined],
    ['unsupported-transports', 488, 'Not Acceptable Here', undefined],
    ['security-error', 488, 'Not Acceptable Here', undefined],
    ['connectivity-error', 503, 'Service Unavailable', undefined],
    ['media-error', 503, 'Service Unavailable', undefined],
    ['failed-transport', 503, 'Service Unavailable', undefined],
    ['failed-application', 503, 'Service Unavailable', undefined],
    ['general-error', 500, 'Server Internal Error', undefined],
    ['alternative-session', 486, 'Busy Here', undefined],
  ])('%s → %p %s', (condition, status, text, request) => {
    const r = reasonToSip(condition, tables.reasons);
    expect(r.status).toBe(status);
    expect(r.text).toBe(text);
    expect(r.request).toBe(request);
  });

  it('covers every condition, and only success lacks a status', () => {
    for (const c of REASON_CONDITIONS) {
      const r = reasonToSip(c, tables.reasons);
      expect(r.status === undefined).toBe(c === 'success');
    }
  });

  it('returns a copy', () => {
    reasonToSip('busy', tables.reasons).text = 'changed';
    expect(reasonToSip('busy', tables.reasons).text).toBe('Busy Here');
  });
});

describe('sipToReason', () => {
  it.each<[number, ReasonCondition]>([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'decline'],
    [403, 'decline'],
    [404, 'gone'],
    [410, 'gone'],
    [604, 'gone'],
    [408, 'timeout'],
    [480, 'timeout'],
    [504, 'timeout'],
    [487, 'cancel'],
    [488, 'incompatible-parameters'],
    [606, 'incompatible-parameters'],
    [415, 'unsupported-applications'],
    [500, 'general-error'],
    [503, 'general-error'],
    // class defaults
    [400, 'general-error'],
    [499, 'general-error'],
    [599, 'general-error'],
    [699, 'decline'],
    [302, 'gone'],
  ])('%d → %s', (status, condition) => {
    expect(sipToReason(status, tables.reasons)).toBe(condition);
  });

  it('never maps a failure to success', () => {
    for (let s = 300; s <= 699; s++) expect(sipToReason(s, tables.reasons)).not.toBe('success');
  });

  it.each([100, 180, 200, 700, 486.5])('refuses %p', (status) => {
    expect(() => sipToReason(status, tables.reasons)).toThrow(InputError);
  });
});

describe('sipReasonHeader (RFC 3326), through the one Reason codec of src/sip/message', () => {
  it('writes SIP causes with quoted text', () => {
    expect(sipReasonHeader(486, 'Busy Here')).toBe('SIP;cause=486;text="Busy Here"');
    expect(sipReasonHeader(503)).toBe('SIP;cause=503');
    expect(sipReasonHeader(503, '')).toBe('SIP;cause=503');
    expect(
      formatReasonHeader({ protocol: 'Q.850', cause: 16, text: 'Normal call clearing', params: {} }),
    ).toBe('Q.850;cause=16;text="Normal call clearing"');
  });

  it('escapes quotes and backslashes and drops line breaks (no header injection)', () => {
    expect(sipReasonHeader(603, 'say "no" \\ bye')).toBe('SIP;cause=603;text="say \\"no\\" \\\\ bye"');
    expect(sipReasonHeader(603, 'a\r\nVia: evil')).toBe('SIP;cause=603;text="a Via: evil"');
  });

  it.each([-1, 1.5, 123456, Number.NaN])('refuses to write cause %p (it would not parse back)', (cause) => {
    expect(() => sipReasonHeader(cause)).toThrow(InputError);
  });

  it('round-trips through reasonOfHeader', () => {
    const text = 'He said "busy" \\ twice';
    expect(reasonOfHeader(sipReasonHeader(486, text), tables.reasons)).toEqual({ condition: 'busy', text });
  });
});

describe('conditionOfReason, reasonOfHeader', () => {
  const conditions = (value: string) =>
    parseReasonHeader(value).map((r) => ({ ...r, condition: conditionOfReason(r, tables.reasons) }));

  it('reads SIP and Q.850 values, several per header', () => {
    expect(conditions('SIP ;cause=200 ;text="Call completed elsewhere", Q.850 ;cause=16')).toEqual([
      { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere', params: {}, condition: 'success' },
      { protocol: 'Q.850', cause: 16, params: {}, condition: 'success' },
    ]);
  });

  it.each<[number, ReasonCondition]>([
    [16, 'success'],
    [17, 'busy'],
    [18, 'timeout'],
    [19, 'timeout'],
    [21, 'decline'],
    [1, 'gone'],
    [99, 'general-error'], // unlisted: q850Default
  ])('maps Q.850 cause %d to %s', (cause, condition) => {
    expect(reasonOfHeader(`Q.850;cause=${cause}`, tables.reasons)?.condition).toBe(condition);
  });

  it('maps SIP causes with sipToReason, case-insensitively, keeping commas inside text', () => {
    expect(reasonOfHeader('sip;Cause=603;text="No, thanks"', tables.reasons)).toEqual({
      condition: 'decline',
      text: 'No, thanks',
    });
  });

  it('takes the first value that maps, skipping unknown protocols and causeless values', () => {
    expect(conditions('preemption ;cause=1 ;text="UA Preemption"')[0]?.condition).toBeUndefined();
    expect(reasonOfHeader('SIP;text="x"', tables.reasons)).toBeUndefined();
    expect(reasonOfHeader('SIP;cause=100', tables.reasons)).toBeUndefined();
    expect(reasonOfHeader('preemption;cause=1, Q.850;cause=17', tables.reasons)).toEqual({
      condition: 'busy',
    });
  });

  // What src/translate/reason.ts's own parser refused, the one codec refuses too …
  it.each(['', 'SIP;cause=abc', 'SIP;cause=486;text="open', 'SIP;cause=486 junk', ';cause=1'])(
    'rejects %p as a bad Reason header',
    (value) => {
      expect(() => reasonOfHeader(value, tables.reasons)).toThrow(
        expect.objectContaining({ domain: 'sip', where: 'header Reason' }),
      );
    },
  );

  // … and the stricter limits of either old parser hold: at most 5 cause digits (the translate
  // one), a text with a value and each parameter once (the src/sip/message one).
  it.each(['SIP;cause=123456', 'SIP;cause=486;text', 'SIP;cause=486;cause=487'])('rejects %p', (value) => {
    expect(() => reasonOfHeader(value, tables.reasons)).toThrow(
      expect.objectContaining({ domain: 'sip', where: 'header Reason' }),
    );
  });
});
