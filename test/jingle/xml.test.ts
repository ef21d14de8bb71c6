import { parse as ltxParse } from 'ltx';
import { InputError, isInputError } from '../../src/errors';
import { parseJingleXml } from '../../src/jingle';
import { MAX_XML_BYTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, parseXml } from '../../src/jingle/xml';
import { tables } from '../support/tables';

function xmlError(text: string): InputError {
  try {
    parseXml(text);
  } catch (e) {
    if (isInputError(e)) return e;
    throw new Error(`a raw error escaped: ${String(e)}`);
  }
  throw new Error('no error');
}

describe('what ltx parse does on its own (why xml.ts exists)', () => {
  it('throws on some malformed input, but not with InputError', () => {
    for (const bad of ['<a><b></a>', '<a>', 'text']) expect(() => ltxParse(bad)).toThrow();
  });
  it('is lenient where it must not be', () => {
    expect(ltxParse('<a/><b/>').toString()).toBe('<a/>'); // a second root, silently dropped
    expect(ltxParse('<a/>junk').toString()).toBe('<a/>'); // trailing garbage, ignored
    expect(ltxParse('<a b="1" b="2"/>').toString()).toBe('<a b="2"/>'); // duplicate attribute
    expect(ltxParse('<a>&amp</a>').getText()).toBe('&amp'); // a bare '&'
  });
});

describe('parseXml: well-formed input', () => {
  it('builds ltx elements with attributes, text, CDATA and namespaces', () => {
    const el = parseXml(
      "<?xml version='1.0'?>\n<!-- c --><a xmlns='urn:x' k=\"v &amp; &#x41;&#66;\"><b>t&lt;<![CDATA[<raw>]]></b><c/></a>\n",
    );
    expect(el.name).toBe('a');
    expect(el.attrs).toEqual({ xmlns: 'urn:x', k: 'v & AB' });
    expect(el.getChild('b')?.getText()).toBe('t<<raw>');
    expect(el.getChild('c')?.getNS()).toBe('urn:x');
    expect(el.getChild('c')?.parent).toBe(el);
  });
  it('normalises literal whitespace in attribute values (XML 1.0 §3.3.3)', () => {
    expect(parseXml("<a b='x\ty\nz'/>").attrs.b).toBe('x y z');
  });
  it('accepts exactly the depth limit', () => {
    const ok = '<a>'.repeat(MAX_XML_DEPTH) + '</a>'.repeat(MAX_XML_DEPTH);
    expect(parseXml(ok).name).toBe('a');
  });
});

describe('parseXml: malformed input is an InputError naming the problem', () => {
  it.each([
    ['<a><b></a>', 'does not match <b>'],
    ['<a>', 'unclosed element <a>'],
    ['<a/><b/>', 'more than one root element'],
    ['text', 'text outside the root element'],
    ['<a/>junk', 'text after the root element'],
    ['', 'no root element'],
    ['<a></b>', 'does not match <a>'],
    ['</a>', 'without a start tag'],
    ['<a b=1/>', "attribute 'b' value is not quoted"],
    ['<a b="1" b="2"/>', "duplicate attribute 'b'"],
    ['<a b="1"c="2"/>', 'expected whitespace before an attribute'],
    ['<a b="x<y"/>', "'<' in the value"],
    ['<a>&foo;</a>', "unknown entity '&foo;'"],
    ['<a>&amp</a>', "bare '&'"],
    ['<a>&#0;</a>', 'illegal character'],
    ['<a>&#xZZ;</a>', 'bad character reference'],
    ['<a>\u0001</a>', 'illegal character U+0001'],
    ['<a><?pi x?></a>', 'processing instructions are not allowed'],
    ['<?pi x?><a/>', 'processing instructions are not allowed'],
    ['<a/><?xml version="1.0"?>', 'processing instructions are not allowed'],
    ['<!DOCTYPE a><a/>', 'DOCTYPE is not allowed'],
    ['<a><!ENTITY x "y"></a>', 'ENTITY declarations are not allowed'],
    ['<a><!-- x </a>', 'unterminated comment'],
    ['<a><![CDATA[x</a>', 'unterminated CDATA'],
    ['<a>]]></a>', "']]>' in text"],
    ['<a ', 'unterminated start tag'],
    ['<a __proto__="x"/>', "'__proto__' is not supported"],
    ['<1a/>', 'expected element name'],
  ])('%j → %s', (text, detail) => {
    const e = xmlError(text);
    expect(e.domain).toBe('xml');
    expect(e.message).toContain(detail);
  });
});

describe('hostile input is rejected quickly', () => {
  const cases: Array<[string, () => string, string]> = [
    [
      'billion laughs (DOCTYPE + ENTITY)',
      () =>
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
        Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('') +
        ']><lolz>&lol9;</lolz>',
      'DOCTYPE is not allowed',
    ],
    ['an undeclared entity', () => '<a>&lol9;</a>', "unknown entity '&lol9;'"],
    ['1 MB of <a> nesting', () => '<a>'.repeat(350_000), `larger than ${MAX_XML_BYTES} bytes`],
    ['oversize text', () => `<a>${'x'.repeat(MAX_XML_BYTES)}</a>`, 'larger than'],
    ['oversize in UTF-8 only', () => `<a>${'é'.repeat(MAX_XML_BYTES / 2 + 10)}</a>`, 'larger than'],
    ['deep nesting under the size limit', () => '<a>'.repeat(60_000), `nesting deeper than ${MAX_XML_DEPTH}`],
    [
      'deep self-closing leaf',
      () => '<a>'.repeat(MAX_XML_DEPTH) + '<b/>' + '</a>'.repeat(MAX_XML_DEPTH),
      'nesting deeper',
    ],
    [
      '100k attributes',
      () => `<a ${Array.from({ length: 100_000 }, (_, i) => `a${i}='1'`).join(' ')}/>`,
      'larger than',
    ],
    [
      'many attributes under the size limit',
      () => `<a ${Array.from({ length: 20_000 }, (_, i) => `a${i}='1'`).join(' ')}/>`,
      'more than 64 attributes',
    ],
    [
      'many elements',
      () => `<a>${'<b/>'.repeat(MAX_XML_ELEMENTS + 1)}</a>`,
      `more than ${MAX_XML_ELEMENTS} elements`,
    ],
    ['an unterminated attribute value', () => `<a b='${'x'.repeat(200_000)}`, 'unterminated value'],
    ['many unknown entities', () => `<a>${'&x;'.repeat(60_000)}</a>`, "unknown entity '&x;'"],
  ];
  it.each(cases)('%s', (_, make, detail) => {
    const text = make();
    const t0 = process.hrtime.bigint();
    let caught: unknown;
    try {
      parseJingleXml(text, tables.hashes);
    } catch (e) {
      caught = e;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(isInputError(caught)).toBe(true);
    expect((caught as InputError).domain).toBe('xml');
    expect((caught as Error).message).toContain(detail);
    expect(ms).toBeLessThan(100);
  });
  it('rejects a non-string', () => {
    expect(() => parseXml(42 as unknown as string)).toThrow(InputError);
  });
});
