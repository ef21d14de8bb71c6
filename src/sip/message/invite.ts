/**
 * The out-of-dialog INVITE the gateway sends (RFC 3261 §8.1.1, §13.2.1), one builder for both
 * paths: the SIP leg's UAC (src/sip/dialog/client-invite.ts) and the stateless translation the
 * `translate --to sip` command prints (src/translate/jingle-to-sip.ts). What the two differ in —
 * the Via the transaction layer adds, the tag and Call-ID a live call draws at random, the Contact
 * the router fills in for the chosen flow — comes in as options.
 */
import { formatNameAddr } from './name-addr';
import type { SipHeader, SipRequest } from './types';

/** The methods we take (RFC 3261 §20.5). */
export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY';
/** Option tags we implement (RFC 3261 §19.2): none needs PRACK. `timer` is RFC 4028. */
export const SUPPORTED = 'timer';

export interface InviteRequestOptions {
  /** Request-URI. */
  uri: string;
  /** Our URI for From, its display name, and the From tag (§8.1.1.3). */
  from: string;
  fromDisplay?: string;
  fromTag: string;
  /** To URI (default: the Request-URI). */
  to?: string;
  toDisplay?: string;
  callId: string;
  /** Our Contact header value (§8.1.1.8). */
  contact: string;
  /** The User-Agent header value (§20.41). */
  userAgent: string;
  /** RFC 4028: ask for a session interval (seconds); 0 or absent: none. */
  sessionExpires?: number;
  /** Extra headers (a Route to the outbound proxy), after the fixed ones. */
  headers?: readonly SipHeader[];
  body: string;
  contentType?: string;
}

export function inviteRequest(o: InviteRequestOptions): SipRequest {
  const hs: SipHeader[] = [
    { name: 'Max-Forwards', value: '70' },
    {
      name: 'From',
      value: formatNameAddr({ display: o.fromDisplay, uri: o.from, params: { tag: o.fromTag } }),
    },
    { name: 'To', value: formatNameAddr({ display: o.toDisplay, uri: o.to ?? o.uri, params: {} }) },
    { name: 'Call-ID', value: o.callId },
    { name: 'CSeq', value: '1 INVITE' },
    { name: 'Contact', value: o.contact },
    { name: 'Allow', value: ALLOW },
    { name: 'Supported', value: SUPPORTED },
    { name: 'User-Agent', value: o.userAgent },
  ];
  if (o.sessionExpires) hs.push({ name: 'Session-Expires', value: `${o.sessionExpires}` });
  hs.push(...(o.headers ?? []));
  if (o.body !== '') hs.push({ name: 'Content-Type', value: o.contentType ?? 'application/sdp' });
  return { kind: 'request', method: 'INVITE', uri: o.uri, headers: hs, body: o.body };
}

/** The Route to an outbound proxy (RFC 3261 §8.1.2, loose routing `;lr`, §16.12). */
export function outboundRoute(proxy: string): SipHeader {
  return { name: 'Route', value: `<${proxy};lr>` };
}

/**
 * Our Contact (§8.1.1.8): `<sip:gw@host:port;transport=tcp>`, no transport parameter for UDP,
 * or a SIPS URI (TLS implied) when the request or dialog is SIPS.
 */
export function gatewayContact(host: string, port: number, transport: string, sips = false): string {
  if (sips) return `<sips:gw@${host}:${port}>`;
  const t = transport.toUpperCase();
  return `<sip:gw@${host}:${port}${t === 'UDP' ? '' : `;transport=${t.toLowerCase()}`}>`;
}
