/** Presence (RFC 6121) for the SIP contacts, and the users' devices with their caps (XEP-0115). */
export * from './presence';
