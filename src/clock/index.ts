/** The one injected clock of the project (./clock): SIP and XMPP timers alike. */
export { every, systemClock, TimerGroup, type Clock, type TimerHandle } from './clock';
