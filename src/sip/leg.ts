/**
 * The SIP leg's public surface (import from here, not from npm `sip`): the user agent, INVITE
 * sessions, dialogs, registration state. The pure codec stays in ./index.
 */
export { SipUserAgent, parseListen, type TrunkOptions, type UserAgentOptions } from './user-agent';
export { ClientInvite, type InviteOptions } from './client-invite';
export { ServerInvite } from './server-invite';
export { Dialog, type Respond } from './dialog';
export type { RegistrationState, RegistrationStatus } from './registration';
export type { Flow, TransportName, BoundSocket } from './transport';
export type { Clock, TimerHandle } from './clock';
export type { DnsResolver } from './resolver';
export { userAgentOptions } from './config-options';
