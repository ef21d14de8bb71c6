/**
 * XEP-0339: Source-Specific Media Attributes in Jingle (version 0.2, 2015-11-09).
 *
 * `<source xmlns='urn:xmpp:jingle:apps:rtp:ssma:0' ssrc>` with `<parameter name value>` children
 * (`a=ssrc:<ssrc> name:value`; a parameter without a value has no `value` attribute), and
 * `<ssrc-group semantics>` with `<source ssrc/>` children (`a=ssrc-group`).
 */
import { Element } from 'ltx';
import {
  UINT32_MAX,
  append,
  build,
  fail,
  localName,
  nsOf,
  parameterElement,
  readParameter,
  reqInt,
  reqString,
  tag,
} from './attrs';
import { NS_SSMA } from './namespaces';
import type { Source, SsrcGroup } from './types';

export function parseSource(el: Element, ns: string): Source {
  const where = tag(el, 'ssrc');
  const src: Source = { ssrc: reqInt(el, 'ssrc', 0, UINT32_MAX, where), parameters: [] };
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    const cns = nsOf(child, ns);
    if (cns !== NS_SSMA) continue;
    const name = localName(child);
    if (name === 'parameter') src.parameters.push(readParameter(child, where));
    else fail(`${where} <${name}>`, `unknown element in ${NS_SSMA}`);
  }
  return src;
}

export function parseSsrcGroup(el: Element, ns: string): SsrcGroup {
  const where = tag(el, 'semantics');
  const group: SsrcGroup = { semantics: reqString(el, 'semantics', where), ssrcs: [] };
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (nsOf(child, ns) !== NS_SSMA) continue;
    const name = localName(child);
    if (name !== 'source') fail(`${where} <${name}>`, `unknown element in ${NS_SSMA}`);
    group.ssrcs.push(reqInt(child, 'ssrc', 0, UINT32_MAX, `${where} ${tag(child)}`));
  }
  return group;
}

export function sourceToElement(src: Source): Element {
  const el = build('source', { xmlns: NS_SSMA, ssrc: src.ssrc });
  for (const p of src.parameters) append(el, parameterElement(p.name, p.value, true));
  return el;
}

export function ssrcGroupToElement(group: SsrcGroup): Element {
  const el = build('ssrc-group', { xmlns: NS_SSMA, semantics: group.semantics });
  for (const ssrc of group.ssrcs) append(el, build('source', { ssrc }));
  return el;
}
