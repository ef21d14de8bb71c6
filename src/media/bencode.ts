/**
 * Bencode, the encoding of rtpengine's ng control protocol (docs/media.md): byte strings
 * `<len>:<bytes>`, integers `i<n>e`, lists `l…e` and dictionaries `d…e` with sorted keys.
 * Strings decode as UTF-8 (SDP bodies are ASCII/UTF-8). Malformed input throws an Error that
 * names the offset; the decoder never reads past the buffer and is bounded in depth.
 */

export type BValue = string | number | BValue[] | { [key: string]: BValue };

export function bencode(v: BValue | undefined | null | boolean): Buffer {
  const parts: Buffer[] = [];
  encodeInto(v, parts);
  return Buffer.concat(parts);
}

function encodeInto(v: BValue | undefined | null | boolean, out: Buffer[]): void {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    out.push(Buffer.from(`${b.length}:`), b);
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`bencode: ${v} is not an integer`);
    out.push(Buffer.from(`i${v}e`));
  } else if (typeof v === 'boolean') {
    out.push(Buffer.from(`i${v ? 1 : 0}e`));
  } else if (Array.isArray(v)) {
    out.push(Buffer.from('l'));
    for (const x of v) encodeInto(x, out);
    out.push(Buffer.from('e'));
  } else if (v !== null && v !== undefined) {
    out.push(Buffer.from('d'));
    // Dictionary keys are sorted as raw strings (BEP 3); undefined values are left out.
    for (const k of Object.keys(v).sort()) {
      const x = v[k];
      if (x === undefined) continue;
      encodeInto(k, out);
      encodeInto(x, out);
    }
    out.push(Buffer.from('e'));
  } else {
    throw new Error('bencode: no value');
  }
}

const MAX_DEPTH = 32;

/** Decodes one value from `buf` starting at `start`; `end` is the offset after it. */
export function bdecode(buf: Buffer, start = 0): { value: BValue; end: number } {
  return decodeAt(buf, start, 0);
}

function decodeAt(buf: Buffer, i: number, depth: number): { value: BValue; end: number } {
  if (depth > MAX_DEPTH) throw new Error(`bencode: nested deeper than ${MAX_DEPTH} at ${i}`);
  if (i >= buf.length) throw new Error(`bencode: truncated at ${i}`);
  const c = buf[i];
  if (c === 0x69 /* i */) {
    const e = buf.indexOf(0x65 /* e */, i + 1);
    if (e < 0) throw new Error(`bencode: unterminated integer at ${i}`);
    const text = buf.toString('latin1', i + 1, e);
    if (!/^-?\d+$/.test(text)) throw new Error(`bencode: bad integer at ${i}`);
    return { value: Number(text), end: e + 1 };
  }
  if (c === 0x6c /* l */) {
    const list: BValue[] = [];
    let j = i + 1;
    while (buf[j] !== 0x65) {
      if (j >= buf.length) throw new Error(`bencode: unterminated list at ${i}`);
      const r = decodeAt(buf, j, depth + 1);
      list.push(r.value);
      j = r.end;
    }
    return { value: list, end: j + 1 };
  }
  if (c === 0x64 /* d */) {
    const dict: { [key: string]: BValue } = Object.create(null) as { [key: string]: BValue };
    let j = i + 1;
    while (buf[j] !== 0x65) {
      if (j >= buf.length) throw new Error(`bencode: unterminated dictionary at ${i}`);
      const k = decodeAt(buf, j, depth + 1);
      if (typeof k.value !== 'string') throw new Error(`bencode: dictionary key is not a string at ${j}`);
      const v = decodeAt(buf, k.end, depth + 1);
      dict[k.value] = v.value;
      j = v.end;
    }
    return { value: dict, end: j + 1 };
  }
  if (c !== undefined && c >= 0x30 && c <= 0x39) {
    const colon = buf.indexOf(0x3a /* : */, i);
    if (colon < 0 || colon - i > 10) throw new Error(`bencode: bad string length at ${i}`);
    const len = Number(buf.toString('latin1', i, colon));
    const s = colon + 1;
    if (!Number.isSafeInteger(len) || s + len > buf.length)
      throw new Error(`bencode: truncated string at ${i}`);
    return { value: buf.toString('utf8', s, s + len), end: s + len };
  }
  throw new Error(`bencode: unexpected byte 0x${(c ?? 0).toString(16)} at ${i}`);
}
