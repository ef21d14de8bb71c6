/**
 * Issue 14, SIP → XMPP addressing: a callee written with other case than the XMPP user's
 * (`sip:Alice@localhost` for alice@localhost) connects — JIDs compare by their RFC 7622 normal
 * form (docs/design.md §Addresses) — and the SIP caller's display name reaches the device as a
 * XEP-0172 nick in the `<propose>`.
 */
import { freePort } from '../support/processes';
import { jmiChild } from '../xmpp/bots';
import {
  describeE2e,
  iqOk,
  jingleAction,
  jingleOf,
  proposed,
  reasonOf,
  sipp,
  traced,
  type Bot,
} from './harness';
import { dtlsAccept, fingerprint, jmi } from './stanzas';

const NS_NICK = 'http://jabber.org/protocol/nick';

describeE2e('e2e: SIPp → sip:Alice@localhost → alice', {}, (bed) => {
  let phone: Bot;
  beforeAll(() => {
    phone = bed.device('phone');
  });

  const call = async (user: string) =>
    sipp({
      scenario: 'e2e-uac-dtls-service.xml',
      remote: `127.0.0.1:${bed.world.sipPort}`,
      port: await freePort(),
      extra: ['-s', user],
    });

  /** The device answers the call that `run` placed; resolves with the propose it got. */
  const answer = async (run: Awaited<ReturnType<typeof call>>) => {
    const seen = new Set(phone.all((s) => jmiChild(s, 'propose') !== undefined));
    const { propose, id, caller } = await proposed(phone, (s) => !seen.has(s));
    await phone.send(jmi('proceed', { to: caller, id }));
    const initiate = await phone.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    expect(jingleOf(initiate)?.attrs.initiator).toBe(caller);
    await iqOk(phone, dtlsAccept({ initiate, to: caller, from: phone.jid, fp: fingerprint('A1') }));
    const term = await phone.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    expect(reasonOf(term).condition).toBe('success');
    const r = await bed.passed(run);
    expect(traced(r, 'received', 'SIP/2.0 200')).toMatch(/a=setup:active/);
    return propose;
  };

  test('a callee with capitals: the device proceeds, accepts, and SIPp gets the 200', async () => {
    await answer(await call('Alice'));
  });

  test("the SIP caller's display name is the propose's XEP-0172 nick", async () => {
    const propose = await answer(await call('alice'));
    expect(propose.getChildText('nick', NS_NICK)).toBe('Bob SIPp');
  });
});
