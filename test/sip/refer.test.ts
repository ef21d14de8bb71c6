/**
 * The transfer header codecs: Refer-To (RFC 3515 §2.1), Replaces (RFC 3891 §6.1), Referred-By
 * (RFC 3892), Refer-Sub (RFC 4488), Event / Subscription-State (RFC 3265 §7.2 as RFC 3515 §2.4
 * uses them) and the NOTIFY's message/sipfrag body (RFC 3420, RFC 3515 §2.4.5).
 */
import * as fc from 'fast-check';
import { InputError } from '../../src/errors';
import {
  escapeHvalue,
  formatEvent,
  formatReferTo,
  formatReplaces,
  formatSipFrag,
  formatSubscriptionState,
  parseEvent,
  parseReferredBy,
  parseReferSub,
  parseReferTo,
  parseReplaces,
  parseSipFrag,
  parseSubscriptionState,
  parseSubstate,
  unescapeHvalue,
  type Replaces,
} from '../../src/sip/message';
import { chars } from '../support/arbitraries';

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('Replaces (RFC 3891 §6.1)', () => {
  // RFC 3891 §6.1, the examples of the header (folded lines unfolded by the message parser).
  it('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff', () => {
    expect(parseReplaces('98732@sip.example.com ;from-tag=r33th4x0r ;to-tag=ff87ff')).toEqual({
      callId: '98732@sip.example.com',
      toTag: 'ff87ff',
      fromTag: 'r33th4x0r',
      earlyOnly: false,
      params: {},
    });
  });

  it('12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only', () => {
    const r = parseReplaces('12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only');
    expect(r).toMatchObject({ callId: '12adf2f34456gs5', toTag: '12345', fromTag: '54321', earlyOnly: true });
    expect(formatReplaces(r)).toBe('12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only');
  });

  it.each([
    ['no to-tag', '98732@sip.example.com;from-tag=a', /no to-tag/],
    ['no from-tag', '98732@sip.example.com;to-tag=a', /no from-tag/],
    ['two to-tags', 'x;to-tag=a;to-tag=b;from-tag=c', /repeated/],
    ['a bad Call-ID', 'a@b@c;to-tag=a;from-tag=b', /Call-ID/],
    ['early-only with a value', 'x;to-tag=a;from-tag=b;early-only=yes', /early-only/],
  ])('refuses %s', (_what, value, detail) => {
    expect(inputError(() => parseReplaces(value)).detail).toMatch(detail);
  });
});

