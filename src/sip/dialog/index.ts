/**
 * The dialog layer (RFC 3261 §12–§15; RFC 4028 session timers): INVITE sessions in and out,
 * confirmed dialogs, their state tables, the UAS core's 2xx retransmission (§13.3.1.4), in-dialog
 * OPTIONS probes, and the {@link UaCore} interface the dialogs see of the user agent. Imports only
 * ../transaction, ../transport, ../message, ../common, and the project's one state-machine engine (src/fsm).
 */
export * from './core';
export * from './events';
export * from './dialog-fsm';
export * from './dialog-probe';
export * from './session-timer';
export * from './session-refresher';
export * from './retransmit';
export * from './dialog';
export * from './server-invite';
export * from './client-invite';
