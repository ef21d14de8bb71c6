/**
 * Hash functions for certificate fingerprints (mappings/hashes.yaml, loaded and validated by
 * src/config/mappings.ts at the edge and passed down): XEP-0320's `hash` attribute, the XTLS
 * `algo` attribute and SDP's `a=fingerprint` (RFC 8122 §5) all name them from the IANA "Hash
 * Function Textual Names" registry. Pure: the table comes in as a value.
 */

export interface HashEntry {
  /** The registry name, lower case. */
  name: string;
  /** Digest length: how many colon-separated hex pairs a fingerprint has. */
  bytes: number;
  /** The spelling written in SDP. */
  sdp: string;
}

/** The hash table, as loaded from mappings/hashes.yaml. */
export type HashTable = readonly HashEntry[];

/** The entry for a name, case-insensitively (`SHA-256` and `sha-256` are the same, RFC 8122 §5). */
export function hashByName(hashes: HashTable, name: string): HashEntry | undefined {
  const lower = name.toLowerCase();
  return hashes.find((h) => h.name === lower);
}