describe('Refer-To (RFC 3515 §2.1)', () => {
  // RFC 3515 §2.1, the examples of the header.
  it('Refer-To: sip:alice@atlanta.example.com', () => {
    const r = parseReferTo('sip:alice@atlanta.example.com');
    expect(r.target.uri).toBe('sip:alice@atlanta.example.com');
    expect(r.uri?.host).toBe('atlanta.example.com');
    expect(r.method).toBe('INVITE');
    expect(r.replaces).toBeUndefined();
  });

  it('the attended transfer: an escaped Replaces in the URI', () => {
    const r = parseReferTo(
      '<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>',
    );
    expect(r.uri?.user).toBe('dave');
    expect(r.replaces).toEqual({
      callId: '12345@192.168.118.3',
      toTag: '12345',
      fromTag: '5FFE-3994',
      earlyOnly: false,
      params: {},
    });
  });

  it('Refer-To: <sip:carol@cleveland.example.org;method=SUBSCRIBE> names its method', () => {
    expect(parseReferTo('<sip:carol@cleveland.example.org;method=SUBSCRIBE>').method).toBe('SUBSCRIBE');
  });

  it('Refer-To: http://www.ietf.org parses, with no SIP URI to act on', () => {
    const r = parseReferTo('http://www.ietf.org');
    expect(r.target.uri).toBe('http://www.ietf.org');
    expect(r.uri).toBeUndefined();
  });

  it('the §2.1 Accept-Contact example is refused: its second URI header has no \'=\' (RFC 3261 §25.1 header = hname "=" hvalue)', () => {
    const e = inputError(() =>
      parseReferTo(
        '<sip:bob@biloxi.example.net?Accept-Contact=sip:bobsdesk.biloxi.example.net&Call-ID%3D55432%40alicepc.atlanta.example.com>',
      ),
    );
    expect(e.detail).toMatch(/invalid URI header/);
  });

  it('a URI with headers outside <> is refused (RFC 3261 §20.10)', () => {
    expect(inputError(() => parseReferTo('sip:dave@denver.example.org?Replaces=x')).detail).toMatch(/<>/);
  });

  it('a bad Replaces inside the URI is refused', () => {
    expect(
      inputError(() => parseReferTo('<sip:d@denver.example.org?Replaces=abc%3Bto-tag%3D1>')).detail,
    ).toMatch(/from-tag/);
    expect(inputError(() => parseReferTo('<sip:d@denver.example.org?Replaces=abc%ZZ>')).detail).toMatch(
      /invalid URI header/,
    );
  });

  it('writes the attended form with the Replaces escaped (RFC 3891 §3)', () => {
    const replaces: Replaces = {
      callId: '12345@192.168.118.3',
      toTag: '12345',
      fromTag: '5FFE-3994',
      earlyOnly: false,
      params: {},
    };
    expect(formatReferTo({ uri: 'sip:dave@denver.example.org', params: {} }, replaces)).toBe(
      '<sip:dave@denver.example.org?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>',
    );
  });

  const token = chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~", 1, 16);
  const replacesArb: fc.Arbitrary<Replaces> = fc.record({
    callId: fc
      .tuple(chars('abcdefghijklmnopqrstuvwxyz0123456789-.!%*_+~()<>:"/[]?{}', 1, 20), fc.option(token))
      .map(([a, b]) => (b === null ? a : `${a}@${b}`)),
    toTag: token,
    fromTag: token,
    earlyOnly: fc.boolean(),
    params: fc.constant({}),
  });

  it('property: Replaces → Refer-To URI → Replaces is the identity', () => {
    fc.assert(
      fc.property(replacesArb, chars('abcdefghijklmnopqrstuvwxyz0123456789', 1, 12), (r, user) => {
        const text = formatReferTo({ uri: `sip:${user}@pbx.example.org`, params: {} }, r);
        const back = parseReferTo(text);
        expect(back.replaces).toEqual(r);
        expect(back.uri?.user).toBe(user);
      }),
    );
  });

  it('property: escapeHvalue then unescapeHvalue is the identity, and the escaped form is an hvalue', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const e = escapeHvalue(s);
        expect(e).toMatch(/^[A-Za-z0-9\-_.!~*'()[\]/?:+$%]*$/);
        expect(unescapeHvalue(e, 'test')).toBe(s);
      }),
    );
  });
});

describe('Referred-By (RFC 3892 §3) and Refer-Sub (RFC 4488 §3)', () => {
  it('Referred-By: <sip:referrer@referrer.example>;cid="20398823.2UWQFN309shb3@referrer.example" (RFC 3892 §3)', () => {
    const r = parseReferredBy(
      '<sip:referrer@referrer.example>;cid="20398823.2UWQFN309shb3@referrer.example"',
    );
    expect(r.uri).toBe('sip:referrer@referrer.example');
    expect(r.params.cid).toBe('"20398823.2UWQFN309shb3@referrer.example"');
  });

  it.each([
    ['true', true],
    ['false', false],
    ['FALSE', false],
  ])('Refer-Sub: %s', (v, want) => expect(parseReferSub(v)).toBe(want));

  it('Refer-Sub: maybe is refused', () => {
    expect(inputError(() => parseReferSub('maybe')).detail).toMatch(/true or false/);
  });
});

