/**
 * JIDs (RFC 7622): parsing, and the one normal form every comparison of two JIDs goes through.
 * A server compares JIDs after the PRECIS profiles of RFC 7622 §3.2–§3.4 (the localpart
 * case-folded, the domain lower-cased, the resource kept), so the gateway must too: a callee
 * written `sip:Bob@…` is the XMPP user `bob@…`, and the `<proceed>` of `bob@…/phone` is his.
 * Addresses are kept as written for what is sent (a SIP user part is case-sensitive, RFC 3261
 * §19.1.4); only comparisons and keys use {@link normalJid}.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { InputError } from '../errors';

export interface Jid {
  local?: string;
  domain: string;
  resource?: string;
}

const fail = (address: string, why: string): InputError =>
  new InputError('translate', `address ${address}`, why);

const CONTROL = /[\u0000-\u001f\u007f]/;
const LOCAL_FORBIDDEN = /["&'/:<>@\s]/;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Throws unless `domain` is a valid domainpart (RFC 7622 §3.2): also used for SIP hosts. */
export function checkDomain(domain: string, address: string): void {
  if (domain === '') throw fail(address, 'empty domain');
  if (bytes(domain) > 1023) throw fail(address, 'domain longer than 1023 bytes');
  if (domain.startsWith('[')) {
    if (!domain.endsWith(']') || !isIPv6(domain.slice(1, -1))) throw fail(address, 'bad IPv6 literal');
    return;
  }
  if (isIPv4(domain)) return;
  if (/[\s@/\\[\]%]/.test(domain) || CONTROL.test(domain))
    throw fail(address, 'forbidden character in domain');
  for (const label of domain.split('.')) {
    if (label === '' || label.length > 63) throw fail(address, 'bad domain label');
  }
}

/** Splits and validates `local@domain/resource` (RFC 7622 §3). No PRECIS mapping is applied. */
export function parseJid(s: string): Jid {
  const slash = s.indexOf('/');
  const head = slash < 0 ? s : s.slice(0, slash);
  const resource = slash < 0 ? undefined : s.slice(slash + 1);
  const at = head.indexOf('@');
  const local = at < 0 ? undefined : head.slice(0, at);
  // RFC 7622 §3.2: a trailing dot is stripped from the domainpart.
  let domain = at < 0 ? head : head.slice(at + 1);
  if (domain.endsWith('.') && domain.length > 1) domain = domain.slice(0, -1);
  if (local !== undefined) {
    if (local === '') throw fail(s, 'empty local part');
    if (bytes(local) > 1023) throw fail(s, 'local part longer than 1023 bytes');
    if (LOCAL_FORBIDDEN.test(local) || CONTROL.test(local))
      throw fail(s, 'forbidden character in local part');
  }
  checkDomain(domain, s);
  if (resource !== undefined) {
    if (resource === '') throw fail(s, 'empty resource');
    if (bytes(resource) > 1023) throw fail(s, 'resource longer than 1023 bytes');
    if (CONTROL.test(resource)) throw fail(s, 'control character in resource');
  }
  const jid: Jid = { domain };
  if (local !== undefined) jid.local = local;
  if (resource !== undefined) jid.resource = resource;
  return jid;
}

export function formatJid(jid: Jid): string {
  return `${jid.local !== undefined ? `${jid.local}@` : ''}${jid.domain}${jid.resource !== undefined ? `/${jid.resource}` : ''}`;
}

/** `romeo@montague.lit/orchard` → `romeo@montague.lit`. */
export function bareJid(jid: string): string {
  const { local, domain } = parseJid(jid);
  return formatJid(local === undefined ? { domain } : { local, domain });
}

// ── The normal form (RFC 7622 §3.2–§3.4, RFC 8265) ──────────────────────────────────────────

/** RFC 8265 §3.4.1 / §4.2.1 width mapping: fullwidth and halfwidth forms (U+FF00–U+FFEF) to their decomposition. */
const width = (s: string): string => s.replace(/[\uff00-\uffef]/g, (c) => c.normalize('NFKC'));

/** RFC 8265 §3.4 UsernameCaseMapped: width mapping, Unicode toLowerCase, NFC. */
const localForm = (s: string): string => width(s).toLowerCase().normalize('NFC');

/**
 * RFC 7622 §3.2.2 (IDNA2008 / RFC 5895 mappings): the ideographic full stops are dots, width
 * mapping, lower case, NFC; a trailing dot is dropped (§3.2).
 */
const domainForm = (s: string): string => {
  const d = width(s.replace(/[\u3002\uff0e\uff61]/g, '.'))
    .toLowerCase()
    .normalize('NFC');
  return d.length > 1 && d.endsWith('.') ? d.slice(0, -1) : d;
};

/** RFC 8265 §4.2 OpaqueString: non-ASCII spaces to U+0020, NFC; case is kept. */
const resourceForm = (s: string): string =>
  s.replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ').normalize('NFC');

/**
 * The normal form of a JID, for comparing and keying: `Juliet@Capulet.LIT/Balcony` →
 * `juliet@capulet.lit/Balcony`. It never throws: input that is not a valid JID is split the same
 * way (first `/`, then the last `@` before it) so that a stanza's `from` can always be compared.
 * A XEP-0106 escape is part of the localpart and folds with it (the server sees it so too).
 */
export function normalJid(jid: string): string {
  // Printable ASCII (nearly every JID): width mapping, NFC and the space mapping change nothing,
  // and ASCII lower-casing is Unicode's; every stanza is keyed by its JIDs, so this is hot.
  return PRINTABLE_ASCII.test(jid) ? asciiNormalJid(jid) : unicodeNormalJid(jid);
}

/** {@link normalJid} by the general mappings (exported to test the ASCII path against it). */
export function unicodeNormalJid(jid: string): string {
  const slash = jid.indexOf('/');
  const head = slash < 0 ? jid : jid.slice(0, slash);
  const at = head.indexOf('@');
  const local = at < 0 ? '' : `${localForm(head.slice(0, at))}@`;
  const domain = domainForm(at < 0 ? head : head.slice(at + 1));
  return `${local}${domain}${slash < 0 ? '' : `/${resourceForm(jid.slice(slash + 1))}`}`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** {@link normalJid} of a printable-ASCII JID. */
function asciiNormalJid(jid: string): string {
  const slash = jid.indexOf('/');
  let head = slash < 0 ? jid : jid.slice(0, slash);
  // RFC 7622 §3.2: a trailing dot is stripped from a domainpart longer than the dot.
  if (head.endsWith('.') && head.length - head.indexOf('@') - 1 > 1) head = head.slice(0, -1);
  const lower = head.toLowerCase();
  return slash < 0 ? lower : `${lower}${jid.slice(slash)}`;
}

/** The normal form of the bare JID: `Juliet@Capulet.lit/balcony` → `juliet@capulet.lit`. */
export function normalBareJid(jid: string): string {
  const slash = jid.indexOf('/');
  return normalJid(slash < 0 ? jid : jid.slice(0, slash));
}

/** Whether two JIDs are the same entity (full JIDs: the same resource too). */
export function sameJid(a: string, b: string): boolean {
  return normalJid(a) === normalJid(b);
}

/** Whether two JIDs belong to the same account (resources ignored). */
export function sameBareJid(a: string, b: string): boolean {
  return normalBareJid(a) === normalBareJid(b);
}
