/**
 * Reconnect delays: exponential backoff with jitter, so that many gateways (or one gateway
 * after a server restart) do not all knock at the same instant. Pure; the random source is
 * injected for tests.
 */

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first after a loss): the ceiling
 * `min(max, initial·2^attempt)`, of which a random half is waited ("equal jitter"), so delays
 * stay within [ceiling/2, ceiling].
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.min(attempt, 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}
