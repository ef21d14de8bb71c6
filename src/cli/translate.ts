/**
 * `translate --from X --to Y`: one pure function from input text to output text, so the
 * command's contract is testable without spawning a process.
 */
import { isInputError } from '../errors';
import { loadConfig, defaultConfig } from '../config/config';
import { jingleToSdp, sdpToJingle } from '../translate/description';
import { jingleToSip, sipToJingle } from '../translate/message';
import { serializeJingle } from '../jingle';

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
  switch (route) {
    case 'jingle>sdp':
      return jingleToSdp(args.input);
    case 'sdp>jingle':
      return `${serializeJingle(sdpToJingle(args.input, { action: args.answer ? 'session-accept' : 'session-initiate' }))}\n`;
    case 'jingle>sip':
      return jingleToSip(args.input, config(args));
    case 'sip>jingle':
      return `${sipToJingle(args.input, config(args))}\n`;
    default:
      throw new Error(
        `no translation from ${args.from} to ${args.to} (supported: jingle→sdp, sdp→jingle, jingle→sip, sip→jingle)`,
      );
  }
}

function config(args: TranslateArgs) {
  return args.config ? loadConfig(args.config) : defaultConfig();
}

function inputEmpty(): Error {
  return new Error('input is empty');
}
