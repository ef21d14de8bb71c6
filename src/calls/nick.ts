/**
 * A display name as it crosses between SIP (RFC 3261 §20.20 From display-name) and XMPP
 * (XEP-0172 `<nick>`): trimmed, control characters removed, and cut to a length both sides take;
 * empty is none.
 */
const MAX = 64;

export function displayNick(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const clean = name
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '') return undefined;
  return [...clean].slice(0, MAX).join('');
}