describe('Event and Subscription-State (RFC 3265 §7.2, RFC 3515 §2.4.6)', () => {
  it('Event: refer;id=93809824 (RFC 3515 §2.4.6: id is the REFER CSeq number)', () => {
    expect(parseEvent('refer;id=93809824')).toEqual({ event: 'refer', id: '93809824', params: {} });
    expect(formatEvent({ event: 'refer', id: '2', params: {} })).toBe('refer;id=2');
    expect(formatEvent({ event: 'refer', params: {} })).toBe('refer');
  });

  it('Subscription-State: active;expires=60 and terminated;reason=noresource', () => {
    expect(parseSubscriptionState('active;expires=60')).toEqual({ state: 'active', expires: 60, params: {} });
    expect(parseSubscriptionState('terminated;reason=noresource')).toEqual({
      state: 'terminated',
      reason: 'noresource',
      params: {},
    });
  });

  it('refuses bad delta-seconds', () => {
    expect(inputError(() => parseSubscriptionState('active;expires=-1')).detail).toMatch(/delta-seconds/);
    expect(inputError(() => parseSubscriptionState('active;expires=99999999999')).detail).toMatch(
      /delta-seconds/,
    );
  });

  it("the state alone (parseSubstate): liblinphone 5.1's terminated;reason=reason=noresource, which the full parse refuses", () => {
    expect(inputError(() => parseSubscriptionState('terminated;reason=reason=noresource')).where).toBe(
      'header Subscription-State',
    );
    expect(parseSubstate('terminated;reason=reason=noresource')).toBe('terminated');
    expect(parseSubstate(' Active ;expires=60')).toBe('active');
    expect(parseSubstate('pending')).toBe('pending');
    expect(inputError(() => parseSubstate('termi nated')).detail).toMatch(/invalid state/);
    expect(inputError(() => parseSubstate(';reason=x')).detail).toMatch(/invalid state/);
  });

  it('property: Subscription-State round trip', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('active', 'pending', 'terminated'),
        fc.option(fc.constantFrom('noresource', 'timeout', 'rejected', 'deactivated'), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 4294967295 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 86400 }), { nil: undefined }),
        (state, reason, expires, retryAfter) => {
          const s = {
            state,
            params: {},
            ...(reason === undefined ? {} : { reason }),
            ...(expires === undefined ? {} : { expires }),
            ...(retryAfter === undefined ? {} : { retryAfter }),
          };
          expect(parseSubscriptionState(formatSubscriptionState(s))).toEqual(s);
        },
      ),
    );
  });
});

describe('message/sipfrag (RFC 3420; RFC 3515 §2.4.5)', () => {
  // The bodies of RFC 3515 §2.4.5 (100 Trying, 200 OK) and a failure's status line.
  it.each([
    ['SIP/2.0 100 Trying', 100, 'Trying'],
    ['SIP/2.0 200 OK', 200, 'OK'],
    ['SIP/2.0 503 Service Unavailable\r\n', 503, 'Service Unavailable'],
  ])('%j', (body, status, reason) => {
    expect(parseSipFrag(body)).toEqual({ status, reason, headers: [] });
  });

  it('a fragment with headers keeps them (RFC 3420 §2)', () => {
    const f = parseSipFrag('SIP/2.0 603 Declined\r\nWarning: 399 atlanta.example.com "Expired"\r\n\r\n');
    expect(f.headers).toEqual([{ name: 'Warning', value: '399 atlanta.example.com "Expired"' }]);
  });

  it.each([
    ['a request line', 'INVITE sip:bob@biloxi.example.com SIP/2.0'],
    ['an empty body', ''],
    ['a status out of range', 'SIP/2.0 099 Low'],
    ['a header line without a colon', 'SIP/2.0 200 OK\r\nnonsense'],
  ])('refuses %s', (_what, body) => {
    expect(inputError(() => parseSipFrag(body)).where).toBe('message/sipfrag body');
  });

  it('refuses a fragment beyond the size limit', () => {
    expect(inputError(() => parseSipFrag(`SIP/2.0 200 OK\r\n${'X: y\r\n'.repeat(4000)}`)).detail).toMatch(
      /larger than/,
    );
  });

  it('property: formatSipFrag then parseSipFrag gives the status and reason back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 699 }),
        chars('abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ', 0, 30),
        (status, reason) => {
          const body = formatSipFrag({ status, reason });
          expect(body.endsWith('\r\n')).toBe(true);
          expect(parseSipFrag(body)).toEqual({ status, reason, headers: [] });
        },
      ),
    );
  });
});
