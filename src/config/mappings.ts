/**
 * The mapping tables in `mappings/` (docs/style.md "Mappings are data"): loaded once, validated with
 * zod (src/config/mapping-schemas.ts), compiled into lookup structures. A bad table throws
 * `InputError('mapping', 'reasons.yaml.toSip[3].sip', 'not a 4xx–6xx code')` at start-up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import type { ReasonCondition } from '../jingle/types';
import type { AddressRules } from '../translate/address';
import { InputError } from '../errors';
import {
  addressRulesSchema,
  BARE_PARAMETER_NAME,
  codecsSchema,
  hashesSchema,
  policySchema,
  reasonsSchema,
  xtlsMethodsSchema,
} from './mapping-schemas';
import { parseYamlText, validate } from './validate';

/**
 * The `<parameter name>` that stands for a bare fmtp token (telephone-event `0-15`):
 * `a=fmtp:101 0-15` ⇄ `<parameter name='' value='0-15'/>`. See mappings/codecs.yaml.
 */
export { BARE_PARAMETER_NAME };

export interface HashEntry {
  name: string;
  bytes: number;
  sdp: string;
}

export type StaticPayloadType = z.output<typeof codecsSchema>['static'][number];
export type DynamicCodec = z.output<typeof codecsSchema>['dynamic'][number];

export interface CodecTables {
  /** RFC 3551 static payload types by id. */
  static: Map<number, StaticPayloadType>;
  dynamic: DynamicCodec[];
}

/** What a Jingle reason becomes in SIP (mappings/reasons.yaml `toSip`). */
export interface SipReason {
  /** Final response status, and the Reason header cause; absent only for success. */
  status?: number;
  text: string;
  /** Set where the condition is itself a request: cancel → CANCEL, success → BYE. */
  request?: 'BYE' | 'CANCEL';
}

export type StatusClass = '3xx' | '4xx' | '5xx' | '6xx';

export interface ReasonTables {
  toSip: Record<ReasonCondition, SipReason>;
  fromSip: Map<number, ReasonCondition>;
  fromSipClass: Partial<Record<StatusClass, ReasonCondition>>;
  q850: Map<number, { condition: ReasonCondition; text: string }>;
  q850Default: ReasonCondition;
}

export type XtlsMethodForm = 'fingerprint' | 'extension';

export interface XtlsMethodTable {
  /** The SDP attribute for `extension` methods (`x-xtls-method`). */
  extensionAttribute: string;
  forms: Map<string, XtlsMethodForm>;
  unknownForm: XtlsMethodForm;
}

/** A number pattern of the authorisation policy and the reason it is there. */
export interface NumberRule {
  match: RegExp;
  why: string;
}

export interface Mappings {
  dir: string;
  /** mappings/policy.yaml: numbers denied unless the configuration allows them. */
  denyNumbers: NumberRule[];
  hashes: HashEntry[];
  codecs: CodecTables;
  reasons: ReasonTables;
  xtlsMethods: XtlsMethodTable;
  addressRules: AddressRules;
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

let cached: Mappings | undefined;

/** The repository's tables, loaded on first use. */
export function mappings(): Mappings {
  cached ??= loadMappings();
  return cached;
}

export function hashTable(): HashEntry[] {
  return mappings().hashes;
}

/** The hash entry for a name, case-insensitively (`SHA-256` and `sha-256` are the same, RFC 8122 §5). */
export function hashByName(name: string): HashEntry | undefined {
  const lower = name.toLowerCase();
  return hashTable().find((h) => h.name === lower);
}

/** RFC 3551 static payload type `id` (for `m=` formats without `a=rtpmap`), or undefined. */
export function staticPayloadType(id: number, m: Mappings = mappings()): StaticPayloadType | undefined {
  return m.codecs.static.get(id);
}

/** A well-known dynamic codec by name (case-insensitive) and optionally clock rate. */
export function dynamicCodec(
  name: string,
  clockrate?: number,
  m: Mappings = mappings(),
): DynamicCodec | undefined {
  const lower = name.toLowerCase();
  return m.codecs.dynamic.find(
    (c) => c.name.toLowerCase() === lower && (clockrate === undefined || c.clockrate === clockrate),
  );
}

/**
 * How an XTLS `<method name>` hint is carried in SDP: `fingerprint` (implied by
 * `a=fingerprint`) or `extension` (`a=x-xtls-method:<name>`; also every unknown method).
 */
export function xtlsMethodForm(name: string, m: Mappings = mappings()): XtlsMethodForm {
  return m.xtlsMethods.forms.get(name.toLowerCase()) ?? m.xtlsMethods.unknownForm;
}
