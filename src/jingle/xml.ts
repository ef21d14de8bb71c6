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
const WS = /[ \t\r\n]*/y;
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

/**
 * Parses one XML document (an optional `<?xml …?>` declaration, comments, exactly one root
 * element) into an ltx Element. Whitespace text between elements is kept, as ltx keeps it.
 */
export function parseXml(text: string): Element {
  if (typeof text !== 'string') fail('input', 'not a string');
  // UTF-8 never takes fewer bytes than UTF-16 code units, so the cheap check comes first.
  if (text.length > MAX_XML_BYTES || Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) {
    fail('input', `larger than ${MAX_XML_BYTES} bytes`);
  }
  const bad = ILLEGAL_CHAR.exec(text);
  if (bad) fail(at(bad.index), `illegal character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`);

  const len = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  // XML 1.0 §2.8: the declaration may only appear at the very start.
  if (text.startsWith('<?xml', pos) && /[ \t\r\n?]/.test(text.charAt(pos + 5))) {
    const end = text.indexOf('?>', pos);
    if (end === -1) fail(at(pos), 'unterminated XML declaration');
    pos = end + 2;
  }

  const stack: Element[] = [];
  let root: Element | undefined;
  let count = 0;

  const skipWs = (): void => {
    WS.lastIndex = pos;
    WS.test(text);
    pos = WS.lastIndex;
  };
  const readName = (what: string): string => {
    NAME.lastIndex = pos;
    if (!NAME.test(text)) fail(at(pos), `expected ${what} name`);
    const name = text.slice(pos, NAME.lastIndex);
    pos = NAME.lastIndex;
    return name;
  };

  while (pos < len) {
    const lt = text.indexOf('<', pos);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > pos) {
      const raw = text.slice(pos, textEnd);
      if (stack.length === 0) {
        if (raw.trim() !== '')
          fail(at(pos), root ? 'text after the root element' : 'text outside the root element');
      } else {
        if (raw.includes(']]>')) fail(at(pos), `']]>' in text`);
        stack[stack.length - 1].children.push(decodeEntities(raw, pos));
      }
    }
    if (lt === -1) break;
    pos = lt;
    const next = text.charCodeAt(pos + 1);

    if (next === 33 /* ! */) {
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4);
        if (end === -1) fail(at(pos), 'unterminated comment');
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', pos)) {
        if (stack.length === 0) fail(at(pos), 'CDATA outside the root element');
        const end = text.indexOf(']]>', pos + 9);
        if (end === -1) fail(at(pos), 'unterminated CDATA section');
        stack[stack.length - 1].children.push(text.slice(pos + 9, end));
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
      const name = readName('end tag');
      skipWs();
      if (text.charCodeAt(pos) !== 62 /* > */) fail(at(pos), `expected '>' to close </${name}`);
      pos++;
      const open = stack.pop();
      if (!open) fail(at(lt), `end tag </${name}> without a start tag`);
      if (open.name !== name) fail(at(lt), `end tag </${name}> does not match <${open.name}>`);
      continue;
    }

    // A start tag.
    if (root && stack.length === 0) fail(at(pos), 'more than one root element');
    if (stack.length >= MAX_XML_DEPTH) fail(at(pos), `nesting deeper than ${MAX_XML_DEPTH}`);
    pos++;
    const name = readName('element');
    const el = new Element(name);
    const attrs = el.attrs;
    let nattrs = 0;
    let selfClosing = false;
    for (;;) {
      const before = pos;
      skipWs();
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
      const attr = readName('attribute');
      if (++nattrs > MAX_XML_ATTRIBUTES)
        fail(at(pos), `more than ${MAX_XML_ATTRIBUTES} attributes in <${name}>`);
      if (attr === '__proto__') fail(at(pos), `attribute name '__proto__' is not supported`);
      if (Object.prototype.hasOwnProperty.call(attrs, attr))
        fail(at(pos), `duplicate attribute '${attr}' in <${name}>`);
      skipWs();
      if (text.charCodeAt(pos) !== 61 /* = */) fail(at(pos), `expected '=' after attribute '${attr}'`);
      pos++;
      skipWs();
      const q = text.charAt(pos);
      if (q !== '"' && q !== "'") fail(at(pos), `attribute '${attr}' value is not quoted`);
      const end = text.indexOf(q, pos + 1);
      if (end === -1) fail(at(pos), `unterminated value of attribute '${attr}'`);
      let value = text.slice(pos + 1, end);
      if (value.includes('<')) fail(at(pos), `'<' in the value of attribute '${attr}'`);
      value = decodeEntities(value, pos + 1);
      // XML 1.0 §3.3.3: attribute-value normalisation of literal whitespace.
      if (ATTR_WS.test(value)) value = value.replace(ATTR_WS_ALL, ' ');
      attrs[attr] = value;
      pos = end + 1;
    }
    if (++count > MAX_XML_ELEMENTS) fail(at(lt), `more than ${MAX_XML_ELEMENTS} elements`);
    if (stack.length > 0) {
      const parent = stack[stack.length - 1];
      parent.children.push(el);
      el.parent = parent;
    } else {
      root = el;
    }
    if (!selfClosing) stack.push(el);
  }

  if (stack.length > 0) fail(at(len), `unclosed element <${stack[stack.length - 1].name}>`);
  if (!root) fail(at(len), 'no root element');
  return root;
}
