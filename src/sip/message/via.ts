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
import type { SipMessage, Via } from './types';
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
 * Top Vias already parsed, by message, with the header text they were parsed from: the codec
 * parses every Via when it checks a message, and the bridge and the UA need the top one again
 * (issue 12's profile: about three parses of it per message). The text is compared on lookup, so
 * a message whose headers changed since is parsed afresh. Weak: it goes with the message.
 */
const parsedTopVias = new WeakMap<object, { value: string; via: Via }>();

/** Records `via`, parsed from `value`, as the top Via of `msg`. */
export function rememberTopVia(msg: object, value: string, via: Via): void {
  parsedTopVias.set(msg, { value, via });
}

/**
 * The top Via `value` of `msg`, parsed, or the one parsed from the same text before. Shared:
 * callers copy before changing it.
 */
export function parseTopVia(msg: Pick<SipMessage, 'headers'>, value: string): Readonly<Via> {
  const known = parsedTopVias.get(msg);
  if (known !== undefined && known.value === value) return known.via;
  const via = parseVia(value);
  parsedTopVias.set(msg, { value, via });
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
