/**
 * Issue 9 item 5: `translate --to sip` prints "the complete SIP message the gateway would send".
 * The same session-initiate (XEP-0320 example 1, addressed to a number at the gateway) goes
 * through the command (runTranslate, with a configuration file) and through the gateway's own
 * path: the XMPP call machine's INVITE effect, sent by a real SipUserAgent over UDP to a socket of
 * this test. The two INVITEs have the same headers with the same values, apart from what depends
 * on the socket or a random draw (Via, the From tag); the Contact names the same listen port.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { runTranslate } from '../../src/cli/translate';
import { loadConfig } from '../../src/config/config';
import { addressContext } from '../../src/config/address-context';
import { CallRegistry, XmppCall } from '../../src/calls';
import { parseSipMessage, type SipRequest } from '../../src/sip/message';
import { SipUserAgent } from '../../src/sip';
import { userAgentOptions } from '../../src/sip/ua/config-options';
import { iqOf, one, read } from '../calls/support';
import { tables } from '../support/tables';

const ROOT = path.resolve(__dirname, '../..');
const offerXml = read('jingle-xep/xep0320-ex01-initiate-fingerprint.xml').replace(
  "to='juliet@capulet.lit/balcony'",
  "to='+15551230000@gw.localhost'",
);

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

let tmp: string;
let peer: dgram.Socket;
let ua: SipUserAgent | undefined;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-cli-invite-'));
  peer = dgram.createSocket('udp4');
  await new Promise<void>((res) => peer.bind(0, '127.0.0.1', res));
});
afterAll(async () => {
  await ua?.stop();
  peer.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Header name → values, without the ones that depend on the socket or a random draw. */
function comparable(req: SipRequest): Array<[string, string]> {
  return req.headers
    .filter((h) => !['via', 'content-length'].includes(h.name.toLowerCase()))
    .map((h): [string, string] => [
      h.name,
      h.name === 'From' ? h.value.replace(/;tag=[^;>]+/, ';tag=…') : h.value,
    ]);
}

test('the CLI prints the INVITE the SIP leg sends for the same session-initiate', async () => {
  const listenPort = await freeUdpPort();
  const peerPort = (peer.address() as AddressInfo).port;
  const file = path.join(tmp, 'gw.yaml');
  fs.writeFileSync(
    file,
    fs
      .readFileSync(path.join(ROOT, 'config', 'default.yaml'), 'utf8')
      .replace(
        /listen: \['udp:\/\/127\.0\.0\.1:5060', 'tcp:\/\/127\.0\.0\.1:5060'\]/,
        `listen: ['udp://127.0.0.1:${listenPort}']`,
      )
      .replace('outbound: sip:127.0.0.1:5090', `outbound: sip:127.0.0.1:${peerPort}`),
  );
  const config = loadConfig(file);
  expect(config.sip.listen).toEqual([`udp://127.0.0.1:${listenPort}`]);
  expect(config.sip.sessionExpires).toBeGreaterThan(0);

  const printed = runTranslate({ from: 'jingle', to: 'sip', config: file, input: offerXml });
  if (!printed.ok) throw new Error(printed.error);
  const cli = parseSipMessage(printed.output) as SipRequest;

  // The gateway's path: the call machine (media end to end), then the real UA on the wire.
  const { rtpengine: _none, ...media } = config.media;
  const ctx = { config: { ...config, media }, tables, address: addressContext(config, tables) };
  const { call } = XmppCall.start(iqOf(offerXml), ctx);
  const registry = new CallRegistry();
  registry.add(call);
  // The gather window (XEP-0176 trickle) ends: the INVITE goes out.
  const effect = one(registry.handle(call, { kind: 'timer', name: 'gather' }), 'sip-invite');
  ua = await SipUserAgent.start(userAgentOptions(config.sip));
  const got = new Promise<string>((res) => peer.once('message', (b) => res(b.toString('utf8'))));
  const ci = ua.invite({
    uri: effect.uri,
    from: effect.from,
    to: effect.to,
    body: effect.body,
    callId: effect.callId,
    ...(effect.headers ? { headers: effect.headers } : {}),
  });
  ci.on('failed', () => undefined);
  const wire = parseSipMessage(await got) as SipRequest;

  expect(cli.method).toBe('INVITE');
  expect(cli.uri).toBe(wire.uri);
  expect(comparable(cli)).toEqual(comparable(wire));
  // Spelled out, what used to differ: the Contact, Allow and Supported, and the session timer.
  const h = (r: SipRequest, n: string) => r.headers.find((x) => x.name === n)?.value;
  expect(h(cli, 'Contact')).toBe(`<sip:gw@127.0.0.1:${listenPort}>`);
  expect(h(cli, 'Allow')).toBe('INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY');
  expect(h(cli, 'Supported')).toBe('timer');
  expect(h(cli, 'Session-Expires')).toBe(String(config.sip.sessionExpires));
  // Media end to end: we take trickled candidates in INFO (RFC 6086 §5.2.3, RFC 8840 §4).
  expect(h(cli, 'Recv-Info')).toBe('trickle-ice');
  expect(cli.body).toBe(wire.body);
}, 20_000);

test('without --config the gateway domain is the capture’s <iq to> domain', () => {
  const elsewhere = offerXml.replace("to='+15551230000@gw.localhost'", "to='+15551230000@voip.example.net'");
  const r = runTranslate({ from: 'jingle', to: 'sip', input: elsewhere });
  if (!r.ok) throw new Error(r.error);
  const invite = parseSipMessage(r.output) as SipRequest;
  expect(invite.uri).toMatch(/^sip:\+15551230000@/);
  expect(invite.headers.find((x) => x.name === 'From')?.value).toMatch(/@voip\.example\.net>/);
  // With a --config, the configured domain still decides (no guessing).
  const file = path.join(tmp, 'default.yaml');
  fs.copyFileSync(path.join(ROOT, 'config', 'default.yaml'), file);
  const refused = runTranslate({ from: 'jingle', to: 'sip', config: file, input: elsewhere });
  expect(refused).toEqual({ ok: false, error: expect.stringMatching(/not at the gateway domain/) });
});
