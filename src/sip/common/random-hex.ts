/**
 * Random hex for identifiers (tags, Call-IDs, branches, sids): bytes from a pooled buffer refilled
 * 4 KiB at a time, so that a message's three or four identifiers cost no crypto call each
 * (issue 12's profile: `randomBytes` once per identifier). The bytes are the same CSPRNG's.
 */
import { randomFillSync } from 'node:crypto';

const POOL = Buffer.alloc(4096);
let at = POOL.length;

/** `bytes` random bytes as lowercase hex (2 × `bytes` characters); `bytes` ≤ 4096. */
export function randomHex(bytes: number): string {
  if (at + bytes > POOL.length) {
    randomFillSync(POOL);
    at = 0;
  }
  const s = POOL.toString('hex', at, at + bytes);
  at += bytes;
  return s;
}
