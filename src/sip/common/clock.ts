/**
 * The SIP layers' timers run on the project's one injected clock (src/clock, re-exported here so
 * that every SIP layer keeps importing it from common/); the RFC 3261 timer values are SIP's own.
 */
export { systemClock, TimerGroup, type Clock, type TimerHandle } from '../../clock';

/** RFC 3261 §17.1.1.1 timer values, in ms. */
export const T1 = 500;
export const T2 = 4000;
export const T4 = 5000;
/** 64·T1: Timer B, F, H, L, M — also how long a UAS waits for the ACK of its 2xx (§13.3.1.4). */
export const TIMER_64T1 = 64 * T1;
