/** Below every SIP layer: the injected clock and its RFC 3261 §17.1.1.1 timer values, random hex for identifiers. */
export * from './clock';
export * from './random-hex';
