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
  /** `sip.sessionExpires` (RFC 4028): the INVITE asks for it; 0 or absent: none. */
  sessionExpires?: number;
  /** `sip.outboundProxy`: the INVITE's Route (RFC 3261 §8.1.2). */
  outboundProxy?: string;
  /** `xmpp.resource`: the resource of the JIDs the gateway sends from. */
  resource: string;
}
