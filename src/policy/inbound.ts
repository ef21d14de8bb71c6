/**
 * Which XMPP user a SIP call rings (docs/policy.md §Inbound). A trunk's calls to the number it
 * registered arrive as `sip:<our contact user>@<our address>` with the DID in the To URI, so the
 * `routing.inbound` rules are tried on the user of the Request-URI, then of To. A call no rule
 * matches is mapped by address (`sip:alice@<our host>` → `alice@<defaultDomain>`) or, with
 * `routing.unmatched: reject`, refused; either way the callee must be at one of the XMPP domains
 * the gateway serves (`xmpp.allowedDomains`, default the `defaultDomain`): the gateway does not
 * ring users of other servers for SIP callers. Refusals throw an address error, answered 404.
 * Pure.
 */
import type { GatewayConfig } from '../config/config';
import { InputError } from '../errors';
import {
  bareJid,
  decodeSipUser,
  normaliseNumber,
  parseJid,
  sipUriToJid,
  splitSipUri,
  type AddressContext,
} from '../translate/address';

function userOf(uri: string, ctx: AddressContext): string | undefined {
  try {
    const u = splitSipUri(uri);
    if (u.user === undefined) return undefined;
    const user = decodeSipUser(u.user, uri);
    return normaliseNumber(user, ctx.rules) ?? user;
  } catch {
    return undefined;
  }
}

const refuse = (uri: string, why: string): InputError => new InputError('translate', `address ${uri}`, why);

/** The callee's bare JID for an INVITE's Request-URI and To URI. */
export function inboundCallee(
  requestUri: string,
  toUri: string | undefined,
  config: GatewayConfig,
  ctx: AddressContext,
): string {
  for (const uri of [requestUri, toUri]) {
    if (uri === undefined) continue;
    const user = userOf(uri, ctx);
    if (user === undefined) continue;
    const rule = config.routing.inbound.find((r) => r.match.test(user));
    if (rule) return rule.jid;
  }
  if (config.routing.unmatched === 'reject')
    throw refuse(requestUri, 'no inbound route (routing.inbound) matches');
  const jid = bareJid(sipUriToJid(requestUri, ctx));
  const domain = parseJid(jid).domain.toLowerCase();
  const served = (config.xmpp.allowedDomains ?? [config.xmpp.defaultDomain]).map((d) => d.toLowerCase());
  if (!served.includes(domain))
    throw refuse(requestUri, `the XMPP domain ${domain} is not served by this gateway`);
  return jid;
}
