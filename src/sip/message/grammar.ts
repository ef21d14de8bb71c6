/**
 * Character classes and small scanners from the RFC 3261 §25.1 grammar, shared by the header
 * parsers. Every scanner is a single linear pass: no backtracking regular expressions touch
 * untrusted text, so hostile input stays fast.
 */
import { InputError } from '../../errors';

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN_MARKS = new Set("-.!%*_+`'~");

export function isAlphaNum(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

export function isTokenChar(c: string): boolean {
  return isAlphaNum(c) || TOKEN_MARKS.has(c);
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (const c of s) if (!isTokenChar(c)) return false;
  return true;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** SP or HTAB. (String.prototype.trim would also strip U+FEFF and other Unicode spaces.) */
export function isWsp(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s[a])) a++;
  while (b > a && isWsp(s[b - 1])) b--;
  return s.slice(a, b);
}

export function hasWsp(s: string): boolean {
  return s.includes(' ') || s.includes('\t');
}

/**
 * Reads a quoted-string starting at `start` (which must be `"`). Returns the unescaped content
 * and the index after the closing quote. quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F).
 */
export function readQuotedString(text: string, start: number, where: string): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\\') {
      const n = text[i + 1];
      if (n === undefined) break;
      const code = n.charCodeAt(0);
      if (code > 0x7f || code === 0x0a || code === 0x0d) {
        throw new InputError('sip', where, 'invalid quoted-pair in quoted string');
      }
      out += n;
      i += 2;
      continue;
    }
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== '\t') || code === 0x7f) {
      throw new InputError('sip', where, 'control character in quoted string');
    }
    out += c;
    i++;
  }
  throw new InputError('sip', where, 'unterminated quoted string');
}

/** Quotes a string for a quoted-string production, escaping `"` and `\`. */
export function quoteString(s: string): string {
  let out = '"';
  for (const c of s) out += c === '"' || c === '\\' ? '\\' + c : c;
  return out + '"';
}

/**
 * Splits a header value on commas that are outside quoted strings and `<…>` (RFC 3261 §7.3.1).
 * Elements are LWS-trimmed; empty elements are kept so that callers can reject them.
 */
export function splitHeaderValues(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') inAngle = true;
    else if (c === '>') inAngle = false;
    else if (c === ',' && !inAngle) {
      out.push(trimLws(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimLws(value.slice(start)));
  return out;
}

/**
 * Finds a control character that the grammar does not allow: CTLs (other than HTAB) are legal only
 * as the second half of a quoted-pair inside a quoted string (RFC 4475 §3.1.1.2 has NUL, BEL and
 * DEL escaped this way). Returns the offending index or -1.
 */
export function findBadControl(value: string): number {
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const code = c.charCodeAt(0);
    if (inQuote && c === '\\') {
      const n = value.charCodeAt(i + 1);
      if (n === 0x0a || n === 0x0d) return i + 1;
      i++;
      continue;
    }
    if (c === '"') inQuote = !inQuote;
    else if ((code < 0x20 && c !== '\t') || code === 0x7f) return i;
  }
  return -1;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Checks that every character of `s` is alphanumeric, in `allowed`, a valid `%HH` escape, or
 * (with allowUtf8) a non-ASCII character.
 */
export function isEscapedText(s: string, allowed: string, allowUtf8 = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (isAlphaNum(c) || allowed.includes(c)) continue;
    if (c === '%') {
      if (!HEX.test(s.slice(i + 1, i + 3))) return false;
      i += 2;
      continue;
    }
    if (allowUtf8 && c.charCodeAt(0) > 0x7f) continue;
    return false;
  }
  return true;
}

/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
export const MARK = "-_.!~*'()";
