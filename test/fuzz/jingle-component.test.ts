/**
 * Fuzz (issue 10): Jingle stanzas over the component connection. A real Prosody, the real gateway
 * as its `gw.localhost` component, SIPp refusing every INVITE with 486 (fuzz-uas-486.xml), and an
 * XMPP user sending FUZZ_IQS fuzzed IQ sets (default 20,000; `npm run fuzz` sends 100,000) to
 * callees at the gateway, 200 outstanding at a time: tree mutations (test/fuzz/mutate.ts) of
 * the Jingle seeds (./jingle-seeds: session-initiates, transport-infos, XEP examples, valid random
 * Jingle), bad sids, IQ gets, garbage children, two children or none, huge attributes.
 *
 * Oracle: every IQ is answered (result or error), none is lost; every `<jingle>` that the
 * gateway's Jingle parser refuses gets `bad-request` from the gateway; the gateway stays online
 * and answers a ping afterwards; the calls that started (valid session-initiates: each INVITE is
 * refused by SIPp) all end, `liveCalls()` and `liveDialogs()` are 0; no error is logged; the heap
 * after a full GC is printed before and after, and after the SIP transaction timers ran out
 * (64·T1 = 32 s), it is within HEAP_SLACK of where it was before.
 */
import * as fc from 'fast-check';
import { Element, parse as parseLtx } from 'ltx';
import { performance } from 'node:perf_hooks';
import { isInputError } from '../../src/errors';
import { jingleFromElement, MAX_XML_DEPTH, MAX_XML_ELEMENTS, NS_JINGLE } from '../../src/jingle';
import { treeSize } from '../../src/xmpp/stanza/xml';
import { describeWithPeers, waitUdpBound } from '../e2e/harness';
import { freePort, sleep, waitFor, type Proc } from '../support/processes';
import { CALLEE, jingleSeeds } from './jingle-seeds';
import { fuzzOptions, mutatedTree, piece, runsFrom, xmlSafe, type Vocabulary } from './mutate';
import { heapAfterGc, IqClient, mb, sippForever, startFuzzWorld, type FuzzWorld } from './world';
import { tables } from '../support/tables';

const IQS = runsFrom('FUZZ_IQS', 20_000);
const WINDOW = 200;
const ANSWER_TIMEOUT_MS = 30_000;
/** After the fuzz: the SIP transactions' 64·T1 timers (npm `sip`) and a margin. */
const SETTLE_MS = runsFrom('FUZZ_SETTLE_MS', 35_000);
const HEAP_SLACK = 40 * 1024 * 1024;
/** Prosody's c2s stanza limit is 256 kB (0.12 `c2s_stanza_size_limit`): larger inputs are not sent. */
const MAX_STANZA_BYTES = 200_000;

const USER: [string, string] = ['fuzz', 'fuzzpass'];
/** Where the fuzzed IQs go: the number the e2e tests call, other users at the gateway, the gateway itself. */
const TARGETS = [
  CALLEE,
  CALLEE,
  CALLEE,
  `${CALLEE}/device`,
  '+4930123456@gw.localhost',
  'bob\\40127.0.0.1\\3a5999@gw.localhost',
  'alice\\40localhost@gw.localhost',
  'x@gw.localhost',
  'gw.localhost',
];
const BAD_SIDS = ['', ' ', 'fuzz-sid', 'a73sjjvkla37jfea', '\u{1f600}', 'x'.repeat(3000), '<&>', 'sid\ttab'];

/**
 * The tree as the gateway will read it: ltx writes `\r`, `\n` and `\t` in attribute values as they
 * are, and every XML parser on the way (Prosody's expat, then ours) normalises them. Line ends
 * become `\n` (XML 1.0 §2.11), then each white-space character in an attribute value a space
 * (§3.3.3). A 2000-character attribute of `\r\n` pairs arrives 1000 spaces long: within limits.
 */
