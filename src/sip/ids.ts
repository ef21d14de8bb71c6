/** Random identifiers (RFC 3261 §19.3): tags and Call-IDs need global uniqueness, not secrecy. */
import { randomBytes } from 'node:crypto';
import { formatHost } from './uri';

export { newBranch } from './via';

/** A From/To tag: 64 random bits in hex (§19.3 asks for at least 32). */
export function newTag(): string {
  return randomBytes(8).toString('hex');
}

/** A Call-ID `random@host` (§8.1.1.4); an IPv6 host is bracketed, which `word` allows. */
export function newCallId(host: string): string {
  return `${randomBytes(16).toString('hex')}@${formatHost(host)}`;
}
