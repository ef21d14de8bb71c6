/**
 * The XTLS proposal's security layer: draft-meyer-xmpp-e2e-encryption-00 (2009) and Peter
 * Saint-Andre's mail "XTLS and DTLS-SRTP" (the seed), which adds the `algo` attribute.
 *
 * `<security xmlns='urn:xmpp:jingle:security:xtls:0'>` inside `<content>`, holding
 * `<fingerprint algo='sha-1'>HEX</fingerprint>` and `<method name='x509'/>` hints. The children have
 * no namespace of their own (they are in NS_XTLS). Offered, not required: it maps to RFC 5939.
 */
import { Element } from 'ltx';
import { hashByName, type HashTable } from '../mapping';
import { append, build, fail, localName, nsOf, q, reqString, tag, textOf } from './attrs';
import { NS_XTLS } from './namespaces';
import type { XtlsFingerprint, XtlsSecurity } from './types';

const COLON_HEX = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/;
const PLAIN_HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * The digest as colon-separated upper-case hex pairs. XTLS writes "HEX" without saying whether
 * pairs are colon-separated, so both forms are accepted.
 */
function digestPairs(value: string, where: string): string {
  if (COLON_HEX.test(value)) return value.toUpperCase();
  if (PLAIN_HEX.test(value)) return value.toUpperCase().replace(/(..)(?!$)/g, '$1:');
  fail(where, `${q(value)} is not hex`);
}

export function parseXtlsFingerprint(el: Element, hashes: HashTable): XtlsFingerprint {
  const where = tag(el, 'algo');
  const value = digestPairs(textOf(el).trim(), `${where} value`);
  const bytes = (value.length + 1) / 3;
  const algo = el.attrs.algo;
  if (typeof algo === 'string') {
    const hash = hashByName(hashes, algo);
    if (!hash) fail(`${where} algo`, `unknown hash ${q(algo)}`);
    if (hash.bytes !== bytes) fail(`${where} value`, `${bytes} bytes, but ${hash.name} has ${hash.bytes}`);
    return { algo: hash.name, value };
  }
  // No algo (the original XTLS draft had none): infer it only when the length is unambiguous.
  const matches = hashes.filter((h) => h.bytes === bytes);
  if (matches.length !== 1) {
    const which = matches.length === 0 ? 'no known hash' : matches.map((h) => h.name).join(', ');
    fail(`${where} algo`, `missing algo (a ${bytes}-byte digest matches ${which})`);
  }
  return { algo: matches[0].name, value };
}

export function parseXtlsSecurity(el: Element, ns: string, hashes: HashTable): XtlsSecurity {
  const sec: XtlsSecurity = { fingerprints: [], methods: [] };
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (nsOf(child, ns) !== NS_XTLS) continue;
    const name = localName(child);
    if (name === 'fingerprint') sec.fingerprints.push(parseXtlsFingerprint(child, hashes));
    else if (name === 'method') sec.methods.push(reqString(child, 'name', '<security> <method>'));
    else fail(`<security> <${name}>`, `unknown element in ${NS_XTLS}`);
  }
  return sec;
}

export function xtlsSecurityToElement(sec: XtlsSecurity): Element {
  const el = build('security', { xmlns: NS_XTLS });
  for (const fp of sec.fingerprints) {
    const f = append(el, build('fingerprint', { algo: fp.algo }));
    f.children.push(fp.value);
  }
  for (const name of sec.methods) append(el, build('method', { name }));
  return el;
}
