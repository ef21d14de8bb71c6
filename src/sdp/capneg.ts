/**
 * RFC 5939 (SDP Capability Negotiation): parse and format the value of one attribute
 * (`a=<name>:<value>`, the value only). sdp-transform leaves these lines in `invalid`.
 *
 * Each parser throws InputError('sdp', 'a=<name>', detail); parseSdp re-throws it with the line.
 * Formatting is canonical: single spaces between list elements, `t=` before `a=` before
 * extensions in a configuration, mandatory capability numbers before the optional `[…]` group.
 */
import { InputError } from '../errors';
import type {
  ActualConfig,
  AttributeCap,
  AttributeRef,
  CapNeg,
  ExtensionConfig,
  PotentialAttributeConfig,
  PotentialConfig,
  TransportCap,
} from './types';

/** Attribute names (after `a=`) defined by RFC 5939. */
export const CAPNEG_ATTRIBUTES = ['csup', 'creq', 'acap', 'tcap', 'pcfg', 'acfg'] as const;
export type CapNegAttribute = (typeof CAPNEG_ATTRIBUTES)[number];

export function emptyCapNeg(): CapNeg {
  return { tcap: [], acap: [], pcfg: [], acfg: [], csup: [], creq: [] };
}

export function isCapNegEmpty(c: CapNeg): boolean {
  return (
    c.tcap.length === 0 &&
    c.acap.length === 0 &&
    c.pcfg.length === 0 &&
    c.acfg.length === 0 &&
    c.csup.length === 0 &&
    c.creq.length === 0
  );
}

// RFC 3261 §25.1 token, used for option tags, att-field and the parts of a proto.
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
// RFC 4566 §9 proto = token *("/" token)
const PROTO = /^[A-Za-z0-9\-.!%*_+`'~]+(?:\/[A-Za-z0-9\-.!%*_+`'~]+)*$/;
// RFC 5939 §3.5.1 ext-cap-name = 1*(ALPHA / DIGIT)
const EXT_NAME = /^[A-Za-z0-9]+$/;
// VCHAR without the separators we split on.
const EXT_VALUE = /^[\x21-\x7e]+$/;
const WSP = /[ \t]+/;
const MAX_CAP_NUM = 2 ** 31 - 1;

function fail(name: CapNegAttribute, detail: string): never {
  throw new InputError('sdp', `a=${name}`, detail);
}

/** RFC 5939 numbers: 1*10DIGIT without a leading zero, 1 … 2^31-1. */
function capNum(name: CapNegAttribute, what: string, s: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(s)) fail(name, `${what} '${s}' is not a number 1…2^31-1`);
  const n = Number(s);
  if (n > MAX_CAP_NUM) fail(name, `${what} ${s} is above 2^31-1`);
  return n;
}

/** Splits `<number> <rest>`; rest may be empty only when allowed. */
function numberAndRest(name: CapNegAttribute, what: string, value: string): [number, string] {
  const sp = value.search(WSP);
  const head = sp < 0 ? value : value.slice(0, sp);
  const rest = sp < 0 ? '' : value.slice(sp).replace(/^[ \t]+/, '');
  return [capNum(name, what, head), rest];
}

// §3.3.1/§3.3.2: option-tag-list = option-tag *("," option-tag)
export function parseOptionTags(name: 'csup' | 'creq', value: string): string[] {
  const tags = value.split(',');
  for (const t of tags) if (!TOKEN.test(t)) fail(name, `option tag '${t}' is not a token`);
  return tags;
}

export function formatOptionTags(tags: string[]): string {
  return tags.join(',');
}

// §3.4.1: a=acap:<att-cap-num> <att-par>, att-par = att-field [":" att-value]
export function parseAcap(value: string): AttributeCap {
  const [num, rest] = numberAndRest('acap', 'att-cap-num', value);
  if (rest === '') fail('acap', 'missing the attribute after the capability number');
  const colon = rest.indexOf(':');
  const field = colon < 0 ? rest : rest.slice(0, colon);
  if (!TOKEN.test(field)) fail('acap', `attribute name '${field}' is not a token`);
  if (colon >= 0 && colon === rest.length - 1) fail('acap', `attribute '${field}' has an empty value`);
  return { num, value: rest };
}

export function formatAcap(a: AttributeCap): string {
  return `${a.num} ${a.value}`;
}

