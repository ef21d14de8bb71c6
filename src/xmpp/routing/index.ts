/** Every IQ get/set addressed to the component is answered here: Jingle, disco (XEP-0030/0115), XEP-0100, ping, version. */
export * from './router';
export * from './disco';
export * from './gateway';
