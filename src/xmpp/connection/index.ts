/** The XEP-0114 component connection: the socket, reconnect backoff, keepalive, IQ caller, wire masking, options. */
export * from './component';
export * from './backoff';
export * from './options';
export * from './wire';
export * from './iq-caller';
export * from './size-guard';
export * from './keepalive';
