/**
 * What the message-level translation (./jingle-to-sip, ./sip-to-jingle) knows of the gateway:
 * built once at the edge from the configuration and the mapping tables
 * (src/config/address-context.ts `messageContext`), so nothing here reads the configuration.
 */
import type { AddressContext } from './address';
import type { Tables } from './tables';

export interface ListenPoint {
  transport: 'udp' | 'tcp' | 'tls';
  port: number;
}

export interface MessageContext {
  tables: Tables;
  /** Addresses: the gateway domain, our SIP host, routes (see ./address). */
  address: AddressContext;
  /** `sip.listen`: where the gateway takes SIP, in order; the first is the default transport. */
  listen: readonly ListenPoint[];
  /** `sip.userAgent`. */
  userAgent: string;
  /** `xmpp.resource`: the resource of the JIDs the gateway sends from. */
  resource: string;
}
