import * as fs from 'node:fs';
import * as path from 'node:path';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'jingle-xep');

export interface Fixture {
  file: string;
  text: string;
  /** The `<!-- expect: … -->` error message, for fixtures that must be rejected. */
  expect?: string;
}

export function loadFixtures(): Fixture[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
      const m = /<!-- expect: (.*) -->/.exec(text);
      return { file, text, expect: m ? m[1] : undefined };
    });
}

/** The first element name after the leading comments. */
function rootName(text: string): string {
  const m = /<([A-Za-z][-A-Za-z0-9:]*)/.exec(text.replace(/<!--[\s\S]*?-->/g, ''));
  return m ? m[1] : '';
}

/**
 * The XEPs give some examples as fragments (a `<description>`, a `<content>`, …). Wrap them in the
 * smallest `<jingle>` that holds them, leaving the fragment itself (comments included) unchanged.
 */
export function asJingleDocument(text: string): string {
  const root = rootName(text);
  if (root === 'iq' || root === 'jingle') return text;
  let inner = text;
  if (root === 'encryption' || root === 'source') {
    inner = `<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'>${inner}</description>`;
  }
  if (root !== 'content') inner = `<content creator='initiator' name='fixture'>${inner}</content>`;
  return `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='fixture'>${inner}</jingle>`;
}
