/**
 * The SIP leg's public entry (import from here, not from npm `sip`): the pure codec (./message)
 * and the user agent, INVITE sessions, dialogs and registration state. The layers and the
 * direction of their imports: docs/architecture.md §Layout of src/sip. Pure code (translate/,
 * calls/) imports ./message, which loads no sockets and no npm `sip`.
 */
export * from './message';
export {
  SipUserAgent,
  type TrunkOptions,
  type UserAgentOptions,
  type RegistrationState,
  type RegistrationStatus,
  userAgentOptions,
} from './ua';
export { ClientInvite, type InviteOptions, ServerInvite, Dialog, type Respond } from './dialog';
export { parseListen, type Flow, type TransportName, type BoundSocket, type DnsResolver } from './transport';
export type { Clock, TimerHandle } from './common';
