/**
 * The contexts src/translate needs, built at the edge from the configuration and the mapping
 * tables (loaded once by ./mappings): the {@link AddressContext} of src/translate/address.ts,
 * and the {@link MessageContext} of the message-level translation. The configuration's
 * `routing.outbound` routes come before `mappings/address-rules.yaml`'s, so an operator routes
 * numbers without editing `mappings/`.
 */
import type { AddressContext } from '../translate/address';
import type { MessageContext } from '../translate/message-context';
import type { Tables } from '../translate/tables';
import type { GatewayConfig } from './config';
import { parseListenUri } from './net';

export function addressContext(config: GatewayConfig, tables: Pick<Tables, 'addressRules'>): AddressContext {
  const rules = tables.addressRules;
  return {
    gatewayDomain: config.xmpp.domain,
    sipHost: config.sip.host,
    outbound: config.sip.outbound,
    xmppDefaultDomain: config.xmpp.defaultDomain,
    fromStyle: config.sip.fromStyle ?? rules.fromStyle,
    rules: { ...rules, routes: [...config.routing.outbound, ...rules.routes] },
  };
}

export function messageContext(config: GatewayConfig, tables: Tables): MessageContext {
  return {
    tables,
    address: addressContext(config, tables),
    listen: config.sip.listen.map(parseListenUri).filter((l) => l !== undefined),
    userAgent: config.sip.userAgent,
    ...(config.sip.sessionExpires ? { sessionExpires: config.sip.sessionExpires } : {}),
    ...(config.sip.outboundProxy === undefined ? {} : { outboundProxy: config.sip.outboundProxy }),
    resource: config.xmpp.resource,
  };
}
