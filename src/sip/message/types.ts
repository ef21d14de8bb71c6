/**
 * The SIP message model of the pure core (RFC 3261 §7). Headers stay an ordered list with the
 * names as received (compact forms expanded), so a message can be written back faithfully.
 */
export interface SipHeader {
  name: string;
  value: string;
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeader[];
  body: string;
  /** The received body is not valid UTF-8: `body` holds its bytes, one character each (latin1). */
  binaryBody?: true;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeader[];
  body: string;
  /** As {@link SipRequest.binaryBody}. */
  binaryBody?: true;
}

export type SipMessage = SipRequest | SipResponse;

/** `"Display" <sip:user@host;uri-params>;tag=…` (RFC 3261 §20.10, §25.1 name-addr). */
export interface NameAddr {
  display?: string;
  uri: string;
  params: Record<string, string | true>;
}

/** sip:/sips: URI (RFC 3261 §19.1). `user` is kept percent-encoded as written. */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Record<string, string | true>;
  headers: Record<string, string>;
}

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  params: Record<string, string | true>;
}
