/**
 * The mapping tables the translation reads (mappings/*.yaml, docs/style.md "Mappings are data"),
 * as values: src/config/mappings.ts reads and validates them once at the edge (gateway start, the
 * CLI, a test's setup) and they are passed down as a {@link Tables}. Nothing here reads a file.
 */
import type { ReasonCondition } from '../jingle/types';
import type { HashTable } from '../mapping';
import type { AddressRules } from './address';

/**
 * The `<parameter name>` that stands for a bare fmtp token (telephone-event `0-15`):
 * `a=fmtp:101 0-15` ⇄ `<parameter name='' value='0-15'/>`. See mappings/codecs.yaml.
 */
export const BARE_PARAMETER_NAME = '';

export interface StaticPayloadType {
  /** RFC 3551 §6: 0–95. */
  id: number;
  name: string;
  media: 'audio' | 'video';
  clockrate: number;
  channels?: number;
}

export interface DynamicCodec {
  name: string;
  media: 'audio' | 'video';
  clockrate: number;
  channels?: number;
  fmtp?: string;
  spec?: string;
}

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

/** Every table the translation reads. */
export interface Tables {
  hashes: HashTable;
  codecs: CodecTables;
  reasons: ReasonTables;
  xtlsMethods: XtlsMethodTable;
  addressRules: AddressRules;
}

/** RFC 3551 static payload type `id` (for `m=` formats without `a=rtpmap`), or undefined. */
export function staticPayloadType(id: number, codecs: CodecTables): StaticPayloadType | undefined {
  return codecs.static.get(id);
}

/** A well-known dynamic codec by name (case-insensitive) and optionally clock rate. */
export function dynamicCodec(
  codecs: CodecTables,
  name: string,
  clockrate?: number,
): DynamicCodec | undefined {
  const lower = name.toLowerCase();
  return codecs.dynamic.find(
    (c) => c.name.toLowerCase() === lower && (clockrate === undefined || c.clockrate === clockrate),
  );
}

/**
 * How an XTLS `<method name>` hint is carried in SDP: `fingerprint` (implied by
 * `a=fingerprint`) or `extension` (`a=x-xtls-method:<name>`; also every unknown method).
 */
export function xtlsMethodForm(name: string, table: XtlsMethodTable): XtlsMethodForm {
  return table.forms.get(name.toLowerCase()) ?? table.unknownForm;
}
