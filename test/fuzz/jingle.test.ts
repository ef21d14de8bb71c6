/**
 * Fuzz (issue 10): the Jingle path without sockets. At least 100,000 inputs (FUZZ_RUNS): text
 * mutations and XML tree mutations (test/fuzz/mutate.ts) of the seeds in ./jingle-seeds (XEP
 * examples, bad-input fixtures, the e2e Conversations offer and trickle, valid random Jingle).
 *
 * Each input goes both ways Jingle reaches the gateway:
 * - as text (the CLI): `parseJingleXml`, then Jingle → SDP and Jingle → SIP (`jingleIqToSip`);
 * - as the element the component connection hands over (ltx, as @xmpp/xml parses it): the
 *   router's `answerIq` with the gateway's handler logic (XmppCall.start, then the gather timer
 *   that sends the INVITE), as src/gateway/gateway.ts does it.
 *
 * Oracle: parsing and translating return or throw InputError, nothing else; `answerIq` never
 * throws and answers every IQ: `bad-request` whenever the Jingle parser refused the `<jingle>`;
 * the call machine never throws. Each input finishes within PER_INPUT_BOUND_MS.
 */
import * as fc from 'fast-check';
import type { Element } from 'ltx';
import { performance } from 'node:perf_hooks';
import { XmppCall } from '../../src/calls';
import type { Effect } from '../../src/calls/events';
import { isInputError } from '../../src/errors';
import { jingleFromElement, NS_JINGLE, parseJingleXml } from '../../src/jingle';
import { jingleToSdp } from '../../src/translate/description';
import { jingleIqToSip } from '../../src/translate/jingle-to-sip';
import { answerIq, type JingleAnswer, type RouterContext } from '../../src/xmpp/routing/router';
import { context } from '../calls/support';
import { CALLEE, CALLER, jingleSeeds } from './jingle-seeds';
import { applyText, fuzzOptions, mutatedText, mutatedTree, runsFrom, textMutation } from './mutate';
import { tables } from '../support/tables';
import { messageContext } from '../../src/config/address-context';

const RUNS = runsFrom('FUZZ_RUNS', 100_000);
const PER_INPUT_BOUND_MS = 2000;

const { elements, texts, vocabulary } = jingleSeeds();

/** What the fuzz feeds: text for the CLI path, or a tree for the component path too. */
type Input = { kind: 'text'; text: string } | { kind: 'tree'; el: Element };

const input: fc.Arbitrary<Input> = fc.oneof(
  { weight: 3, arbitrary: mutatedText(texts).map((text) => ({ kind: 'text' as const, text })) },
  { weight: 5, arbitrary: mutatedTree(elements, vocabulary).map((el) => ({ kind: 'tree' as const, el })) },
  {
    // A tree mutation written out, then maybe a few text mutations on its XML.
    weight: 2,
    arbitrary: fc
      .tuple(mutatedTree(elements, vocabulary, 3), fc.array(textMutation, { maxLength: 2 }))
      .map(([el, muts]) => ({
        kind: 'text' as const,
        text: muts.reduce((t, m) => applyText(t, m, texts[0] ?? ''), el.toString()),
      })),
  },
);

/** The domain part of a JID (as the router reads it). */
const domainOf = (jid: string): string =>
  jid
    .replace(/^[^@/]*@/, '')
    .replace(/\/.*$/, '')
    .toLowerCase();

function refusedOrDone(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (isInputError(e)) return false;
    throw e;
  }
}

