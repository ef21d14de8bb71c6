/**
 * XEP-0338: Jingle Grouping Framework (version 0.1, 2014-01-08).
 *
 * `<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'>` with `<content name/>`
 * children, as a child of `<jingle>`; it maps to `a=group` (RFC 5888).
 */
import { Element } from 'ltx';
import { append, build, fail, localName, nsOf, reqString, tag } from './attrs';
import { NS_GROUPING } from './namespaces';
import type { Group } from './types';

export function parseGroup(el: Element, ns: string): Group {
  const where = tag(el, 'semantics');
  const group: Group = { semantics: reqString(el, 'semantics', where), contents: [] };
  for (const child of el.children) {
    if (typeof child === 'string') continue;
    if (nsOf(child, ns) !== NS_GROUPING) continue;
    const name = localName(child);
    if (name !== 'content') fail(`${where} <${name}>`, `unknown element in ${NS_GROUPING}`);
    group.contents.push(reqString(child, 'name', `${where} <content>`));
  }
  return group;
}

export function groupToElement(group: Group): Element {
  const el = build('group', { xmlns: NS_GROUPING, semantics: group.semantics });
  for (const name of group.contents) append(el, build('content', { name }));
  return el;
}