function asParsed(el: Element): Element {
  const copy = new Element(el.name, {});
  for (const [k, v] of Object.entries(el.attrs))
    copy.attrs[k] = typeof v === 'string' ? v.replace(/\r\n?/g, '\n').replace(/[\t\n\r]/g, ' ') : v;
  for (const c of el.children) {
    const child = typeof c === 'string' ? c.replace(/\r\n?/g, '\n') : asParsed(c as Element);
    copy.children.push(child);
    if (typeof child !== 'string') child.parent = copy;
  }
  return copy;
}

/** The XEP names use no prefixes; a prefixed name would be an unbound prefix to Prosody's parser. */
function wireVocabulary(v: Vocabulary): Vocabulary {
  const plain = (xs: string[]) => xs.filter((x) => !x.includes(':'));
  return { ...v, names: plain(v.names), attrs: plain(v.attrs) };
}

interface Sent {
  id: string;
  /** The gateway's parser refuses the lone `<jingle>` of this IQ set: bad-request is due. */
  badJingle: boolean;
  kind: string;
}

const fuzzInput = (seeds: Element[], v: Vocabulary) =>
  fc.record({
    tree: mutatedTree(seeds, v, 5),
    target: fc.nat(),
    special: fc.nat({ max: 99 }),
    s: piece,
    k: fc.nat(),
  });

type FuzzInput = ReturnType<typeof fuzzInput> extends fc.Arbitrary<infer T> ? T : never;

/** The IQ to send for one input, and what the gateway must answer. */
function stanzaOf(x: FuzzInput, id: string, v: Vocabulary): { el: Element; sent: Sent } {
  const iq = x.tree;
  let kind = 'mutated';
  const jingle = () => iq.getChildElements().find((c) => c.name === 'jingle');
  if (x.special < 6) {
    const j = jingle();
    if (j) j.attrs.sid = BAD_SIDS[x.k % BAD_SIDS.length] ?? '';
    kind = 'bad-sid';
  } else if (x.special < 9) {
    iq.attrs.type = 'get';
    kind = 'get';
  } else if (x.special < 13) {
    const name = v.names[x.k % v.names.length] ?? 'query';
    const garbage = new Element(name, { xmlns: v.namespaces[x.k % v.namespaces.length] ?? 'urn:x' });
    garbage.t(xmlSafe(x.s));
    iq.children = [garbage];
    garbage.parent = iq;
    kind = 'garbage-child';
  } else if (x.special < 15) {
    const extra = new Element('query', { xmlns: 'jabber:iq:version' });
    iq.children.push(extra);
    extra.parent = iq;
    kind = 'two-children';
  } else if (x.special < 16) {
    iq.children = [];
    kind = 'no-child';
  }
  // The root stays an IQ set from us (the server stamps `from`) with our id.
  iq.name = 'iq';
  for (const k of Object.keys(iq.attrs)) if (k === 'xmlns' || k === 'from') delete iq.attrs[k];
  iq.attrs.id = id;
  iq.attrs.to = TARGETS[x.target % TARGETS.length] ?? CALLEE;
  if (kind !== 'get') iq.attrs.type = 'set';
  const kids = iq.getChildElements();
  const only = kids.length === 1 ? kids[0] : undefined;
  let badJingle = false;
  if (iq.attrs.type === 'set' && only?.name === 'jingle' && only.getNS() === NS_JINGLE) {
    const size = treeSize(only);
    if (size.elements > MAX_XML_ELEMENTS || size.depth > MAX_XML_DEPTH) badJingle = true;
    else {
      try {
        jingleFromElement(asParsed(only), tables.hashes);
      } catch (e) {
        if (!isInputError(e)) throw e;
        badJingle = true;
      }
    }
  }
  return { el: iq, sent: { id, badJingle, kind } };
}

