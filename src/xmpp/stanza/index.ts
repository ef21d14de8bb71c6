/** Below every XMPP layer: building stanzas (ltx elements), the namespaces, stanza errors (RFC 6120 §8.3). */
export * from './xml';
export * from './namespaces';
export * from './errors';
