/**
 * Shared helpers for reading and writing Jingle elements: strict attribute readers whose errors
 * name the element and the attribute (`<candidate id='c1'> port: '70000' is not an integer
 * 0-65535`), namespace resolution while walking children, and the element builder.
 */
import { isIP } from 'node:net';
import { Element } from 'ltx';
import { InputError } from '../errors';

export function fail(where: string, detail: string): never {
  throw new InputError('jingle', where, detail);
}

/** Quotes attacker-controlled text for an error message, cut to a readable length. */
export function q(value: string): string {
  const cut = value.length > 48 ? `${value.slice(0, 48)}…` : value;
  return `'${cut.replace(/[\x00-\x1f']/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/**
 * `<name key='value'>`: how errors point at an element. `key` names the attribute that identifies
 * it (id, name, ssrc…) when the element has one.
 */
export function tag(el: Element, key?: string): string {
  const name = el.getName();
  const v = key === undefined ? undefined : el.attrs[key];
  return typeof v === 'string' ? `<${name} ${key}=${q(v)}>` : `<${name}>`;
}

/** The namespace of `child`, given its parent's (resolved once per level, not per lookup). */
export function nsOf(child: Element, parentNs: string | undefined): string | undefined {
  if (child.name.includes(':')) return child.getNS();
  const own = child.attrs.xmlns;
  return typeof own === 'string' ? own : parentNs;
}

/** The local name (without any prefix). */
export function localName(el: Element): string {
  const i = el.name.indexOf(':');
  return i === -1 ? el.name : el.name.slice(i + 1);
}

export function optString(el: Element, attr: string): string | undefined {
  const v = el.attrs[attr];
  return typeof v === 'string' ? v : undefined;
}

export function reqString(el: Element, attr: string, where: string): string {
  const v = el.attrs[attr];
  if (typeof v !== 'string') fail(`${where} ${attr}`, 'missing');
  if (v === '') fail(`${where} ${attr}`, 'empty');
  return v;
}

const DIGITS = /^[0-9]{1,10}$/;

/** A decimal integer in [min, max]: digits only (no sign, exponent, fraction or spaces). */
export function parseIntAttr(v: string, min: number, max: number, where: string): number {
  const n = DIGITS.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) fail(where, `${q(v)} is not an integer ${min}-${max}`);
  return n;
}

export function optInt(
  el: Element,
  attr: string,
  min: number,
  max: number,
  where: string,
): number | undefined {
  const v = el.attrs[attr];
  return typeof v === 'string' ? parseIntAttr(v, min, max, `${where} ${attr}`) : undefined;
}

export function reqInt(el: Element, attr: string, min: number, max: number, where: string): number {
  const v = el.attrs[attr];
  if (typeof v !== 'string') fail(`${where} ${attr}`, 'missing');
  return parseIntAttr(v, min, max, `${where} ${attr}`);
}

export const UINT32_MAX = 4294967295;

export function optEnum<T extends string>(
  el: Element,
  attr: string,
  allowed: readonly T[],
  where: string,
): T | undefined {
  const v = el.attrs[attr];
  if (typeof v !== 'string') return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    fail(`${where} ${attr}`, `${q(v)} is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function reqEnum<T extends string>(
  el: Element,
  attr: string,
  allowed: readonly T[],
  where: string,
): T {
  const v = optEnum(el, attr, allowed, where);
  if (v === undefined) fail(`${where} ${attr}`, 'missing');
  return v;
}

/**
 * Browsers hide host addresses behind mDNS names (`<uuid>.local`, draft-ietf-mmusic-mdns-ice-
 * candidates §3.1.1); RFC 8839 §5.1 allows a name in a candidate, so such a candidate must cross
 * intact. Any other host name is refused.
 */
const MDNS_NAME = /^[A-Za-z0-9-]{1,63}\.local$/;

function isAddress(v: string): boolean {
  return isIP(v) !== 0 || MDNS_NAME.test(v);
}

/** An IPv4 or IPv6 address literal (node:net isIP), or an mDNS `.local` name; host names are refused. */
export function reqIp(el: Element, attr: string, where: string): string {
  const v = reqString(el, attr, where);
  if (!isAddress(v)) fail(`${where} ${attr}`, `${q(v)} is not an IPv4 or IPv6 address`);
  return v;
}

/**
 * XEP-0177 candidates come from SDP c= lines, which may hold a domain name (RFC 8866 §5.7);
 * raw UDP has no ICE to mind, so such a name is carried as it is.
 */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function reqHost(el: Element, attr: string, where: string): string {
  const v = reqString(el, attr, where);
  if (!isAddress(v) && !HOST_NAME.test(v))
    fail(`${where} ${attr}`, `${q(v)} is not an IP address or host name`);
  return v;
}

export function optIp(el: Element, attr: string, where: string): string | undefined {
  const v = el.attrs[attr];
  if (typeof v !== 'string') return undefined;
  if (!isAddress(v)) fail(`${where} ${attr}`, `${q(v)} is not an IPv4 or IPv6 address`);
  return v;
}

/** The concatenated text children. */
export function textOf(el: Element): string {
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

export const CREATORS = ['initiator', 'responder'] as const;
export const SENDERS = ['both', 'initiator', 'responder', 'none'] as const;

/* Building. */

type AttrValue = string | number | undefined;

/**
 * A new element with the given attributes, in the given order; undefined values are left out, so
 * an absent optional field is written as an absent attribute, never as "undefined".
 */
export function build(name: string, attrs?: Record<string, AttrValue>): Element {
  const el = new Element(name);
  if (attrs) {
    const out = el.attrs;
    for (const k in attrs) {
      const v = attrs[k];
      if (v !== undefined) out[k] = typeof v === 'number' ? String(v) : v;
    }
  }
  return el;
}

export function append(parent: Element, child: Element): Element {
  parent.children.push(child);
  child.parent = parent;
  return child;
}

/** `<parameter name value>` children (XEP-0167, 0293, 0294, 0339). */
export function parameterElement(name: string, value: string, omitEmptyValue: boolean): Element {
  return build('parameter', { name, value: omitEmptyValue && value === '' ? undefined : value });
}

/** Reads `<parameter name value>`; an absent value (allowed by XEP-0293/0294/0339) reads as ''. */
export function readParameter(el: Element, where: string): { name: string; value: string } {
  const name = el.attrs.name;
  if (typeof name !== 'string') fail(`${where} <parameter> name`, 'missing');
  const value = el.attrs.value;
  return { name, value: typeof value === 'string' ? value : '' };
}
