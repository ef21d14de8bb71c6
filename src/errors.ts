/**
 * The one error type for bad input anywhere in the gateway's pure core.
 *
 * Every parser and validator throws an InputError that names *what* is wrong and *where*
 * (element and attribute, SDP line number, SIP header, mapping path), so the CLI can print one
 * clear line and the protocol legs can answer with Jingle `bad-request` / SIP 400 or 488.
 */
export type InputDomain = 'xml' | 'jingle' | 'sdp' | 'sip' | 'config' | 'mapping' | 'translate';

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly domain: InputDomain,
    /** Where the problem is: `<candidate/> port`, `line 7 (a=fingerprint)`, `header Via`, `reasons[3].sip`. */
    readonly where: string,
    /** What is wrong, in a few words. */
    readonly detail: string,
  ) {
    super(`${domain}: ${where}: ${detail}`);
  }
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}
