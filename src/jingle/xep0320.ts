/**
 * XEP-0320: Use of DTLS-SRTP in Jingle Sessions (version 0.3, 2013-09-28).
 *
 * `<fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='actpass'>HEX</fingerprint>`
 * as a child of the transport (ICE-UDP or raw UDP). It maps to `a=fingerprint` + `a=setup`
 * (RFC 8122, RFC 4145 / RFC 5763).
 */
import { Element } from 'ltx';
import { hashByName, type HashTable } from '../mapping';
import { build, fail, optEnum, q, reqString, tag, textOf } from './attrs';
import { NS_DTLS } from './namespaces';
import type { DtlsFingerprint, Setup } from './types';

export const SETUP_ROLES: readonly Setup[] = ['actpass', 'active', 'passive', 'holdconn'];

const COLON_HEX = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/;

/**
 * Checks that `value` is colon-separated hex pairs with exactly as many pairs as the hash has
 * bytes (RFC 8122 §5), and returns it in upper case.
 */
export function normaliseFingerprint(
  value: string,
  hashName: string,
  where: string,
  hashes: HashTable,
): string {
  const hash = hashByName(hashes, hashName);
  if (!hash) fail(where, `unknown hash ${q(hashName)}`);
  if (!COLON_HEX.test(value)) fail(where, `${q(value)} is not colon-separated hex pairs`);
  const pairs = (value.length + 1) / 3;
  if (pairs !== hash.bytes) fail(where, `${pairs} bytes, but ${hash.name} has ${hash.bytes}`);
  return value.toUpperCase();
}

export function parseDtlsFingerprint(el: Element, hashes: HashTable): DtlsFingerprint {
  const where = tag(el, 'hash');
  const hashName = reqString(el, 'hash', where);
  if (!hashByName(hashes, hashName)) fail(`${where} hash`, `unknown hash ${q(hashName)}`);
  const setup = optEnum(el, 'setup', SETUP_ROLES, where);
  // The XEP's own examples indent the value on its own line.
  const value = normaliseFingerprint(textOf(el).trim(), hashName, `${where} value`, hashes);
  const fp: DtlsFingerprint = { hash: hashName.toLowerCase(), value };
  if (setup !== undefined) fp.setup = setup;
  return fp;
}

export function dtlsFingerprintToElement(fp: DtlsFingerprint): Element {
  const el = build('fingerprint', { xmlns: NS_DTLS, hash: fp.hash, setup: fp.setup });
  el.children.push(fp.value);
  return el;
}