// §3.4.2: a=tcap:<trpr-cap-num> <proto-list>, proto-list = proto *(1*WSP proto)
export function parseTcap(value: string): TransportCap {
  const [base, rest] = numberAndRest('tcap', 'trpr-cap-num', value);
  if (rest === '') fail('tcap', 'missing the transport protocol list');
  const protos = rest.split(WSP);
  for (const p of protos) if (!PROTO.test(p)) fail('tcap', `'${p}' is not a transport protocol`);
  if (base + protos.length - 1 > MAX_CAP_NUM) fail('tcap', 'capability numbers run above 2^31-1');
  return { base, protos };
}

export function formatTcap(t: TransportCap): string {
  return `${t.base} ${t.protos.join(' ')}`;
}

type DeleteKind = 'm' | 's' | 'ms';

/** `-m` / `-s` / `-ms` (RFC 5939 §3.5.1 delete-attributes). */
function parseDelete(name: CapNegAttribute, s: string): DeleteKind {
  if (s === '-m' || s === '-s' || s === '-ms') return s.slice(1) as DeleteKind;
  return fail(name, `'${s}' is not a delete modifier (-m, -s or -ms)`);
}

/**
 * mo-att-cap-list = mandatory-att-cap-list ["," optional-att-cap-list] / optional-att-cap-list,
 * optional-att-cap-list = "[" att-cap-list "]".
 */
function parseMoList(s: string): AttributeRef[] {
  const refs: AttributeRef[] = [];
  const open = s.indexOf('[');
  const mandatory = open < 0 ? s : s.slice(0, open);
  if (open >= 0) {
    if (open > 0 && !mandatory.endsWith(',')) fail('pcfg', `'${s}': '[' must follow ','`);
    if (!s.endsWith(']') || s.indexOf(']') !== s.length - 1 || s.indexOf('[', open + 1) >= 0) {
      fail('pcfg', `'${s}': the optional list must be one '[…]' group at the end`);
    }
  }
  const mandatoryPart = open > 0 ? mandatory.slice(0, -1) : mandatory;
  if (open !== 0) {
    for (const n of mandatoryPart.split(',')) {
      refs.push({ num: capNum('pcfg', 'att-cap-num', n), optional: false });
    }
  }
  if (open >= 0) {
    for (const n of s.slice(open + 1, -1).split(',')) {
      refs.push({ num: capNum('pcfg', 'att-cap-num', n), optional: true });
    }
  }
  return refs;
}

function formatMoList(refs: AttributeRef[]): string {
  const mandatory = refs.filter((r) => !r.optional).map((r) => r.num);
  const optional = refs.filter((r) => r.optional).map((r) => r.num);
  const parts = mandatory.map(String);
  if (optional.length > 0) parts.push(`[${optional.join(',')}]`);
  return parts.join(',');
}

/** `a=` [delete ":"] list, or `a=` delete alone; shared by pcfg and acfg. */
function splitAttributeConfig(name: CapNegAttribute, s: string): { del?: DeleteKind; list?: string } {
  if (s.startsWith('-')) {
    const colon = s.indexOf(':');
    if (colon < 0) return { del: parseDelete(name, s) };
    const list = s.slice(colon + 1);
    if (list === '') fail(name, `'a=${s}': empty list after ':'`);
    return { del: parseDelete(name, s.slice(0, colon)), list };
  }
  if (s === '') fail(name, "'a=' without a capability list");
  return { list: s };
}

// §3.5.1 extension-config-list = ["+"] ext-cap-name "=" ext-cap-list
function parseExtension(name: CapNegAttribute, s: string): ExtensionConfig {
  const mandatory = s.startsWith('+');
  const body = mandatory ? s.slice(1) : s;
  const eq = body.indexOf('=');
  const extName = body.slice(0, eq);
  const extValue = body.slice(eq + 1);
  if (!EXT_NAME.test(extName)) fail(name, `'${s}': extension name must be letters and digits`);
  if (!EXT_VALUE.test(extValue)) fail(name, `'${s}': extension value is empty or not visible characters`);
  return mandatory ? { name: extName, value: extValue, mandatory } : { name: extName, value: extValue };
}

function formatExtension(e: ExtensionConfig): string {
  return `${e.mandatory === true ? '+' : ''}${e.name}=${e.value}`;
}

function configNumberAndList(name: 'pcfg' | 'acfg', value: string): [number, string[]] {
  const [num, rest] = numberAndRest(name, 'config-number', value);
  return [num, rest === '' ? [] : rest.split(WSP)];
}

