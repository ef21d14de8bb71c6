/** src/sip/common/random-hex.ts: identifiers from the pooled CSPRNG buffer (RFC 3261 §19.3 uniqueness). */
import { randomHex } from '../../src/sip/common/random-hex';
import { newBranch, newCallId, newTag } from '../../src/sip/message/ids';

describe('randomHex', () => {
  it('gives 2 × bytes hex characters, all different across several refills of the pool', () => {
    const seen = new Set<string>();
    // 3000 × 12 bytes = 36 000 bytes: the 4 KiB pool is refilled eight times, across identifiers.
    for (let i = 0; i < 3000; i++) {
      const h = randomHex(12);
      expect(h).toMatch(/^[0-9a-f]{24}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(3000);
    expect(randomHex(4096)).toMatch(/^[0-9a-f]{8192}$/);
  });

  it('backs tags, Call-IDs and branches of the usual sizes', () => {
    expect(newTag()).toMatch(/^[0-9a-f]{16}$/);
    expect(newCallId('::1')).toMatch(/^[0-9a-f]{32}@\[::1\]$/);
    expect(newBranch()).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
  });
});
