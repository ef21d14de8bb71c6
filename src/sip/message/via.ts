/**
 * Via (RFC 3261 §20.42, §25.1):
 *
 *     sent-protocol LWS sent-by *( SEMI via-params )
 *     sent-protocol = protocol-name SLASH protocol-version SLASH transport   (LWS around "/")
 *
 * `protocol` is `NAME/VERSION` (upper-cased, no spaces), `transport` upper-cased. IPv6 hosts are
 * stored without brackets. Parameter names are lower-cased; `rport` may be valueless (RFC 3581).
 */
import { randomHex } from '../common/random-hex';
import { InputError } from '../../errors';
import { isToken, isWsp, trimLws } from './grammar';
import { formatParams, parseParams } from './params';
import type { Via } from './types';
import { formatHost, parseHostPort } from './uri';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 elements start with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export function parseVia(value: string, where = 'header Via'): Via {
  const text = trimLws(value);
  const parts: string[] = [];
  let i = 0;
  // Three slash-separated tokens, each surrounded by optional LWS.
  for (let k = 0; k < 3; k++) {
    while (isWsp(text[i])) i++;
    const start = i;
    while (i < text.length && text[i] !== '/' && !isWsp(text[i]) && text[i] !== ';') i++;
    parts.push(text.slice(start, i));
    while (isWsp(text[i])) i++;
    if (k < 2) {
      if (text[i] !== '/') throw new InputError('sip', where, 'sent-protocol must be NAME/VERSION/TRANSPORT');
      i++;
    }
  }
  if (!parts.every(isToken)) throw new InputError('sip', where, 'invalid sent-protocol');
  const semi = text.indexOf(';', i);
  const sentBy = trimLws(semi < 0 ? text.slice(i) : text.slice(i, semi));
  if (sentBy === '') throw new InputError('sip', where, 'missing sent-by');
  const hp = parseHostPort(sentBy, where);
  const via: Via = {
    protocol: `${parts[0].toUpperCase()}/${parts[1]}`,
    transport: parts[2].toUpperCase(),
    host: hp.host,
    params: parseParams(semi < 0 ? '' : text.slice(semi), where),
  };
  if (hp.port !== undefined) via.port = hp.port;
  return via;
}

/**
 * The top Via parsed last, with the header text it was parsed from: the codec parses every Via
 * when it checks a message, and the bridge and the UA need the top one again in the same turn
 * (issue 12's profile: about three parses of it per message). One entry compared by text, not a
 * WeakMap by message: a WeakMap entry per message cost more than the parses it saved (GC).
 */
let lastTop: { value: string; via: Via } | undefined;

/** Records `via`, parsed from `value`, as the last top Via parsed. */
export function rememberTopVia(value: string, via: Via): void {
  lastTop = { value, via };
}

/**
 * The top Via `value`, parsed, or the one parsed from the same text just before. Shared: callers
 * copy before changing it.
 */
export function parseTopVia(value: string): Readonly<Via> {
  if (lastTop !== undefined && lastTop.value === value) return lastTop.via;
  const via = parseVia(value);
  lastTop = { value, via };
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `${via.protocol}/${via.transport} ${formatHost(via.host)}${port}${formatParams(via.params)}`;
}

/** A fresh RFC 3261 branch: the magic cookie and 96 random bits. */
export function newBranch(): string {
  return BRANCH_MAGIC_COOKIE + randomHex(12);
}

/**
 * True for a usable RFC 3261 branch: the cookie followed by at least one character. RFC 4475
 * §3.3.4 (badbranch) has a bare `z9hG4bK`, which is syntactically valid but identifies nothing.
 */
export function isRfc3261Branch(branch: string | true | undefined): boolean {
  return typeof branch === 'string' && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > 7;
}
