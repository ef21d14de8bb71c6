/**
 * Strict, bounded parsing of untrusted XML text into an ltx Element.
 *
 * ltx's own `parse` is lenient: it silently drops a second root (`<a/><b/>` gives `<a/>`) and
 * trailing text, keeps the last of two duplicate attributes, passes a bare `&` through, and throws
 * plain `Error`s. Stanzas arrive from the network, so this module implements the subset of XML 1.0
 * that XMPP allows (RFC 6120 §11.1: no DTD, no processing instructions except the XML declaration,
 * only the five predefined entities and character references) as a single pass, and builds ltx
 * Elements directly. Every failure is an InputError('xml', …).
 *
 * Limits are checked before and during the scan, so hostile input (megabytes of nesting, 100k
 * attributes, entity bombs) is rejected in time linear in the input, and bounded by MAX_XML_BYTES.
 */
import { Element } from 'ltx';
import { InputError } from '../errors';

/** Largest accepted document, in UTF-8 bytes. */
export const MAX_XML_BYTES = 256 * 1024;
/** Deepest accepted element nesting (the root is depth 1). */
export const MAX_XML_DEPTH = 32;
/** Most elements in one document. */
export const MAX_XML_ELEMENTS = 5000;
/** Most attributes on one element. */
export const MAX_XML_ATTRIBUTES = 64;

// XML 1.0 §2.2: characters outside Char (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF).
const ILLEGAL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// XML 1.0 §2.3 Name, restricted to the BMP ranges that matter in practice (without combining marks
// and ZWJ/ZWNJ, which no XMPP namespace uses).
const NAME =
  /[A-Za-z_:\u00C0-\u02FF\u0370-\u037D\u037F-\u1FFF\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-A-Za-z0-9_:.\u00B7\u00C0-\u02FF\u0370-\u037D\u037F-\u1FFF\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;
const ATTR_WS = /[\t\r\n]/;
const ATTR_WS_ALL = /[\t\r\n]/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function fail(where: string, detail: string): never {
  throw new InputError('xml', where, detail);
}

/** `offset N` for error messages. */
function at(pos: number): string {
  return `offset ${pos}`;
}

/** A short, printable excerpt of attacker-controlled text for an error message. */
function excerpt(s: string): string {
  const cut = s.length > 32 ? `${s.slice(0, 32)}…` : s;
  return JSON.stringify(cut);
}

function isLegalCodePoint(n: number): boolean {
  return (
    n === 0x9 ||
    n === 0xa ||
    n === 0xd ||
    (n >= 0x20 && n <= 0xd7ff) ||
    (n >= 0xe000 && n <= 0xfffd) ||
    (n >= 0x10000 && n <= 0x10ffff)
  );
}

/** Replaces the five predefined entities and character references; anything else is an error. */
function decodeEntities(s: string, pos: number): string {
  let amp = s.indexOf('&');
  if (amp === -1) return s;
  let out = '';
  let prev = 0;
  while (amp !== -1) {
    const semi = s.indexOf(';', amp + 1);
    // The longest legal reference is `&#x10FFFF;` (10 characters).
    if (semi === -1 || semi - amp > 10) fail(at(pos + amp), `bare '&' (not a reference)`);
    const ref = s.slice(amp + 1, semi);
    let ch: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref.charCodeAt(1) === 120; /* x */
      const digits = ref.slice(hex ? 2 : 1);
      if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) {
        fail(at(pos + amp), `bad character reference '&${excerpt(ref).slice(1, -1)};'`);
      }
      const n = parseInt(digits, hex ? 16 : 10);
      if (!isLegalCodePoint(n)) fail(at(pos + amp), `character reference to an illegal character`);
      ch = String.fromCodePoint(n);
    } else {
      ch = Object.prototype.hasOwnProperty.call(PREDEFINED, ref) ? PREDEFINED[ref] : undefined;
      if (ch === undefined) fail(at(pos + amp), `unknown entity '&${excerpt(ref).slice(1, -1)};'`);
    }
    out += s.slice(prev, amp) + ch;
    prev = semi + 1;
    amp = s.indexOf('&', prev);
  }
  return out + s.slice(prev);
}

/** ASCII characters of an XML name: 1 = NameStartChar and NameChar, 2 = NameChar only. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) ASCII_NAME[c] = 1;
  else if (/[-0-9.]/.test(ch)) ASCII_NAME[c] = 2;
}

/** A hash of the last name nameEnd read on its ASCII fast path, else -1. */
let nameHash = -1;

/** The end of the name at `pos` (ASCII fast path, NAME for the rest), or -1 if there is none. */
function nameEnd(text: string, pos: number): number {
  let c = text.charCodeAt(pos);
  if (c < 128 && ASCII_NAME[c] === 1) {
    let h = c;
    let i = pos + 1;
    for (c = text.charCodeAt(i); c < 128 && ASCII_NAME[c] !== 0; c = text.charCodeAt(i)) {
      h = (h * 31 + c) | 0;
      i++;
    }
    // NaN (the end of the text) and ASCII non-name characters end the name here.
    if (!(c >= 128)) {
      nameHash = h;
      return i;
    }
  }
  nameHash = -1;
  NAME.lastIndex = pos;
  return NAME.test(text) ? NAME.lastIndex : -1;
}

