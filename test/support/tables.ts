/**
 * The repository's mapping tables (mappings/*.yaml), read once per test file as the gateway reads
 * them once at start: the code under test takes them as a parameter (src/config/mappings.ts).
 */
import { loadMappings } from '../../src/config/mappings';

export const tables = loadMappings();
