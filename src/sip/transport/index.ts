/**
 * The transport layer (RFC 3261 §18; RFC 3263 for locating a server): UDP, TCP and TLS sockets,
 * stream framing, connection caps, the size rule for UDP, the resolver, throttled logging of what
 * unauthenticated peers send. Imports only ../message and ../common.
 */
export * from './transport';
export * from './stream-framer';
export * from './connection-caps';
export * from './large-requests';
export * from './resolver';
export * from './log-throttle';