/**
 * Names seen before, by hash: a bounded cache (hostile input only causes misses) that hands out
 * one internalized string per name, so attribute keys need no hashing or string-table lookup.
 */
const NAMES: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);

/** text[pos, end), the name nameEnd just read. */
function nameAt(text: string, pos: number, end: number): string {
  if (nameHash === -1) return text.slice(pos, end);
  const i = nameHash & 1023;
  const known = NAMES[i];
  if (known !== undefined && known.length === end - pos) {
    let k = 0;
    while (k < known.length && known.charCodeAt(k) === text.charCodeAt(pos + k)) k++;
    if (k === known.length) return known;
  }
  // A property key is internalized: take it back from an object.
  // (No prototype, so `__proto__` is an ordinary key.)
  const o = Object.create(null) as Record<string, true>;
  o[text.slice(pos, end)] = true;
  const name = Object.keys(o)[0] as string;
  NAMES[i] = name;
  return name;
}

/** The first position at or after `pos` that is not XML whitespace (space, TAB, CR, LF). */
function skipWs(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 9 || c === 13) pos++;
    else return pos;
  }
}

/** Is there a character outside XML 1.0 Char in text[from, to)? */
function hasIllegal(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 ? c !== 9 && c !== 10 && c !== 13 : c >= 0xfffe) return true;
  }
  return false;
}

