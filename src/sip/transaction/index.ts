/**
 * The transaction layer (RFC 3261 §17): the bridge to npm `sip`'s transaction state machines (the
 * only place npm `sip` is imported; eslint.config.js enforces it) and the UAS core's 2xx
 * retransmission (§13.3.1.4). Imports only ../transport, ../message and ../common.
 */
export * from './bridge';
export * from './retransmit';
