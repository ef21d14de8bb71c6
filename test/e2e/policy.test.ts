/**
 * Issue 10, first part, against the running gateway (Prosody, the shipped policy and limits):
 * a relay attempt to a SIP host and a premium number get `forbidden` with the rule, and no
 * INVITE leaves the gateway (a UDP socket on the target port hears nothing); a flood of
 * session-initiates from one user is cut by the per-user rate limit with `resource-constraint`;
 * a 200 kB sid is bad-request; a SIP source may ring only the users its `policy.sources` rule names.
 */
import { randomUUID } from 'node:crypto';
import * as dgram from 'node:dgram';
import { freePort, sleep } from '../support/processes';
import { conversationsOffer } from './stanzas';
import { describeE2e, sipp, type Bot, type Element } from './harness';

/** Datagrams arriving on a loopback UDP port. */
async function listen(port: number): Promise<{ got: Buffer[]; close: () => Promise<void> }> {
  const s = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
  return { got, close: () => new Promise((r) => s.close(() => r())) };
}

const errorOf = (iq: Element): { condition?: string; text?: string } => {
  const e = iq.getChild('error');
  return {
    condition: e
      ?.getChildElements()
      .find((c) => c.name !== 'text' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas')?.name,
    text: e?.getChildText('text') ?? undefined,
  };
};

let outboundPort = 0;
describeE2e(
  'e2e: no open relay, no toll fraud, limits',
  {
    policyYaml: "{ sipHosts: [], sources: [{ from: ['127.0.0.0/8'], jids: ['bob@localhost'] }] }",
    limitsYaml: '{}',
    late: async () => {
      outboundPort = await freePort();
      return { outboundPort };
    },
  },
  (bed) => {
    let alice: Bot;
    beforeAll(() => {
      alice = bed.device();
    });

    test.each([
      [
        'a SIP host named in the JID (relay)',
        (port: number) => `x\\40127.0.0.1\\3a${port}@gw.localhost`,
        /not allowed \(policy\.sipHosts\)/,
      ],
      [
        'a premium number (1-900)',
        () => '+19005551234@gw.localhost',
        /\+19005551234 is not allowed: NANP premium/,
      ],
      ['an international network (+882)', () => '+88212345678@gw.localhost', /international networks/],
    ])('%s: forbidden with the rule, and no INVITE is sent', async (_what, callee, text) => {
      const port = await freePort();
      const target = await listen(port);
      const outbound = await listen(outboundPort);
      try {
        const answer = await alice.iq(
          conversationsOffer({ to: callee(port), from: alice.jid, sid: randomUUID() }),
        );
        expect(answer.attrs.type).toBe('error');
        expect(errorOf(answer)).toEqual({ condition: 'forbidden', text: expect.stringMatching(text) });
        await sleep(400);
        expect(target.got).toEqual([]);
        expect(outbound.got).toEqual([]);
      } finally {
        await target.close();
        await outbound.close();
      }
    });

    test('a flood of 30 session-initiates from one user: the per-user rate limit refuses the rest', async () => {
      await sleep(2500); // the denied attempts above took tokens too: let the bucket refill
      // A denied number: what the limiter lets through is then refused by the policy, so the
      // flood places no INVITE at all, and the limiter's work shows in the two conditions.
      const to = '+19005550000@gw.localhost';
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          alice.iq(conversationsOffer({ to, from: alice.jid, sid: randomUUID() }), 8000),
        ),
      );
      const refused = answers.filter((a) => errorOf(a).condition === 'resource-constraint');
      const admitted = answers.filter((a) => errorOf(a).condition === 'forbidden');
      // limits.attemptsPerSecondPerUser 2: a burst of 4, plus 2 per second the flood took to
      // arrive (derived, so a loaded machine does not make the test flaky).
      const seconds = (Date.now() - started) / 1000;
      expect(admitted.length).toBeGreaterThanOrEqual(4);
      expect(admitted.length).toBeLessThanOrEqual(4 + Math.ceil(2 * seconds));
      expect(refused.length).toBeGreaterThanOrEqual(20);
      expect(refused).toHaveLength(30 - admitted.length);
      expect(errorOf(refused[0] as Element).text).toMatch(
        /\(limits\.attemptsPerSecondPerUser\); try again in \d+ s$/,
      );
      // One warn line for the whole flood, not one per attempt.
      const warned = bed.world.log.filter((l) => l.message === 'call refused by a limit');
      expect(warned).toHaveLength(1);
    });

    test('a 200 kB sid is bad-request', async () => {
      await sleep(2500); // let the rate limit of the flood refill
      const answer = await alice.iq(
        conversationsOffer({ to: '+15551230000@gw.localhost', from: alice.jid, sid: 'a'.repeat(200_000) }),
        8000,
      );
      expect(answer.attrs.type).toBe('error');
      expect(errorOf(answer).condition).toBe('bad-request');
      expect(bed.world.gateway.liveCalls()).toBe(0);
    });

    test('policy.sources: a source may ring only the users its rule names (403, nobody rings)', async () => {
      const before = alice.all(() => true).length;
      const run = await sipp({
        scenario: 'e2e-uac-refused-403.xml',
        remote: `127.0.0.1:${bed.world.sipPort}`,
        port: await freePort(),
        extra: ['-s', 'alice'],
      });
      await bed.passed(run);
      expect(
        alice
          .all(() => true)
          .slice(before)
          .filter((s) => s.getChild('propose') !== undefined),
      ).toHaveLength(0);
      expect(
        bed.world.log.some((l) => l.message === 'call denied by policy' && l.source === '127.0.0.1'),
      ).toBe(true);
    });
  },
);
