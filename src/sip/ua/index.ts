/**
 * The UA core (RFC 3261 §8, §10, §11, §22): the user agent the call layer drives, request
 * inspection, routing of outgoing requests, registration, inbound trust, OPTIONS keep-alive to
 * next hops, and the mapping from the gateway configuration. The top layer of src/sip.
 */
export * from './user-agent';
export * from './router';
export * from './registration';
export * from './trust';
export * from './peer-monitor';
export * from './config-options';
export * from './request-inspection';
