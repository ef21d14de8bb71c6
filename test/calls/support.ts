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

/** A SIP → XMPP call from baresip 1.0 (captured; its Allow has REFER; content 'audio'), and the
 * device's session-accept for it (ICE + DTLS, the device the DTLS client). */
export const BARESIP_INVITE = sip('captured/baresip-1.0.0-invite-dtls_srtp.sip') as SipRequest;
export const DEVICE = 'bob@localhost/phone';
export const CALLER = 'alice@gw.localhost/sip';
/**
 * DEVICE's session-accept (PCMU, ICE + DTLS, setup active: the DTLS client) of the anchored
 * session-initiate `from` sent it, for its content `content`.
 */
export const anchoredAcceptXml = (from: string, content: string): string =>
  `<iq from='${DEVICE}' to='${from}' type='set' id='acc'>
      <jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='sid1' responder='${DEVICE}'>
        <content creator='initiator' name='${content}' senders='both'>
          <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='0' name='PCMU' clockrate='8000'/><rtcp-mux/></description>
          <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='Yx4f' pwd='oZ3pZ1p9LZ7Gf5yZ0nH6R2'>
            <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>${Array(32).fill('AB').join(':')}</fingerprint>
            <candidate component='1' foundation='1' generation='0' id='c1' ip='127.0.0.1' port='40000' priority='2130706431' protocol='udp' type='host'/>
          </transport>
        </content></jingle></iq>`;
export const DEVICE_ACCEPT_XML = `<iq from='${DEVICE}' to='${CALLER}' type='set' id='acc'>
  <jingle xmlns='urn:xmpp:jingle:1' action='session-accept' sid='sid1' responder='${DEVICE}'>
    <content creator='initiator' name='audio' senders='both'>
      <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='96' name='opus' clockrate='48000' channels='2'/></description>
      <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='Yx4f' pwd='oZ3pZ1p9LZ7Gf5yZ0nH6R2'>
        <fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256' setup='active'>${Array(32).fill('AB').join(':')}</fingerprint>
        <candidate component='1' foundation='1' generation='0' id='c1' ip='192.0.2.20' port='40000' priority='2130706431' protocol='udp' type='host'/>
      </transport>
    </content>
  </jingle></iq>`;