// §3.5.1: a=pcfg:<config-number> [<pot-cfg-list>]
export function parsePcfg(value: string): PotentialConfig {
  const [num, items] = configNumberAndList('pcfg', value);
  const out: PotentialConfig = { num, transports: [], extensions: [] };
  let sawT = false;
  for (const item of items) {
    if (item.startsWith('a=')) {
      if (out.attributes) fail('pcfg', `more than one attribute configuration list ('${item}')`);
      const { del, list } = splitAttributeConfig('pcfg', item.slice(2));
      const attributes: PotentialAttributeConfig = { alternatives: [] };
      if (del) attributes.delete = del;
      if (list !== undefined) attributes.alternatives = list.split('|').map(parseMoList);
      out.attributes = attributes;
    } else if (item.startsWith('t=')) {
      if (sawT) fail('pcfg', `more than one transport configuration list ('${item}')`);
      sawT = true;
      out.transports = item
        .slice(2)
        .split('|')
        .map((n) => capNum('pcfg', 'trpr-cap-num', n));
    } else if (item.includes('=')) {
      out.extensions.push(parseExtension('pcfg', item));
    } else {
      fail('pcfg', `'${item}' is not a configuration list (a=, t= or name=value)`);
    }
  }
  return out;
}

export function formatPcfg(p: PotentialConfig): string {
  const parts = [String(p.num)];
  if (p.transports.length > 0) parts.push(`t=${p.transports.join('|')}`);
  if (p.attributes) {
    const del = p.attributes.delete ? `-${p.attributes.delete}` : '';
    const alts = p.attributes.alternatives.map(formatMoList).join('|');
    parts.push(`a=${del}${del && alts ? ':' : ''}${alts}`);
  }
  for (const e of p.extensions) parts.push(formatExtension(e));
  return parts.join(' ');
}

// §3.5.2: a=acfg:<config-number> [<sel-cfg-list>]
export function parseAcfg(value: string): ActualConfig {
  const [num, items] = configNumberAndList('acfg', value);
  const out: ActualConfig = { num, extensions: [] };
  for (const item of items) {
    if (item.startsWith('a=')) {
      if (out.attributes) fail('acfg', `more than one attribute list ('${item}')`);
      const { del, list } = splitAttributeConfig('acfg', item.slice(2));
      if (list !== undefined && /[|[\]]/.test(list)) {
        fail('acfg', `'${item}': an actual configuration selects one list, without '|' or '[…]'`);
      }
      const nums = list === undefined ? [] : list.split(',').map((n) => capNum('acfg', 'att-cap-num', n));
      out.attributes = del ? { delete: del, nums } : { nums };
    } else if (item.startsWith('t=')) {
      if (out.transport !== undefined) fail('acfg', `more than one transport ('${item}')`);
      out.transport = capNum('acfg', 'trpr-cap-num', item.slice(2));
    } else if (item.includes('=')) {
      out.extensions.push(parseExtension('acfg', item));
    } else {
      fail('acfg', `'${item}' is not a selected configuration (a=, t= or name=value)`);
    }
  }
  return out;
}

export function formatAcfg(a: ActualConfig): string {
  const parts = [String(a.num)];
  if (a.transport !== undefined) parts.push(`t=${a.transport}`);
  if (a.attributes) {
    const del = a.attributes.delete ? `-${a.attributes.delete}` : '';
    const nums = a.attributes.nums.join(',');
    parts.push(`a=${del}${del && nums ? ':' : ''}${nums}`);
  }
  for (const e of a.extensions) parts.push(formatExtension(e));
  return parts.join(' ');
}

/** Parses one RFC 5939 attribute value into `into`. */
export function addCapNegAttribute(into: CapNeg, name: CapNegAttribute, value: string): void {
  switch (name) {
    case 'csup':
    case 'creq':
      into[name].push(...parseOptionTags(name, value));
      return;
    case 'acap':
      into.acap.push(parseAcap(value));
      return;
    case 'tcap':
      into.tcap.push(parseTcap(value));
      return;
    case 'pcfg':
      into.pcfg.push(parsePcfg(value));
      return;
    case 'acfg':
      into.acfg.push(parseAcfg(value));
      return;
  }
}

/**
 * The attribute lines (without `a=`) of one level, in the order csup, creq, acap, tcap, pcfg,
 * acfg: capabilities before the configurations that refer to them. csup/creq collapse to one line each.
 */
export function capNegLines(c: CapNeg): string[] {
  const lines: string[] = [];
  if (c.csup.length > 0) lines.push(`csup:${formatOptionTags(c.csup)}`);
  if (c.creq.length > 0) lines.push(`creq:${formatOptionTags(c.creq)}`);
  for (const a of c.acap) lines.push(`acap:${formatAcap(a)}`);
  for (const t of c.tcap) lines.push(`tcap:${formatTcap(t)}`);
  for (const p of c.pcfg) lines.push(`pcfg:${formatPcfg(p)}`);
  for (const a of c.acfg) lines.push(`acfg:${formatAcfg(a)}`);
  return lines;
}
