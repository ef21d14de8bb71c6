/**
 * Header parameters: `*( SEMI generic-param )` with `generic-param = token [ EQUAL gen-value ]` and
 * `gen-value = token / host / quoted-string` (RFC 3261 §25.1). LWS is allowed around `;` and `=`.
 *
 * Names are lower-cased (parameter names are case-insensitive, §7.3.1). Quoted values keep their
 * quotes, so formatting gives back an equivalent text; header-specific parsers (Reason `text`)
 * unquote what they understand.
 */
import { InputError } from '../../errors';
import { isTokenChar, isWsp, readQuotedString, trimLws } from './grammar';

export type Params = Record<string, string | true>;

/** gen-value without quotes: token characters plus those of host (`[`, `]`, `:` for IPv6). */
function isGenValueChar(c: string): boolean {
  return isTokenChar(c) || c === '[' || c === ']' || c === ':';
}

/**
 * Parses `;a=b ;c ;d="x y"` (the text from the first `;`, or empty). Throws on an empty
 * parameter (`;;`), a bad name or value, or a repeated name.
 */
export function parseParams(text: string, where: string): Params {
  const params: Params = Object.create(null) as Params;
  let i = 0;
  const n = text.length;
  const skip = (): void => {
    while (i < n && isWsp(text[i])) i++;
  };
  skip();
  while (i < n) {
    if (text[i] !== ';') throw new InputError('sip', where, `unexpected "${text[i]}" before parameter`);
    i++;
    skip();
    const nameStart = i;
    while (i < n && isTokenChar(text[i])) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (name.length === 0) throw new InputError('sip', where, 'empty parameter');
    skip();
    let value: string | true = true;
    if (text[i] === '=') {
      i++;
      skip();
      if (text[i] === '"') {
        const q = readQuotedString(text, i, where);
        value = text.slice(i, q.end);
        i = q.end;
      } else {
        const vStart = i;
        while (i < n && isGenValueChar(text[i])) i++;
        value = text.slice(vStart, i);
        if (value.length === 0) throw new InputError('sip', where, `parameter ${name} has an empty value`);
      }
      skip();
    }
    if (name in params) throw new InputError('sip', where, `parameter ${name} repeated`);
    params[name] = value;
  }
  return params;
}

export function formatParams(params: Params): string {
  let out = '';
  // for…in (own keys only: params are plain objects): no array of pairs per Via or URI written.
  for (const k in params) {
    const v = params[k];
    out += v === true ? `;${k}` : `;${k}=${v}`;
  }
  return out;
}

/** Removes the quotes and quoted-pair escapes of a quoted parameter value; tokens pass through. */
export function unquoteParam(value: string, where: string): string {
  const t = trimLws(value);
  if (!t.startsWith('"')) return t;
  const q = readQuotedString(t, 0, where);
  if (q.end !== t.length) throw new InputError('sip', where, 'text after quoted string');
  return q.value;
}
