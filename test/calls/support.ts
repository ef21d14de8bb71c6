/** Shared pieces for the pure call tests: a context, parsed fixtures, effect pickers. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addressContext } from '../../src/config/address-context';
import { defaultConfig, type GatewayConfig } from '../../src/config/config';
import type { CallContext } from '../../src/calls';
import type { Effect } from '../../src/calls/events';
import { parseJingleXml } from '../../src/jingle';
import type { JingleIq } from '../../src/jingle/types';
import { parseSipMessage } from '../../src/sip/message';
import type { SipRequest, SipResponse } from '../../src/sip/message/types';
import { tables } from '../support/tables';

/**
 * The default config with `calls` patched. Media stays end to end unless `media` says otherwise
 * (the shipped default names an rtpengine; these tests choose).
 */
export function context(
  patch: Partial<GatewayConfig['calls']> = {},
  media: Partial<GatewayConfig['media']> = {},
): CallContext {
  const config = defaultConfig();
  config.calls = { ...config.calls, ...patch };
  const { rtpengine: _shipped, ...rest } = config.media;
  config.media = { ...rest, ...media };
  return { config, tables, address: addressContext(config, tables) };
}

const fixtures = path.join(__dirname, '..', 'fixtures');
export const read = (rel: string): string => fs.readFileSync(path.join(fixtures, rel), 'utf8');

export function iqOf(xml: string): JingleIq {
  const { iq, jingle } = parseJingleXml(xml, tables.hashes);
  if (!iq) throw new Error('fixture has no <iq>');
  return { ...iq, jingle };
}

export const sip = (rel: string): SipRequest | SipResponse => parseSipMessage(read(rel));

/** The effects of one kind, typed. */
export function pick<K extends Effect['kind']>(effects: Effect[], kind: K): Extract<Effect, { kind: K }>[] {
  return effects.filter((e): e is Extract<Effect, { kind: K }> => e.kind === kind);
}

export function one<K extends Effect['kind']>(effects: Effect[], kind: K): Extract<Effect, { kind: K }> {
  const found = pick(effects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}: ${kinds(effects)}`);
  return found[0]!;
}

export const kinds = (effects: Effect[]): string => effects.map((e) => e.kind).join(', ');

/** A 200 OK for an INVITE with the given SDP body (a captured SIPp answer, body replaced). */
export function okWith(body: string): SipResponse {
  const base = read('captured/sipp-3.6.1-uas-200ok-invite.sip');
  const head = base
    .split('\r\n\r\n')[0]!
    .replace(/Content-Length: *\d+/, `Content-Length: ${Buffer.byteLength(body)}`);
  return parseSipMessage(`${head}\r\n\r\n${body}`) as SipResponse;
}