const domainOf = (jid: string): string =>
  jid
    .replace(/^[^@/]*@/, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
const conditionOf = (answer: Element): string =>
  answer.attrs.type === 'result'
    ? 'result'
    : (answer
        .getChild('error')
        ?.getChildElements()
        .find((c) => c.getNS() === 'urn:ietf:params:xml:ns:xmpp-stanzas')?.name ?? 'error without condition');

describeWithPeers()('fuzz: Jingle over the component connection (Prosody, gateway, SIPp)', () => {
  let w: FuzzWorld | undefined;
  let sipp: Proc | undefined;
  let user: IqClient | undefined;

  beforeAll(async () => {
    const outboundPort = await freePort();
    sipp = await sippForever('fuzz-uas-486.xml', outboundPort);
    await waitUdpBound(outboundPort);
    w = await startFuzzWorld({ users: [USER], outboundPort });
    user = await IqClient.connect(w.prosody.c2sPort, ...USER, 'fuzz');
  }, 30_000);

  afterAll(async () => {
    await user?.stop();
    await w?.gateway.stop();
    await w?.prosody.dispose();
    await sipp?.stop();
  }, 30_000);

  it(`${IQS} fuzzed IQs: every one answered, bad-request for bad Jingle, no call left, heap flat`, async () => {
    if (!w || !user) throw new Error('the fuzz world did not start');
    const world = w;
    const me = user;
    const { elements } = jingleSeeds();
    const vocabulary = wireVocabulary(jingleSeeds().vocabulary);
    const arb = fuzzInput(elements, vocabulary);
    const baseSeed = fuzzOptions(1).seed ?? Math.floor(Math.random() * 2 ** 31);

    const tally = {
      sent: 0,
      skippedOversize: 0,
      answered: 0,
      lost: 0,
      byAnswerer: { gateway: 0, server: 0 } as Record<string, number>,
      byCondition: {} as Record<string, number>,
      byKind: {} as Record<string, number>,
      badJingle: 0,
      wrongAnswers: [] as string[],
    };
    let inFlight: Promise<void>[] = [];
    const send = async (x: FuzzInput, i: number): Promise<void> => {
      const id = `fz${i}`;
      const { el, sent } = stanzaOf(x, id, vocabulary);
      const text = el.toString();
      if (Buffer.byteLength(text) > MAX_STANZA_BYTES) {
        tally.skippedOversize++;
        return;
      }
      tally.sent++;
      tally.byKind[sent.kind] = (tally.byKind[sent.kind] ?? 0) + 1;
      if (sent.badJingle) tally.badJingle++;
      const answer = await me.request(text, id, ANSWER_TIMEOUT_MS);
      if (answer === undefined) {
        tally.lost++;
        return;
      }
      tally.answered++;
      const who = domainOf(answer.attrs.from ?? '') === 'gw.localhost' ? 'gateway' : 'server';
      tally.byAnswerer[who] = (tally.byAnswerer[who] ?? 0) + 1;
      const condition = conditionOf(answer);
      tally.byCondition[condition] = (tally.byCondition[condition] ?? 0) + 1;
      if (sent.badJingle && who === 'gateway' && condition !== 'bad-request' && tally.wrongAnswers.length < 5)
        tally.wrongAnswers.push(`${condition} for ${text.slice(0, 300)}`);
    };

    const BATCH = 500;
    const WARMUP = 500;
    let heapBefore = 0;
    let warm = false;
    const t0 = performance.now();
    // Inputs too large for Prosody are skipped, not counted: generate until IQS + WARMUP went out.
    for (let n = 0; tally.sent < IQS + WARMUP;) {
      for (const x of fc.sample(arb, { numRuns: BATCH, seed: baseSeed + n })) {
        if (!warm && tally.sent >= WARMUP) {
          // The heap with everything loaded and warm: the baseline.
          warm = true;
          await Promise.all(inFlight);
          await waitFor(() => world.gateway.liveCalls() === 0, 30_000, 'calls of the warm-up ended');
          heapBefore = heapAfterGc();
        }
        while (me.outstanding >= WINDOW) await Promise.race(inFlight);
        const p = send(x, n++).finally(() => {
          inFlight = inFlight.filter((q) => q !== p);
        });
        inFlight.push(p);
        if (tally.sent >= IQS + WARMUP) break;
      }
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - t0) / 1000;

    // The gateway is up: it answers a ping; its calls all ended.
    const ping = new Element('iq', { type: 'get', id: 'ping-after', to: 'gw.localhost' });
    ping.c('ping', { xmlns: 'urn:xmpp:ping' });
    const pong = await me.request(ping, 'ping-after', 5000);
    await waitFor(
      () => world.gateway.liveCalls() === 0,
      30_000,
      `liveCalls() === 0 (is ${world.gateway.liveCalls()})`,
    );
    await waitFor(() => world.gateway.sip.liveDialogs() === 0, 30_000, 'liveDialogs() === 0');
    const heapAfter = heapAfterGc();
    await sleep(SETTLE_MS);
    const heapSettled = heapAfterGc();
    console.log(
      `fuzz jingle over the component: ${JSON.stringify(tally)}, seed ${baseSeed}, ${seconds.toFixed(1)} s ` +
        `(${((tally.sent + WARMUP) / seconds).toFixed(0)} IQ/s); session IQs from the gateway answered: ` +
        `${me.jingleFromGateway}; heap after GC: before ${mb(heapBefore)}, after ${mb(heapAfter)}, ` +
        `${SETTLE_MS / 1000} s later ${mb(heapSettled)}; log lines ${JSON.stringify(world.log.counts)}`,
    );
    expect(tally.sent).toBe(IQS + WARMUP);
    expect(tally.lost).toBe(0);
    expect(tally.answered).toBe(tally.sent);
    expect(tally.wrongAnswers).toEqual([]);
    expect(pong?.attrs.type).toBe('result');
    expect(world.gateway.xmpp.isOnline).toBe(true);
    // The mix reached the call path: bad Jingle, and calls that SIPp refused.
    expect(tally.badJingle).toBeGreaterThan(IQS / 20);
    expect(me.jingleFromGateway).toBeGreaterThan(IQS / 100);
    expect(world.log.kept.filter((k) => k.level === 'error')).toEqual([]);
    expect(heapSettled - heapBefore).toBeLessThan(HEAP_SLACK);
  }, 1_800_000);

  it('hostile stanzas (10,000 levels deep, 5,000+ elements, 150 kB attribute) get bad-request', async () => {
    if (!w || !user) throw new Error('the fuzz world did not start');
    const open = (sid: string) =>
      `<iq type='set' id='${sid}' to='${CALLEE}'><jingle xmlns='${NS_JINGLE}' action='session-initiate' sid='${sid}'>`;
    const close = '</jingle></iq>';
    const hostile: Array<[string, string]> = [
      ['deep1000', `${open('deep1000')}${'<content>'.repeat(1000)}${'</content>'.repeat(1000)}${close}`],
      ['deep10000', `${open('deep10000')}${'<a>'.repeat(10000)}${'</a>'.repeat(10000)}${close}`],
      ['deep30000', `${open('deep30000')}${'<a>'.repeat(30000)}${'</a>'.repeat(30000)}${close}`],
      ['many', `${open('many')}${"<content creator='initiator' name='x'/>".repeat(5200)}${close}`],
      ['hugeattr', `${open('hugeattr')}<content creator='initiator' name='${'n'.repeat(150_000)}'/>${close}`],
    ];
    const answers: Record<string, string> = {};
    for (const [id, text] of hostile) {
      const answer = await user.request(text, id, 10_000);
      answers[id] =
        answer === undefined ? 'no answer' : `${domainOf(answer.attrs.from ?? '')} ${conditionOf(answer)}`;
    }
    console.log(`hostile stanzas: ${JSON.stringify(answers)}`);
    for (const [id] of hostile) expect(answers[id]).toBe('gw.localhost bad-request');
    const ping = parseLtx(
      `<iq type='get' id='ping-hostile' to='gw.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`,
    );
    expect((await user.request(ping as Element, 'ping-hostile', 5000))?.attrs.type).toBe('result');
    expect(w.log.kept.filter((k) => k.level === 'error')).toEqual([]);
  }, 60_000);
});
