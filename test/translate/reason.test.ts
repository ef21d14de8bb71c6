import { InputError } from '../../src/errors';
import { REASON_CONDITIONS, type ReasonCondition } from '../../src/jingle/types';
import { formatReasonHeader, parseReasonHeader, reasonToSip, sipToReason } from '../../src/translate/reason';

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
    const r = reasonToSip(condition);
    expect(r.status).toBe(status);
    expect(r.text).toBe(text);
    expect(r.request).toBe(request);
  });

  it('covers every condition, and only success lacks a status', () => {
    for (const c of REASON_CONDITIONS) {
      const r = reasonToSip(c);
      expect(r.status === undefined).toBe(c === 'success');
    }
  });

  it('returns a copy', () => {
    reasonToSip('busy').text = 'changed';
    expect(reasonToSip('busy').text).toBe('Busy Here');
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
    expect(sipToReason(status)).toBe(condition);
  });

  it('never maps a failure to success', () => {
    for (let s = 300; s <= 699; s++) expect(sipToReason(s)).not.toBe('success');
  });

  it.each([100, 180, 200, 700, 486.5])('refuses %p', (status) => {
    expect(() => sipToReason(status)).toThrow(InputError);
  });
});

describe('formatReasonHeader (RFC 3326)', () => {
  it('writes SIP causes with quoted text', () => {
    expect(formatReasonHeader(486, 'Busy Here')).toBe('SIP;cause=486;text="Busy Here"');
    expect(formatReasonHeader(503)).toBe('SIP;cause=503');
    expect(formatReasonHeader(16, 'Normal call clearing', 'Q.850')).toBe(
      'Q.850;cause=16;text="Normal call clearing"',
    );
  });

  it('escapes quotes and backslashes and drops line breaks (no header injection)', () => {
    expect(formatReasonHeader(603, 'say "no" \\ bye')).toBe('SIP;cause=603;text="say \\"no\\" \\\\ bye"');
    expect(formatReasonHeader(603, 'a\r\nVia: evil')).toBe('SIP;cause=603;text="a Via: evil"');
  });

  it('round-trips through parseReasonHeader', () => {
    const text = 'He said "busy" \\ twice';
    expect(parseReasonHeader(formatReasonHeader(486, text))).toEqual([
      { protocol: 'SIP', cause: 486, text, condition: 'busy' },
    ]);
  });
});

describe('parseReasonHeader', () => {
  it('reads SIP and Q.850 values, several per header', () => {
    expect(parseReasonHeader('SIP ;cause=200 ;text="Call completed elsewhere", Q.850 ;cause=16')).toEqual([
      { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere', condition: 'success' },
      { protocol: 'Q.850', cause: 16, condition: 'success' },
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
    expect(parseReasonHeader(`Q.850;cause=${cause}`)[0]?.condition).toBe(condition);
  });

  it('maps SIP causes with sipToReason, case-insensitively, keeping commas inside text', () => {
    expect(parseReasonHeader('sip;Cause=603;text="No, thanks"')).toEqual([
      { protocol: 'sip', cause: 603, text: 'No, thanks', condition: 'decline' },
    ]);
  });

  it('leaves unknown protocols and causeless values without a condition', () => {
    expect(parseReasonHeader('preemption ;cause=1 ;text="UA Preemption"')).toEqual([
      { protocol: 'preemption', cause: 1, text: 'UA Preemption' },
    ]);
    expect(parseReasonHeader('SIP;text="x"')).toEqual([{ protocol: 'SIP', text: 'x' }]);
    expect(parseReasonHeader('SIP;cause=100')).toEqual([{ protocol: 'SIP', cause: 100 }]);
  });

  it.each(['', 'SIP;cause=abc', 'SIP;cause=486;text="open', 'SIP;cause=486 junk', ';cause=1'])(
    'rejects %p as a bad Reason header',
    (value) => {
      expect(() => parseReasonHeader(value)).toThrow(
        expect.objectContaining({ domain: 'sip', where: 'header Reason' }),
      );
    },
  );
});
