/** The XMPP leg: one component connection and what the call layer needs of it, behind a typed seam (./events). */
export * from './leg';
export type { JmiErrorNotice, XmppLegEvents } from './events';
