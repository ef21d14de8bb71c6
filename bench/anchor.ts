/**
 * What anchoring adds to call setup: the ng round trips an anchored call makes before each leg
 * can go on, against a real rtpengine (Debian `rtpengine-daemon`, userspace only, on loopback).
 *
 * Run:   npm run build && npm run bench:anchor        (node dist/bench/anchor.js)
 *        BENCH_CALLS=200 node dist/bench/anchor.js     (fewer calls)
 *
 * Each call replays the captured SDPs the e2e tests see (test/fixtures/captured/): XMPP → SIP
 * (Chromium's offer → `offer` toward a plain phone, baresip's answer → `answer`) and SIP → XMPP
 * (baresip's offer → `offer` toward WebRTC, Chromium's answer → `answer`), then `delete`, one
 * call at a time, with the gateway's own flags and client. It prints the median and p99, in
 * milliseconds, of the offer, the answer and their sum (the setup latency anchoring adds), and
 * checks that rtpengine holds no session at the end. rtpengine is started by this script
 * (src/peers/rtpengine.ts: a free loopback port, its own folder) and stopped by PID.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RtpengineAnchor } from '../src/media/anchor';
import { forAnswer, towardSip, towardXmpp } from '../src/media/flags';
import { startRtpengine } from '../src/peers/rtpengine';

const fixtures = path.join(__dirname, '..', '..', 'test', 'fixtures', 'captured');
const read = (f: string): string => fs.readFileSync(path.join(fixtures, f), 'utf8');
const body = (f: string): string => read(f).split('\r\n\r\n').slice(1).join('\r\n\r\n');

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  const calls = Number(process.env.BENCH_CALLS ?? 1000);
  const rtp = await startRtpengine();
  const port = rtp.ngPort;
  const a = new RtpengineAnchor({ host: '127.0.0.1', port, timeoutMs: 1000, retries: 0 });
  try {
    const flows = {
      'XMPP → SIP': {
        offer: read('chromium-156.0.8078.79-audio-rawip-offer.sdp'),
        offerFlags: towardSip('rtp'),
        from: 'jingle' as const,
        answer: body('baresip-1.0.0-200ok-plain.sip'),
      },
      'SIP → XMPP': {
        offer: body('baresip-1.0.0-invite-plain.sip'),
        offerFlags: towardXmpp(),
        from: 'sip' as const,
        answer: read('chromium-156.0.8078.79-audio-rawip-answer.sdp'),
      },
    };
    console.log(`anchoring cost per call, ${calls} calls each way, rtpengine ${port} on loopback (ms)`);
    console.log('direction     offer p50  p99   answer p50  p99   setup p50  p99   delete p50');
    for (const [name, f] of Object.entries(flows)) {
      const offer: number[] = [];
      const answer: number[] = [];
      const del: number[] = [];
      const to = f.from === 'jingle' ? ('sip' as const) : ('jingle' as const);
      for (let i = 0; i < calls; i++) {
        const id = `bench-${i}`;
        const t0 = performance.now();
        await a.offer({ id, fromTag: f.from, sdp: f.offer, flags: f.offerFlags });
        const t1 = performance.now();
        await a.answer({ id, fromTag: f.from, toTag: to, sdp: f.answer, flags: forAnswer() });
        const t2 = performance.now();
        await a.delete(id);
        del.push(performance.now() - t2);
        offer.push(t1 - t0);
        answer.push(t2 - t1);
      }
      const setup = offer.map((o, i) => o + (answer[i] as number));
      const f2 = (x: number): string => x.toFixed(2).padStart(5);
      console.log(
        `${name.padEnd(12)}  ${f2(q(offer, 0.5))} ${f2(q(offer, 0.99))}      ${f2(q(answer, 0.5))} ${f2(q(answer, 0.99))}     ${f2(q(setup, 0.5))} ${f2(q(setup, 0.99))}      ${f2(q(del, 0.5))}`,
      );
    }
    const left = await a.list();
    console.log(`sessions left in rtpengine: ${left.length}`);
    if (left.length > 0) process.exitCode = 1;
  } finally {
    a.close();
    await rtp.stop();
  }
}

main().catch((e: Error) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
