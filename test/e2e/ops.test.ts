/**
 * Issue 11, "Operating it": the gateway's HTTP server during real calls (Prosody, SIPp, bots) —
 * /metrics (the live-call gauge 0 → 1 → 0, the outcome counted), /calls (the state of each
 * machine), /health — and the status page in a real browser (Debian's chromium, headless, driven
 * by playwright-core): the call is listed while up and after, and its ladder has the arrows of
 * both legs in order, with the messages masked. Screenshots go to artifacts/ (git ignores it).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  CALLEE,
  describeE2e,
  describeWithPeers,
  useWorld,
  iqOk,
  jingleAction,
  offerCall,
  proposed,
  reasonOf,
  sipp,
  waitUdpBound,
  type Bot,
} from './harness';
import { CLIENT_PWD, dtlsAccept, fingerprint, jmi } from './stanzas';
import { chromiumAvailable, CHROMIUM } from '../support/webrtc';
import { rtpengineAvailable, startRtpengine, type Rtpengine } from '../support/rtpengine';
import type { OpsServer } from '../../src/ops/http-server';

const ARTIFACTS = path.join(__dirname, '..', '..', 'artifacts');

function get(server: OpsServer, p: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: p, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 }));
      })
      .on('error', reject);
  });
}

async function getJson<T>(server: OpsServer, p: string): Promise<T> {
  return JSON.parse((await get(server, p)).body) as T;
}

/** One series of /metrics (0 when it is not there yet). */
async function metric(server: OpsServer, series: string): Promise<number> {
  const text = (await get(server, '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

interface CallView {
  sid: string;
  callId: string;
  direction: string;
  from: string;
  to: string;
  ageSeconds: number;
  states: { jingle: string; sip: string; offerAnswer: string };
}

interface Ladder {
  info: { sid: string };
  messages: Array<{ leg: string; direction: string; label: string; text: string }>;
}

/** `want` appear in `labels` in this order (other messages may come between). */
function inOrder(labels: string[], want: Array<string | RegExp>): void {
  let at = -1;
  for (const w of want) {
    const i = labels.findIndex((l, k) => k > at && (typeof w === 'string' ? l === w : w.test(l)));
    if (i < 0) throw new Error(`no ${String(w)} after position ${at} in:\n${labels.join('\n')}`);
    at = i;
  }
}

const ACTIVE = 'jingle_sip_gateway_calls_active';
const TOTAL = 'jingle_sip_gateway_calls_total';

describeE2e(
  'e2e: the operations HTTP server and the status page during real calls',
  { httpYaml: "{ listen: '127.0.0.1:0', recentCalls: 10 }" },
  (bed) => {
    let alice: Bot;
    let server: OpsServer;
    beforeAll(() => {
      alice = bed.device();
      const ops = bed.world.gateway.ops;
      if (!ops) throw new Error('the gateway started no HTTP server');
      server = ops.server;
    });

    test('health: 200 while the component is online, with the SIP listen address', async () => {
      const h = await get(server, '/health');
      expect(h.status).toBe(200);
      expect(JSON.parse(h.body)).toEqual({
        status: 'ok',
        xmpp: 'online',
        sip: 'listening',
        listen: [`udp://127.0.0.1:${bed.world.sipPort}`],
        trunks: [],
        calls: 0,
        draining: false,
      });
    });

    const browserTest = chromiumAvailable() ? test : test.skip;
    browserTest(
      'XMPP → SIP: gauge 0 → 1 → 0, the outcome counted, /calls with both machines, the ladder in chromium',
      async () => {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        const browser: Browser = await chromium.launch({
          executablePath: CHROMIUM,
          headless: true,
          args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        });
        try {
          const page: Page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
          const fetched: string[] = [];
          page.on('request', (r) => fetched.push(r.url()));
          const answeredBefore = await metric(server, `${TOTAL}{direction="xmpp-to-sip",outcome="answered"}`);
          const setupBefore = await metric(
            server,
            'jingle_sip_gateway_call_setup_seconds_count{direction="xmpp-to-sip"}',
          );
          expect(await metric(server, `${ACTIVE}{direction="xmpp-to-sip"}`)).toBe(0);

          // A call that stays up 10 s after the ACK; then SIPp hangs up.
          const port = bed.world.outboundPort;
          const run = await sipp({ scenario: 'e2e-uas-dtls-hold-bye-out.xml', port, timeoutSec: 40 });
          await waitUdpBound(port, run);
          const sid = randomUUID();
          const accepted = alice.waitFor(jingleAction(sid, 'session-accept'), 8000, 'session-accept');
          await offerCall(alice, CALLEE, sid);
          await accepted;

          // ── during the call ──
          expect(await metric(server, `${ACTIVE}{direction="xmpp-to-sip"}`)).toBe(1);
          const live = await getJson<CallView[]>(server, '/calls');
          expect(live).toHaveLength(1);
          expect(live[0]).toMatchObject({
            sid,
            direction: 'xmpp-to-sip',
            from: alice.jid,
            to: CALLEE,
            states: { jingle: 'active', sip: 'confirmed', offerAnswer: 'stable' },
          });
          expect(live[0]?.callId).toMatch(/^[0-9a-f]{24}@127\.0\.0\.1$/);
          expect(JSON.parse((await get(server, '/health')).body).calls).toBe(1);

          const t0 = Date.now();
          await page.goto(server.url);
          await page.waitForSelector('body[data-ready="true"]');
          const loadMs = Date.now() - t0;
          const row = `#live tbody tr[data-sid="${sid}"]`;
          await page.waitForSelector(row);
          const cells = await page.$$eval(`${row} td`, (tds) => tds.map((t) => t.textContent ?? ''));
          expect(cells.slice(1, 7)).toEqual([
            'xmpp-to-sip',
            alice.jid,
            CALLEE,
            'active',
            'confirmed',
            'stable',
          ]);
          await page.click(row);
          await page.waitForSelector(`#ladder[data-sid="${sid}"] svg g.arrow`);
          await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-live.png'), fullPage: true });

          // ── after the call ──
          const term = await alice.waitFor(
            jingleAction(sid, 'session-terminate'),
            20_000,
            'session-terminate',
          );
          expect(reasonOf(term).condition).toBe('success');
          await bed.passed(run);
          expect(await metric(server, `${ACTIVE}{direction="xmpp-to-sip"}`)).toBe(0);
          expect(await metric(server, `${TOTAL}{direction="xmpp-to-sip",outcome="answered"}`)).toBe(
            answeredBefore + 1,
          );
          expect(
            await metric(server, 'jingle_sip_gateway_call_setup_seconds_count{direction="xmpp-to-sip"}'),
          ).toBe(setupBefore + 1);
          expect(await getJson<CallView[]>(server, '/calls')).toEqual([]);

          // The last answers (200 to the BYE) are in before the ladder is read.
          await new Promise((r) => setTimeout(r, 300));
          await page.reload();
          await page.waitForSelector('body[data-ready="true"]');
          const recent = `#recent tbody tr[data-sid="${sid}"]`;
          await page.waitForSelector(recent);
          expect(await page.$eval(`${recent} td:nth-child(5)`, (td) => td.textContent)).toBe(
            'answered, success',
          );
          expect(await page.$$(`#live tbody tr[data-sid="${sid}"]`)).toHaveLength(0);
          const c0 = Date.now();
          await page.click(recent);
          await page.waitForSelector(`#ladder[data-sid="${sid}"] svg g.arrow`);
          const ladderMs = Date.now() - c0;
          const arrows = await page.$$eval('#ladder g.arrow', (gs) =>
            gs.map((g) => ({
              label: g.getAttribute('data-label') ?? '',
              leg: g.getAttribute('data-leg') ?? '',
              direction: g.getAttribute('data-direction') ?? '',
            })),
          );
          const labels = arrows.map((a) => a.label);
          inOrder(labels, [
            'session-initiate',
            'INVITE',
            '180 Ringing (INVITE)',
            'session-info ringing',
            '200 OK (INVITE)',
            'session-accept',
            // Over UDP the ACK waits for its target's resolution (a promise, src/sip/ua/router.ts):
            // it leaves after the session-accept that the 200 caused at once.
            'ACK',
            'BYE',
            'session-terminate success',
          ]);
          const dir = (label: string): string => {
            const a = arrows.find((x) => x.label === label);
            return `${a?.leg} ${a?.direction}`;
          };
          expect(dir('session-initiate')).toBe('xmpp in');
          expect(dir('INVITE')).toBe('sip out');
          expect(dir('180 Ringing (INVITE)')).toBe('sip in');
          expect(dir('session-accept')).toBe('xmpp out');
          expect(dir('BYE')).toBe('sip in');
          expect(dir('session-terminate success')).toBe('xmpp out');

          // The message on click: the INVITE as sent, the client's ICE password masked.
          await page.click('#ladder g.arrow[data-label="INVITE"] rect.hit');
          const invite = (await page.textContent('#message-text')) ?? '';
          expect(invite).toMatch(/^INVITE sip:\+15551230000@127\.0\.0\.1:\d+ SIP\/2\.0\r?\n/);
          expect(invite).toContain('a=ice-pwd:***');
          expect(invite).not.toContain(CLIENT_PWD);
          await page.click('#ladder g.arrow[data-label="session-initiate"] rect.hit');
          const initiate = (await page.textContent('#message-text')) ?? '';
          expect(initiate).toContain(`sid="${sid}"`);
          expect(initiate).not.toContain(CLIENT_PWD);
          await page.screenshot({ path: path.join(ARTIFACTS, 'status-page.png'), fullPage: true });
          // Nothing but the gateway was asked for anything.
          expect(fetched.filter((u) => !u.startsWith(server.url))).toEqual([]);
          console.log(
            `ladder: ${arrows.map((a) => `${a.leg} ${a.direction} ${a.label}`).join(' | ')}\n` +
              `status page: loaded and filled in ${loadMs} ms; ladder of ${labels.length} messages drawn in ` +
              `${ladderMs} ms; ${fetched.length} requests, all to the gateway`,
          );
        } finally {
          await browser.close();
        }
      },
      60_000,
    );

    test('SIP → XMPP: the call is live while ringing, counted when over; its ladder has both legs', async () => {
      const answeredBefore = await metric(server, `${TOTAL}{direction="sip-to-xmpp",outcome="answered"}`);
      expect(await metric(server, `${ACTIVE}{direction="sip-to-xmpp"}`)).toBe(0);
      const run = await bed.uac('e2e-uac-dtls.xml');
      const { id, caller } = await proposed(alice);

      // Ringing at alice: the call is live, no Jingle session yet, the INVITE's offer pending.
      expect(await metric(server, `${ACTIVE}{direction="sip-to-xmpp"}`)).toBe(1);
      const live = await getJson<CallView[]>(server, '/calls');
      expect(live).toHaveLength(1);
      expect(live[0]).toMatchObject({
        sid: id,
        direction: 'sip-to-xmpp',
        states: { jingle: 'none', sip: 'calling', offerAnswer: 'have-remote' },
      });
      expect(live[0]?.from).toMatch(/^sip:bob@127\.0\.0\.1:\d+$/);

      await alice.send(jmi('proceed', { to: caller, id }));
      const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
      await iqOk(alice, dtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1') }));
      await alice.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
      await bed.passed(run);
      expect(await metric(server, `${ACTIVE}{direction="sip-to-xmpp"}`)).toBe(0);
      expect(await metric(server, `${TOTAL}{direction="sip-to-xmpp",outcome="answered"}`)).toBe(
        answeredBefore + 1,
      );

      await new Promise((r) => setTimeout(r, 300));
      const ladder = await getJson<Ladder>(server, `/ladders/${encodeURIComponent(id)}`);
      const labels = ladder.messages.map((m) => m.label);
      inOrder(labels, [
        'INVITE',
        '100 Trying (INVITE)',
        'propose',
        'proceed',
        'session-initiate',
        'session-accept',
        '200 OK (INVITE)',
        'ACK',
        'BYE',
        'session-terminate success',
      ]);
      // The IQ answers are in the ladder too: alice's to the session-initiate, ours to her accept.
      expect(labels.filter((l) => l === 'result').length).toBeGreaterThanOrEqual(2);
      // Secrets of both offers masked: SIPp's ICE password, alice's in her accept.
      const all = ladder.messages.map((m) => m.text).join('\n');
      expect(all).not.toContain('bobpasswordbobpasswordbo');
      expect(all).toContain('a=ice-pwd:***');
    });

    test('a refused INVITE (unreadable offer → 488) is counted by its outcome and kept with its ladder', async () => {
      // An INVITE without an offer is refused before any XMPP side exists.
      const before = await metric(
        server,
        `${TOTAL}{direction="sip-to-xmpp",outcome="incompatible-parameters"}`,
      );
      const r = await bed.uac('e2e-uac-refused-488.xml');
      await bed.passed(r);
      const after = await metric(
        server,
        `${TOTAL}{direction="sip-to-xmpp",outcome="incompatible-parameters"}`,
      );
      expect(after).toBe(before + 1);
      const ladders = await getJson<Array<{ info: { sid: string; direction: string }; condition: string }>>(
        server,
        '/ladders',
      );
      const refused = ladders.find((l) => l.condition === 'incompatible-parameters');
      expect(refused).toBeDefined();
      const ladder = await getJson<Ladder>(server, `/ladders/${encodeURIComponent(refused?.info.sid ?? '')}`);
      inOrder(
        ladder.messages.map((m) => m.label),
        ['INVITE', /^488 /, 'ACK'],
      );
    });

    test('stop(): /health says draining (503) while the calls end, then the server is closed', async () => {
      const stopping = bed.world.gateway.stop();
      const h = await get(server, '/health');
      expect(h.status).toBe(503);
      expect(JSON.parse(h.body)).toMatchObject({ status: 'draining', draining: true });
      expect(await metric(server, 'jingle_sip_gateway_draining')).toBe(1);
      await stopping;
      await expect(get(server, '/health')).rejects.toThrow(/ECONNREFUSED/);
    });
  },
);

const withRtpengine = rtpengineAvailable() ? describeWithPeers() : describe.skip;

withRtpengine('e2e: the ladder of an anchored call has the rtpengine leg', () => {
  let rtp: Rtpengine | undefined;
  const bed = useWorld({
    late: async () => {
      rtp = await startRtpengine();
      return {
        mediaYaml: [`rtpengine: ${rtp.uri}`, 'anchor: auto'],
        httpYaml: "{ listen: '127.0.0.1:0' }",
      };
    },
  });
  afterAll(() => rtp?.stop());

  test("SIPp's plain RTP offer to alice (DTLS): every ng request and answer in order, with the SIP re-INVITE", async () => {
    const server = bed.world.gateway.ops?.server as OpsServer;
    const alice = bed.device();
    const run = await bed.uac('e2e-uac-plain-reinvite-move.xml');
    const { id, caller } = await proposed(alice);
    await alice.send(jmi('proceed', { to: caller, id }));
    const initiate = await alice.waitFor(jingleAction(id, 'session-initiate'), 8000, 'session-initiate');
    await iqOk(alice, dtlsAccept({ initiate, to: caller, from: alice.jid, fp: fingerprint('A1') }));
    await bed.passed(run);
    await alice.waitFor(jingleAction(id, 'session-terminate'), 8000, 'session-terminate');
    await new Promise((r) => setTimeout(r, 500));
    const ladder = await getJson<Ladder>(server, `/ladders/${encodeURIComponent(id)}`);
    const seen = ladder.messages.map((m) => `${m.leg} ${m.direction} ${m.label}`);
    inOrder(seen, [
      'sip in INVITE',
      'media out offer (propose)',
      'media in offer ok',
      'xmpp out propose',
      'xmpp out session-initiate',
      'xmpp in session-accept',
      'media out answer (answer)',
      'media in answer ok',
      'sip out 200 OK (INVITE)',
      'sip in INVITE',
      'media out offer (reoffer)',
      'media in offer ok',
      'media out answer (reanswer)',
      'media in answer ok',
      'sip out 200 OK (INVITE)',
      'sip in BYE',
      'media out delete',
      'media in deleted',
    ]);
    // rtpengine's offer to alice carries its ICE password: masked like any other.
    const offer = ladder.messages.find((m) => m.leg === 'media' && m.label === 'offer ok');
    expect(offer?.text).toMatch(/a=ice-pwd:\*\*\*\r?\n/);
    expect(await metric(server, 'jingle_sip_gateway_rtpengine_errors_total{op="offer"}')).toBe(0);

    if (!chromiumAvailable()) return;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
      await page.goto(server.url);
      await page.click(`#recent tbody tr[data-sid="${id}"]`);
      await page.waitForSelector(`#ladder[data-sid="${id}"] svg g.arrow`);
      const lanes = await page.$$eval('#ladder svg text.lane-name', (ts) => ts.map((t) => t.textContent));
      expect(lanes).toEqual(['XMPP client', 'gateway', 'SIP peer', 'rtpengine']);
      expect(await page.$$('#ladder g.arrow.media')).toHaveLength(
        ladder.messages.filter((m) => m.leg === 'media').length,
      );
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'status-page-rtpengine.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
