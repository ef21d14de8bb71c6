/**
 * `translate --from X --to Y`: one pure function from input text to output text, so the
 * command's contract is testable without spawning a process.
 */
import { isInputError } from '../errors';
import { messageContext } from '../config/address-context';
import { loadConfig, defaultConfig, type GatewayConfig } from '../config/config';
import { loadMappings, type Mappings } from '../config/mappings';
import { jingleToSdp, sdpToJingle } from '../translate/description';
import { parseJid } from '../translate/jid';
import { jingleToSip, sipToJingle } from '../translate/message';
import { parseJingleXml, serializeJingle } from '../jingle';

export interface TranslateArgs {
  from: string;
  to: string;
  config?: string;
  answer?: boolean;
  input: string;
}

export type TranslateResult = { ok: true; output: string } | { ok: false; error: string };

const FORMATS = ['jingle', 'sdp', 'sip'];

export function runTranslate(args: TranslateArgs): TranslateResult {
  for (const [flag, value] of [
    ['--from', args.from],
    ['--to', args.to],
  ] as const) {
    if (!FORMATS.includes(value))
      return { ok: false, error: `${flag} '${value}': expected jingle, sdp or sip` };
  }
  try {
    const output = translate(args);
    return { ok: true, output };
  } catch (e) {
    if (isInputError(e)) return { ok: false, error: e.message };
    // Anything else is still the input's fault from the user's point of view (a parser that
    // choked on it); report it on one line without a stack.
    return { ok: false, error: `cannot translate this input: ${(e as Error).message}` };
  }
}

function translate(args: TranslateArgs): string {
  const route = `${args.from}>${args.to}`;
  if (args.input.trim() === '') throw inputEmpty();
  // The command's edge: the mapping tables are read once here and passed down.
  const tables = loadMappings();
  switch (route) {
    case 'jingle>sdp':
      return jingleToSdp(args.input, tables);
    case 'sdp>jingle':
      return `${serializeJingle(sdpToJingle(args.input, tables, { action: args.answer ? 'session-accept' : 'session-initiate' }))}\n`;
    case 'jingle>sip':
      return jingleToSip(args.input, messageContext(jingleConfig(args, tables), tables));
    case 'sip>jingle':
      return `${sipToJingle(args.input, messageContext(config(args), tables))}\n`;
    default:
      throw new Error(
        `no translation from ${args.from} to ${args.to} (supported: jingle→sdp, sdp→jingle, jingle→sip, sip→jingle)`,
      );
  }
}

function config(args: TranslateArgs): GatewayConfig {
  return args.config ? loadConfig(args.config) : defaultConfig();
}

/**
 * The configuration for a Jingle capture. Without --config, the gateway is the one the capture
 * was sent to: its domain is the domain of the `<iq to>` (every Jingle IQ the gateway turns into
 * SIP is addressed to a JID at the gateway), so a capture made against another gateway
 * translates instead of failing with "not at the gateway domain".
 */
function jingleConfig(args: TranslateArgs, tables: Mappings): GatewayConfig {
  const c = config(args);
  if (args.config) return c;
  const to = parseJingleXml(args.input, tables.hashes).iq?.to;
  if (to !== undefined) c.xmpp = { ...c.xmpp, domain: parseJid(to).domain.toLowerCase() };
  return c;
}

function inputEmpty(): Error {
  return new Error('input is empty');
}
