/**
 * RFC 3261 §14.1: after a 491 to its re-INVITE a UA waits a random time before it tries again —
 * 2.1–4 s in units of 10 ms when it owns the Call-ID (it sent the INVITE that made the dialog),
 * 0–2 s in units of 10 ms when it does not — so that of two crossing offers one goes first.
 */

/** How often a call tries a re-INVITE again after a 491 before it takes the refusal. */
export const MAX_GLARE_RETRIES = 2;

/** The wait before a retry, in ms; `random` in [0, 1). */
export function glareBackoffMs(ownsCallId: boolean, random: () => number): number {
  const units = ownsCallId ? 210 + Math.floor(random() * 191) : Math.floor(random() * 201);
  return units * 10;
}
