/**
 * The transaction layer (RFC 3261 §17): the bridge to npm `sip`'s transaction state machines, the
 * only place npm `sip` is imported (eslint.config.js enforces it). Imports only ../transport,
 * ../message and ../common.
 */
export * from './bridge';
