/**
 * Headless Chromium (Debian `chromium`, driven by playwright-core) as the XMPP user's real WebRTC
 * stack: a fake microphone playing a tone, the remote track played (or getStats reports audio
 * level 0), SDP out and in. Flags as learned in this test bed (docs/media.md §Testing): loopback
 * candidates allowed, plain IP candidates instead of mDNS names, no sandbox, no background
 * networking. The page is served from 127.0.0.1 (a secure context, so getUserMedia works).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

export interface AudioStats {
  /** inbound-rtp packets and the energy of what was played. */
  packetsReceived: number;
  totalAudioEnergy: number;
  audioLevel: number;
  /** outbound-rtp packets. */
  packetsSent: number;
  /** DTLS state of the selected transport ('connected' once keys are agreed). */
  dtlsState: string;
}

const PAGE = `<!doctype html><html><body><audio id="remote" autoplay></audio><script>
window.pc = null;
window.start = async () => {
  const pc = new RTCPeerConnection({ rtcpMuxPolicy: 'require' });
  window.pc = pc;
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  for (const t of mic.getTracks()) pc.addTrack(t, mic);
  pc.ontrack = (e) => {
    const el = document.getElementById('remote');
    el.srcObject = e.streams[0] || new MediaStream([e.track]);
    el.play().catch(() => {});
  };
};
const gathered = (pc) => new Promise((resolve) => {
  if (pc.iceGatheringState === 'complete') return resolve();
  pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
  setTimeout(resolve, 3000);
});
window.offer = async () => {
  await window.pc.setLocalDescription(await window.pc.createOffer());
  await gathered(window.pc);
  return window.pc.localDescription.sdp;
};
window.answerOffer = async (sdp) => {
  await window.pc.setRemoteDescription({ type: 'offer', sdp });
  await window.pc.setLocalDescription(await window.pc.createAnswer());
  await gathered(window.pc);
  return window.pc.localDescription.sdp;
};
// An ICE restart offer (new remote ufrag/pwd): the answer has new credentials of its own (RFC 8839
// §4.4.1.1.1, JSEP §5.3.1), gathered anew: wait for a candidate of the new generation.
window.answerRestart = async (sdp) => {
  await window.pc.setRemoteDescription({ type: 'offer', sdp });
  await window.pc.setLocalDescription(await window.pc.createAnswer());
  const end = Date.now() + 3000;
  while (Date.now() < end && !/a=candidate:/.test(window.pc.localDescription.sdp)) await new Promise((r) => setTimeout(r, 50));
  await gathered(window.pc);
  return window.pc.localDescription.sdp;
};
window.remoteSdp = () => window.pc.remoteDescription.sdp;
window.dtmf = (tones) => window.pc.getSenders().find((s) => s.dtmf).dtmf.insertDTMF(tones, 200, 100);
window.takeAnswer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
window.stats = async () => {
  const out = { packetsReceived: 0, totalAudioEnergy: 0, audioLevel: 0, packetsSent: 0, dtlsState: 'none' };
  (await window.pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.packetsReceived += r.packetsReceived || 0;
      out.totalAudioEnergy += r.totalAudioEnergy || 0;
      out.audioLevel = Math.max(out.audioLevel, r.audioLevel || 0);
    }
    if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent += r.packetsSent || 0;
    if (r.type === 'transport') out.dtlsState = r.dtlsState;
  });
  return out;
};
</script></body></html>`;

export class WebrtcPeer {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly server: http.Server,
  ) {}

  static async start(): Promise<WebrtcPeer> {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.evaluate('window.start()');
    return new WebrtcPeer(browser, page, server);
  }

  /** A complete offer (every candidate gathered), with only loopback candidates kept. */
  async offer(): Promise<string> {
    return loopbackOnly(await this.page.evaluate<string>('window.offer()'));
  }

  async answerOffer(sdp: string): Promise<string> {
    return loopbackOnly(await this.page.evaluate<string>(`window.answerOffer(${JSON.stringify(sdp)})`));
  }

  /** Answers an ICE restart offer (new remote credentials): the answer, loopback candidates only. */
  async answerRestart(sdp: string): Promise<string> {
    return loopbackOnly(await this.page.evaluate<string>(`window.answerRestart(${JSON.stringify(sdp)})`));
  }

  /** The remote description Chromium has now. */
  remoteSdp(): Promise<string> {
    return this.page.evaluate<string>('window.remoteSdp()');
  }

  async takeAnswer(sdp: string): Promise<void> {
    await this.page.evaluate(`window.takeAnswer(${JSON.stringify(sdp)})`);
  }

  /** RFC 4733 tones in RTP (RTCDTMFSender.insertDTMF, 200 ms each). */
  async dtmf(tones: string): Promise<void> {
    await this.page.evaluate(`window.dtmf(${JSON.stringify(tones)})`);
  }

  stats(): Promise<AudioStats> {
    return this.page.evaluate<AudioStats>('window.stats()');
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await new Promise((r) => this.server.close(r));
  }
}

/**
 * Tests send traffic to loopback only: the candidates of other interfaces are left out of what
 * the client tells its peer (Chromium gathers every interface it has).
 */
export function loopbackOnly(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !l.startsWith('a=candidate:') || / 127\.0\.0\.1 \d+ typ /.test(l))
    .join('\r\n');
}
