/**
 * The {@link AddressContext} that src/translate/address.ts needs, from the configuration and
 * `mappings/address-rules.yaml`. The configuration's `routing.outbound` routes come before the
 * mapping file's, so an operator routes numbers without editing `mappings/`.
 */
import type { AddressContext } from '../translate/address';
import type { GatewayConfig } from './config';
import { mappings, type Mappings } from './mappings';

export function addressContext(config: GatewayConfig, m: Mappings = mappings()): AddressContext {
  return {
    gatewayDomain: config.xmpp.domain,
    sipHost: config.sip.host,
    outbound: config.sip.outbound,
    xmppDefaultDomain: config.xmpp.defaultDomain,
    fromStyle: config.sip.fromStyle ?? m.addressRules.fromStyle,
    rules: { ...m.addressRules, routes: [...config.routing.outbound, ...m.addressRules.routes] },
  };
}
