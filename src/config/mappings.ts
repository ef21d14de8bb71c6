/**
 * The mapping tables in `mappings/` (docs/style.md "Mappings are data"): read from disk and
 * validated with zod (src/config/mapping-schemas.ts) once, at the edge (gateway start, the CLI, a
 * test's setup), compiled into lookup structures, and passed down as values: the layers below
 * (src/translate, src/jingle, src/sdp) take them as parameters and read no file. A bad table throws
 * `InputError('mapping', 'reasons.yaml.toSip[3].sip', 'not a 4xx–6xx code')` at start-up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import type { HashEntry } from '../mapping';
import type { ReasonCondition } from '../jingle/types';
import type { SipReason, Tables } from '../translate/tables';
import { InputError } from '../errors';
import {
  addressRulesSchema,
  codecsSchema,
  hashesSchema,
  policySchema,
  reasonsSchema,
  xtlsMethodsSchema,
} from './mapping-schemas';
import { parseYamlText, validate } from './validate';

export type { HashEntry };
export type {
  CodecTables,
  DynamicCodec,
  ReasonTables,
  SipReason,
  StaticPayloadType,
  StatusClass,
  Tables,
  XtlsMethodForm,
  XtlsMethodTable,
} from '../translate/tables';

/** A number pattern of the authorisation policy and the reason it is there. */
export interface NumberRule {
  match: RegExp;
  why: string;
}

/** Every table of `mappings/`: what the translation reads, and the policy's number rules. */
export interface Mappings extends Tables {
  dir: string;
  /** mappings/policy.yaml: numbers denied unless the configuration allows them. */
  denyNumbers: NumberRule[];
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

/** Every table file in `mappings/` and its schema (`check-config` checks each one, all issues). */
export const MAPPING_TABLES = [
  ['hashes.yaml', hashesSchema],
  ['codecs.yaml', codecsSchema],
  ['reasons.yaml', reasonsSchema],
  ['xtls-methods.yaml', xtlsMethodsSchema],
  ['address-rules.yaml', addressRulesSchema],
  ['policy.yaml', policySchema],
] as const satisfies ReadonlyArray<readonly [string, z.ZodType]>;

function readTable<S extends z.ZodType>(dir: string, file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, file), 'utf8');
  } catch (e) {
    throw new InputError('mapping', file, `cannot read: ${(e as Error).message}`);
  }
  return validate('mapping', file, schema, parseYamlText('mapping', text, file));
}

/** Reads and validates every table in `dir` (default: the repository's `mappings/`). */
export function loadMappings(dir: string = mappingsDir()): Mappings {
  const hashes = readTable(dir, 'hashes.yaml', hashesSchema);
  const codecs = readTable(dir, 'codecs.yaml', codecsSchema);
  const reasons = readTable(dir, 'reasons.yaml', reasonsSchema);
  const xtls = readTable(dir, 'xtls-methods.yaml', xtlsMethodsSchema);
  const rules = readTable(dir, 'address-rules.yaml', addressRulesSchema);
  const policy = readTable(dir, 'policy.yaml', policySchema);

  const toSip = {} as Record<ReasonCondition, SipReason>;
  for (const e of reasons.toSip) {
    const entry: SipReason = { text: e.text };
    if (e.sip !== undefined) entry.status = e.sip;
    if (e.request !== undefined) entry.request = e.request;
    toSip[e.condition] = entry;
  }
  return {
    dir,
    denyNumbers: policy.denyNumbers,
    hashes,
    codecs: { static: new Map(codecs.static.map((c) => [c.id, c])), dynamic: codecs.dynamic },
    reasons: {
      toSip,
      fromSip: new Map(reasons.fromSip.map((e) => [e.sip, e.condition])),
      fromSipClass: reasons.fromSipClass,
      q850: new Map(reasons.q850.map((e) => [e.cause, { condition: e.condition, text: e.text }])),
      q850Default: reasons.q850Default,
    },
    xtlsMethods: {
      extensionAttribute: xtls.extensionAttribute,
      forms: new Map(xtls.methods.map((m) => [m.name.toLowerCase(), m.form])),
      unknownForm: xtls.unknownForm,
    },
    addressRules: {
      e164: rules.e164.pattern,
      separators: rules.e164.separators,
      fromStyle: rules.fromStyle,
      routes: rules.routes,
    },
  };
}
