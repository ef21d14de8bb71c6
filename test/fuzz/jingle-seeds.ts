/**
 * Seeds for the Jingle fuzz targets: the XEP examples (test/fixtures/jingle-xep, fragments wrapped
 * as test/jingle/helpers.ts does), the bad-input Jingle fixtures, the Conversations-style offer and
 * trickle the e2e tests send (test/e2e/stanzas.ts), and a pool of valid random Jingle
 * (test/support/arbitraries.ts `jingleArb`, fixed seed). Each seed is an `<iq type='set'>` around
 * one `<jingle>`, as an ltx element and as text.
 */
import * as fc from 'fast-check';
import { Element, parse as parseLtx } from 'ltx';
import { jingleToElement } from '../../src/jingle';
import { jingleArb } from '../support/arbitraries';
import { asJingleDocument, loadFixtures } from '../jingle/helpers';
import { conversationsOffer, TRICKLED, transportInfo } from '../e2e/stanzas';
import { fixtureTexts, vocabularyOf, type Vocabulary } from './mutate';

export const CALLER = 'alice@localhost/phone';
export const CALLEE = '+15551230000@gw.localhost';

const withoutComments = (s: string): string => s.replace(/<!--[\s\S]*?-->/g, '').trim();

/** `<iq type='set'>` around a `<jingle>` element (an `<iq>` is kept as it is). */
export function asIq(el: Element, id: string): Element {
  if (el.name === 'iq') return el;
  const iq = new Element('iq', { from: CALLER, id, to: CALLEE, type: 'set' });
  iq.children.push(el);
  el.parent = iq;
  return iq;
}

/** The seed as an element, unless ltx cannot parse it or cannot write it back (10,000 levels deep). */
function tryParse(text: string): Element | undefined {
  try {
    const el = parseLtx(text) as Element;
    el.toString();
    return el;
  } catch {
    return undefined;
  }
}

function build(): { elements: Element[]; texts: string[]; vocabulary: Vocabulary } {
  const fromXeps = loadFixtures().map((f) => withoutComments(asJingleDocument(f.text)));
  const badInput = fixtureTexts('bad-input/jingle', ['.xml']).map((f) => f.text);
  const e2e = [
    conversationsOffer({ to: CALLEE, from: CALLER, sid: 'fuzz-sid' }),
    transportInfo({ to: CALLEE, from: CALLER, sid: 'fuzz-sid', name: '0', candidate: TRICKLED }),
  ];
  const random = (['session-initiate', 'session-accept'] as const).flatMap((action) =>
    fc.sample(jingleArb({ action }), { numRuns: 400, seed: 166 }).map((j) => jingleToElement(j)),
  );
  const elements = [
    ...fromXeps.map(tryParse).filter((e): e is Element => e !== undefined),
    ...badInput.map(tryParse).filter((e): e is Element => e !== undefined),
    ...e2e,
    ...random,
  ].map((e, i) => asIq(e, `seed${i}`));
  const texts = [...fromXeps, ...badInput, ...elements.map((e) => e.toString())];
  return { elements, texts, vocabulary: vocabularyOf(elements) };
}

let cached: ReturnType<typeof build> | undefined;

/** The seeds (built once per test file). */
export function jingleSeeds(): ReturnType<typeof build> {
  cached ??= build();
  return cached;
}
