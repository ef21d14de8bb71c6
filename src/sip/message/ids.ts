/** Random identifiers (RFC 3261 §19.3): tags and Call-IDs need global uniqueness, not secrecy. */
import { randomHex } from '../common/random-hex';
import { formatHost } from './uri';

export { newBranch } from './via';

/** A From/To tag: 64 random bits in hex (§19.3 asks for at least 32). */
export function newTag(): string {
  return randomHex(8);
}

/** A Call-ID `random@host` (§8.1.1.4); an IPv6 host is bracketed, which `word` allows. */
export function newCallId(host: string): string {
  return `${randomHex(16)}@${formatHost(host)}`;
}
