/**
 * The demo's little world, on free loopback ports in temp folders: Prosody with the gateway as
 * its component and a `demo` account, rtpengine when installed, baresip as the demo phone
 * (`+15550000000`, auto-answers with a 440 Hz tone, can dial out), and the gateway itself.
 * `stop()` ends the gateway's calls, then every process by its PID, and removes the folders.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../config/config';
import { Gateway } from '../gateway/gateway';
import { createLogger } from '../log';
import { startBaresip, type Baresip } from '../peers/baresip';
import { freePort, freePortPair, stopAll } from '../peers/processes';
import { ProsodyServer } from '../peers/prosody';
import { startRtpengine, type Rtpengine } from '../peers/rtpengine';

export const DEMO_NUMBER = '+15550000000';
export const DEMO_DOMAIN = 'gw.localhost';
export const DEMO_USER = 'demo';

export interface DemoWorld {
  prosody: ProsodyServer;
  gateway: Gateway;
  phone: Baresip;
  rtpengine?: Rtpengine;
  password: string;
  sipPort: number;
  stop(): Promise<void>;
}

export async function startDemoWorld(o: { rtpengine: boolean; logLevel?: string }): Promise<DemoWorld> {
  const secret = randomBytes(12).toString('hex');
  const password = randomBytes(6).toString('hex');
  const started: { prosody?: ProsodyServer; gateway?: Gateway } = {};
  const stop = async (): Promise<void> => {
    await started.gateway?.stop().catch(() => undefined);
    await stopAll();
    await started.prosody?.dispose();
  };
  try {
    const prosody = await ProsodyServer.start({ secret, users: [[DEMO_USER, password]] });
    started.prosody = prosody;
    const rtpengine = o.rtpengine ? await startRtpengine() : undefined;
    const phonePort = await freePortPair();
    const phone = await startBaresip(phonePort, await freePort(), {
      user: DEMO_NUMBER,
      opus: true,
      modules: ['rtcpsummary.so'],
    });
    const sipPort = await freePort();
    const config = parseConfig(
      [
        'xmpp:',
        `  service: xmpp://127.0.0.1:${prosody.componentPort}`,
        `  domain: ${DEMO_DOMAIN}`,
        `  secret: ${secret}`,
        '  reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }',
        'sip:',
        `  listen: ['udp://127.0.0.1:${sipPort}']`,
        `  outbound: sip:127.0.0.1:${phonePort}`,
        "  trusted: ['127.0.0.0/8']",
        'calls: { gatherWindowMs: 100 }',
        // The shipped default's media settings (config/default.yaml), with this rtpengine.
        ...(rtpengine
          ? ['media:', `  rtpengine: ${rtpengine.uri}`, '  anchor: auto', '  offer: [as-offered, sdes, rtp]']
          : []),
        `log: { level: ${o.logLevel ?? 'error'} }`,
      ].join('\n'),
      'demo config',
    );
    const gateway = await Gateway.start(config, { logger: createLogger(config.log.level) });
    started.gateway = gateway;
    await gateway.xmpp.whenOnline(5000);
    return {
      prosody,
      gateway,
      phone,
      ...(rtpengine ? { rtpengine } : {}),
      password,
      sipPort,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
