/**
 * Loads the mapping tables in `mappings/` once, validated (PRELIMINARY: hashes only; the full
 * validated loader replaces this file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface HashEntry {
  name: string;
  bytes: number;
  sdp: string;
}

/** The `mappings/` folder: found by walking up from this file (works from src/ and from dist/src/). */
export function mappingsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'mappings');
    if (fs.existsSync(path.join(candidate, 'hashes.yaml'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('mappings/ folder not found');
}

let hashes: HashEntry[] | undefined;

export function hashTable(): HashEntry[] {
  hashes ??= parseYaml(fs.readFileSync(path.join(mappingsDir(), 'hashes.yaml'), 'utf8')) as HashEntry[];
  return hashes;
}

/** The hash entry for a name, case-insensitively (`SHA-256` and `sha-256` are the same, RFC 8122 §5). */
export function hashByName(name: string): HashEntry | undefined {
  const lower = name.toLowerCase();
  return hashTable().find((h) => h.name === lower);
}
