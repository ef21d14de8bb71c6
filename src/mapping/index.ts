/**
 * The mapping tables that more than one protocol model reads, as values: the Jingle model
 * (src/jingle) and the SDP model (src/sdp) both check fingerprints against the hash table. The
 * tables are read from `mappings/` once, by src/config/mappings.ts, and passed down; nothing here
 * reads a file. The tables only src/translate reads have their types there.
 */
export { hashByName, type HashEntry, type HashTable } from './hashes';