describe('fuzz: Jingle parser, Jingle → SDP / SIP, the router and the call machine', () => {
  it(`${RUNS} inputs: InputError or a result; every IQ answered, bad-request for bad Jingle`, async () => {
    const ctx = context();
    const tally = {
      inputs: 0,
      textParsed: 0,
      textRefused: 0,
      toSdp: 0,
      toSip: 0,
      trees: 0,
      answers: {} as Record<string, number>,
      invites: 0,
    };
    let slowest = { ms: 0, length: 0 };
    let calls = 0;
    /** The gateway's onJingle, without the runner: start the call, then fire the gather timer. */
    const handler = {
      onJingle(iq: Parameters<typeof XmppCall.start>[0]): JingleAnswer {
        if (iq.jingle.action !== 'session-initiate') return { jingleCondition: 'unknown-session' };
        const { call, effects } = XmppCall.start(iq, ctx, `fuzz-${++calls}@gw`);
        let all: Effect[] = effects;
        if (!call.ended) all = all.concat(call.handle({ kind: 'timer', name: 'gather' }));
        if (all.some((e) => e.kind === 'sip-invite')) tally.invites++;
        const error = effects.find((e) => e.kind === 'iq-error');
        return error?.kind === 'iq-error' ? { condition: error.condition, text: error.text } : 'ok';
      },
    };
    const router: RouterContext = {
      domain: 'gw.localhost',
      allowedDomains: ['localhost'],
      address: ctx.address,
      hashes: tables.hashes,
      handler,
      version: 'fuzz',
    };

    /** The CLI's way: text, parsed strictly, then translated. */
    const textPath = (text: string): void => {
      let parsed: ReturnType<typeof parseJingleXml> | undefined;
      if (refusedOrDone(() => (parsed = parseJingleXml(text, tables.hashes)))) tally.textParsed++;
      else tally.textRefused++;
      if (parsed === undefined) return;
      const { iq, jingle } = parsed;
      if (refusedOrDone(() => jingleToSdp(jingle, tables))) tally.toSdp++;
      if (refusedOrDone(() => jingleIqToSip({ ...iq, jingle }, messageContext(ctx.config, tables))))
        tally.toSip++;
    };

    /** The component's way: the element xmpp.js parsed, the router, the call machine. */
    const treePath = async (iq: Element): Promise<void> => {
      tally.trees++;
      const jingleEl = iq.getChildElements().find((c) => c.name === 'jingle' && c.getNS() === NS_JINGLE);
      let jingle: ReturnType<typeof jingleFromElement> | undefined;
      const jingleOk =
        jingleEl === undefined
          ? undefined
          : refusedOrDone(() => (jingle = jingleFromElement(jingleEl, tables.hashes)));
      if (jingle !== undefined) {
        const j = jingle;
        if (refusedOrDone(() => jingleToSdp(j, tables))) tally.toSdp++;
        const attrs = { id: iq.attrs.id, from: iq.attrs.from, to: iq.attrs.to };
        if (refusedOrDone(() => jingleIqToSip({ ...attrs, jingle: j }, messageContext(ctx.config, tables))))
          tally.toSip++;
      }
      const answer = await answerIq(iq, router);
      const name =
        answer === true ? 'result' : 'error' in answer ? (answer.error.condition ?? 'jingle') : 'result';
      tally.answers[name] = (tally.answers[name] ?? 0) + 1;
      // A lone, well-placed <jingle> set the parser refuses: the client must hear bad-request.
      const lone = iq.getChildElements().length === 1 && iq.attrs.type === 'set' && iq.attrs.from;
      if (
        lone &&
        jingleOk === false &&
        name !== 'bad-request' &&
        domainOf(iq.attrs.to ?? '') === 'gw.localhost'
      )
        throw new Error(`a refused <jingle> was answered ${name}`);
    };

    await fc.assert(
      fc.asyncProperty(input, async (x) => {
        const t0 = performance.now();
        tally.inputs++;
        let length: number;
        if (x.kind === 'text') {
          length = x.text.length;
          textPath(x.text);
        } else {
          const iq = x.el;
          // The server stamps `from` (RFC 6120 §8.1.2.1); the router needs one.
          iq.attrs.from = CALLER;
          if (iq.attrs.to === undefined || tally.inputs % 4 !== 0) iq.attrs.to = CALLEE;
          length = -1;
          await treePath(iq);
        }
        const ms = performance.now() - t0;
        if (ms > slowest.ms || ms > PER_INPUT_BOUND_MS) {
          if (length < 0 && x.kind === 'tree') length = x.el.toString().length;
          slowest = { ms, length };
        }
        if (ms > PER_INPUT_BOUND_MS)
          throw new Error(`${ms.toFixed(0)} ms for one input of ${length} characters`);
      }),
      fuzzOptions(RUNS),
    );
    console.log(
      `fuzz jingle: ${JSON.stringify(tally)}; slowest input ${slowest.ms.toFixed(1)} ms (${slowest.length} chars)`,
    );
    expect(tally.inputs).toBeGreaterThanOrEqual(RUNS);
    expect(tally.textParsed).toBeGreaterThan(RUNS / 50);
    expect(tally.textRefused).toBeGreaterThan(RUNS / 20);
    expect(tally.answers['bad-request'] ?? 0).toBeGreaterThan(RUNS / 20);
    expect(tally.answers.result ?? 0).toBeGreaterThan(RUNS / 50);
    expect(tally.invites).toBeGreaterThan(RUNS / 50);
  }, 900_000);
});