/** Throws for the first illegal character in the text, if there is one. */
function checkIllegal(text: string): void {
  const bad = ILLEGAL_CHAR.exec(text);
  if (bad) fail(at(bad.index), `illegal character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Attribute value scan flags. */
const HAS_LT = 1;
const HAS_AMP = 2;
const HAS_WS = 4;

/**
 * Parses one XML document (an optional `<?xml …?>` declaration, comments, exactly one root
 * element) into an ltx Element. Whitespace text between elements is kept, as ltx keeps it.
 *
 * Errors come in this order: not a string, too large, the first illegal character (XML 1.0 §2.2)
 * anywhere in the text, then the first syntax error. The scan checks characters as it reads them,
 * and any failure looks for an illegal character first, so the order holds without a separate pass.
 */
export function parseXml(text: string): Element {
  if (typeof text !== 'string') fail('input', 'not a string');
  // UTF-8 takes at least as many bytes as UTF-16 code units, and at most three per unit.
  if (
    text.length > MAX_XML_BYTES ||
    (text.length * 3 > MAX_XML_BYTES && Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES)
  ) {
    fail('input', `larger than ${MAX_XML_BYTES} bytes`);
  }
  try {
    return parseDocument(text);
  } catch (e) {
    if (e instanceof InputError) checkIllegal(text);
    throw e;
  }
}

function parseDocument(text: string): Element {
  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  // XML 1.0 §2.8: the declaration may only appear at the very start.
  if (text.startsWith('<?xml', pos) && /[ \t\r\n?]/.test(text.charAt(pos + 5))) {
    const end = text.indexOf('?>', pos);
    if (end === -1) fail(at(pos), 'unterminated XML declaration');
    if (hasIllegal(text, pos, end)) checkIllegal(text);
    pos = end + 2;
  }

  const stack: Element[] = [];
  let current: Element | undefined; // the top of the stack
  let root: Element | undefined;
  let count = 0;

  while (pos < len) {
    const lt = text.indexOf('<', pos);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > pos) {
      if (hasIllegal(text, pos, textEnd)) checkIllegal(text);
      const raw = text.slice(pos, textEnd);
      if (current === undefined) {
        if (raw.trim() !== '')
          fail(at(pos), root ? 'text after the root element' : 'text outside the root element');
      } else {
        if (raw.includes(']]>')) fail(at(pos), `']]>' in text`);
        current.children.push(decodeEntities(raw, pos));
      }
    }
    if (lt === -1) break;
    pos = lt;
    const next = text.charCodeAt(pos + 1);

    if (next === 33 /* ! */) {
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4);
        if (end === -1) fail(at(pos), 'unterminated comment');
        if (hasIllegal(text, pos + 4, end)) checkIllegal(text);
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', pos)) {
        if (current === undefined) fail(at(pos), 'CDATA outside the root element');
        const end = text.indexOf(']]>', pos + 9);
        if (end === -1) fail(at(pos), 'unterminated CDATA section');
        if (hasIllegal(text, pos + 9, end)) checkIllegal(text);
        current.children.push(text.slice(pos + 9, end));
        pos = end + 3;
      } else if (text.startsWith('<!DOCTYPE', pos)) {
        fail(at(pos), 'DOCTYPE is not allowed (no DTDs)');
      } else if (text.startsWith('<!ENTITY', pos)) {
        fail(at(pos), 'ENTITY declarations are not allowed');
      } else {
        fail(at(pos), 'markup declarations are not allowed');
      }
      continue;
    }
    if (next === 63 /* ? */) fail(at(pos), 'processing instructions are not allowed');

    if (next === 47 /* / */) {
      pos += 2;
      const nameTo = nameEnd(text, pos);
      if (nameTo === -1) fail(at(pos), 'expected end tag name');
      const name = nameAt(text, pos, nameTo);
      pos = skipWs(text, nameTo);
      if (text.charCodeAt(pos) !== 62 /* > */) fail(at(pos), `expected '>' to close </${name}`);
      pos++;
      const open = stack.pop();
      if (!open) fail(at(lt), `end tag </${name}> without a start tag`);
      if (open.name !== name) fail(at(lt), `end tag </${name}> does not match <${open.name}>`);
      current = stack.length > 0 ? stack[stack.length - 1] : undefined;
      continue;
    }

    // A start tag.
    if (root && current === undefined) fail(at(pos), 'more than one root element');
    if (stack.length >= MAX_XML_DEPTH) fail(at(pos), `nesting deeper than ${MAX_XML_DEPTH}`);
    pos++;
    const nameTo = nameEnd(text, pos);
    if (nameTo === -1) fail(at(pos), 'expected element name');
    const name = nameAt(text, pos, nameTo);
    pos = nameTo;
    const el = new Element(name);
    const attrs = el.attrs;
    let nattrs = 0;
    let selfClosing = false;
    for (;;) {
      const before = pos;
      pos = skipWs(text, pos);
      const c = text.charCodeAt(pos);
      if (c === 62 /* > */) {
        pos++;
        break;
      }
      if (c === 47 /* / */) {
        if (text.charCodeAt(pos + 1) !== 62) fail(at(pos), `expected '/>' in <${name}>`);
        pos += 2;
        selfClosing = true;
        break;
      }
      if (pos >= len) fail(at(lt), `unterminated start tag <${name}>`);
      if (pos === before) fail(at(pos), `expected whitespace before an attribute in <${name}>`);
      const attrTo = nameEnd(text, pos);
      if (attrTo === -1) fail(at(pos), 'expected attribute name');
      const attr = nameAt(text, pos, attrTo);
      pos = attrTo;
      if (++nattrs > MAX_XML_ATTRIBUTES)
        fail(at(pos), `more than ${MAX_XML_ATTRIBUTES} attributes in <${name}>`);
      if (attr === '__proto__') fail(at(pos), `attribute name '__proto__' is not supported`);
      if (Object.prototype.hasOwnProperty.call(attrs, attr))
        fail(at(pos), `duplicate attribute '${attr}' in <${name}>`);
      pos = skipWs(text, pos);
      if (text.charCodeAt(pos) !== 61 /* = */) fail(at(pos), `expected '=' after attribute '${attr}'`);
      pos = skipWs(text, pos + 1);
      const q = text.charCodeAt(pos);
      if (q !== 34 /* " */ && q !== 39 /* ' */) fail(at(pos), `attribute '${attr}' value is not quoted`);
      // One scan for the closing quote that notes '<', '&', literal whitespace and illegal characters.
      let end = pos + 1;
      let flags = 0;
      for (;;) {
        const v = text.charCodeAt(end);
        if (v === q) break;
        if (v < 0x3d /* = */) {
          if (v === 60 /* < */) flags |= HAS_LT;
          else if (v === 38 /* & */) flags |= HAS_AMP;
          else if (v === 9 || v === 10 || v === 13) flags |= HAS_WS;
          else if (v < 0x20) checkIllegal(text);
        } else if (v >= 0xfffe) {
          checkIllegal(text);
        } else if (v !== v) {
          fail(at(pos), `unterminated value of attribute '${attr}'`); // NaN: the end of the text
        }
        end++;
      }
      if (flags & HAS_LT) fail(at(pos), `'<' in the value of attribute '${attr}'`);
      let value = text.slice(pos + 1, end);
      if (flags & HAS_AMP) {
        value = decodeEntities(value, pos + 1);
        // XML 1.0 §3.3.3: attribute-value normalisation of literal whitespace.
        if (ATTR_WS.test(value)) value = value.replace(ATTR_WS_ALL, ' ');
      } else if (flags & HAS_WS) {
        value = value.replace(ATTR_WS_ALL, ' ');
      }
      attrs[attr] = value;
      pos = end + 1;
    }
    if (++count > MAX_XML_ELEMENTS) fail(at(lt), `more than ${MAX_XML_ELEMENTS} elements`);
    if (current !== undefined) {
      current.children.push(el);
      el.parent = current;
    } else {
      root = el;
    }
    if (!selfClosing) {
      stack.push(el);
      current = el;
    }
  }

  if (current !== undefined) fail(at(len), `unclosed element <${current.name}>`);
  if (!root) fail(at(len), 'no root element');
  return root;
}
