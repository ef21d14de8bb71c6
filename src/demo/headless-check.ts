/**
 * `demo --headless-check`: one call each way through the demo world, placed and answered by a
 * built-in XMPP client (the bots the tests use, src/peers/xmpp-bot.ts), the way a user's client
 * would: XMPP → SIP to the demo phone, and the demo phone calling `demo@localhost`. Each result
 * line gives the setup time and, with rtpengine, whether the phone's tone reached the anchor.
 * The client's own media is not real here (no audio stack): with rtpengine it offers ICE +
 * DTLS-SRTP like a WebRTC client, without it plain RTP over raw UDP (XEP-0177).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { jingleFromElement, jingleIqToElement } from '../jingle';
import { parseSdp, writeSdp } from '../sdp';
import { jingleToSdpObject, sdpToJingle } from '../translate/description';
import type { JmiMessage } from '../xmpp/jmi';
import { jmiMessageStanza, parseJmi } from '../xmpp/jmi';
import type { Bot, Element } from '../peers/xmpp-bot';
import { DEMO_DOMAIN, DEMO_NUMBER, DEMO_USER, type DemoWorld } from './world';
import { loadMappings, type Mappings } from '../config/mappings';

const NS_JINGLE = 'urn:xmpp:jingle:1';

/** The JMI message a stanza carries, if any (malformed ones count as none). */
function jmiOf(s: Element): JmiMessage | undefined {
  if (s.name !== 'message') return undefined;
  try {
    return parseJmi(s);
  } catch {
    return undefined;
  }
}

export interface CheckResult {
  direction: string;
  ok: boolean;
  line: string;
}

const hex = (n: number): string =>
  randomBytes(n)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');

/** The client's media description: ICE + DTLS-SRTP with an anchor, plain RTP without. */
function clientSdp(secure: boolean, answerTo?: { protocol: string; pt: number; rtpmap: string }): string {
  const pt = answerTo?.pt ?? 0;
  const proto = answerTo?.protocol ?? (secure ? 'UDP/TLS/RTP/SAVPF' : 'RTP/AVP');
  const lines = [
    'v=0',
    `o=- ${Date.now()} 1 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `m=audio 41000 ${proto} ${pt}`,
    'c=IN IP4 127.0.0.1',
    `a=rtpmap:${pt} ${answerTo?.rtpmap ?? 'PCMU/8000'}`,
    'a=sendrecv',
  ];
  if (secure) {
    lines.push(
      `a=ice-ufrag:${randomBytes(3).toString('hex')}`,
      `a=ice-pwd:${randomBytes(12).toString('hex')}`,
      `a=fingerprint:sha-256 ${hex(32)}`,
      `a=setup:${answerTo ? 'active' : 'actpass'}`,
      'a=rtcp-mux',
      'a=candidate:1 1 udp 2130706431 127.0.0.1 41000 typ host',
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

const jingleOf = (s: Element): Element | undefined =>
  s.name === 'iq' ? s.getChild('jingle', NS_JINGLE) : undefined;
const action =
  (sid: string, a: string) =>
  (s: Element): boolean =>
    s.attrs.type === 'set' && jingleOf(s)?.attrs.sid === sid && jingleOf(s)?.attrs.action === a;

/** Packets rtpengine received from the demo phone in its one session, after waiting up to `ms`. */
async function phonePackets(w: DemoWorld, ms: number): Promise<number> {
  const rtp = w.rtpengine;
  if (!rtp) return -1;
  const until = Date.now() + ms;
  let n = 0;
  while (Date.now() < until) {
    const [id] = await rtp.control.list();
    if (id !== undefined) {
      const q = await rtp.control.query(id);
      const sip = (
        q.tags as Record<string, { medias?: Array<{ streams?: Array<{ stats?: { packets?: number } }> }> }>
      )?.sip;
      n = (sip?.medias ?? [])
        .flatMap((m) => m.streams ?? [])
        .reduce((k, s) => k + (s.stats?.packets ?? 0), 0);
      if (n >= 25) return n;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return n;
}

function mediaWords(packets: number): string {
  if (packets < 0) return 'media not measured (rtpengine not installed)';
  return packets > 0
    ? `the demo phone's tone reached rtpengine (${packets} packets)`
    : 'no media from the demo phone reached rtpengine';
}

async function xmppToSip(w: DemoWorld, bot: Bot, tables: Mappings): Promise<CheckResult> {
  const direction = 'XMPP → SIP';
  const sid = randomUUID();
  const to = `${DEMO_NUMBER}@${DEMO_DOMAIN}`;
  const jingle = sdpToJingle(clientSdp(w.rtpengine !== undefined), tables, {
    action: 'session-initiate',
    sid,
    initiator: bot.jid,
  });
  const t0 = performance.now();
  await bot.iq(jingleIqToElement({ type: 'set', id: randomUUID(), from: bot.jid, to, jingle }));
  const answered = await Promise.race([
    bot.waitFor(action(sid, 'session-accept'), 10_000, 'session-accept'),
    bot.waitFor(action(sid, 'session-terminate'), 10_000, 'session-terminate'),
  ]);
  const ms = Math.round(performance.now() - t0);
  const j = jingleOf(answered);
  if (j?.attrs.action !== 'session-accept') {
    const why = j?.getChild('reason')?.getChildText('text') ?? 'refused';
    return { direction, ok: false, line: `${direction}: ${DEMO_NUMBER} did not connect: ${why}` };
  }
  const packets = await phonePackets(w, 5000);
  await bot.iq(
    jingleIqToElement({
      type: 'set',
      id: randomUUID(),
      from: bot.jid,
      to,
      jingle: {
        action: 'session-terminate',
        sid,
        contents: [],
        groups: [],
        reason: { condition: 'success' },
      },
    }),
  );
  return {
    direction,
    ok: packets !== 0,
    line: `${direction}: ${DEMO_NUMBER} answered in ${ms} ms; ${mediaWords(packets)}`,
  };
}

async function sipToXmpp(w: DemoWorld, bot: Bot, tables: Mappings): Promise<CheckResult> {
  const direction = 'SIP → XMPP';
  const t0 = performance.now();
  await w.phone.command('dial', `sip:${DEMO_USER}@127.0.0.1:${w.sipPort}`);
  const propose = await bot.waitFor((s) => jmiOf(s)?.kind === 'propose', 10_000, 'propose');
  const id = (jmiOf(propose) as JmiMessage).id;
  const caller = String(propose.attrs.from);
  await bot.send(
    jmiMessageStanza({ from: bot.jid, to: caller, id: randomUUID(), message: { kind: 'proceed', id } }),
  );
  const initiate = await bot.waitFor(action(id, 'session-initiate'), 10_000, 'session-initiate');
  const offer = jingleToSdpObject(jingleFromElement(jingleOf(initiate) as Element, tables.hashes), tables);
  const m = offer.media[0];
  const rtp = m?.rtp[0];
  if (!m || !rtp) return { direction, ok: false, line: `${direction}: the offer had no audio` };
  const secure = m.protocol.startsWith('UDP/TLS');
  const answerSdp = clientSdp(secure, {
    protocol: m.protocol,
    pt: rtp.payload,
    rtpmap: `${rtp.codec}/${rtp.rate}${rtp.encoding ? `/${rtp.encoding}` : ''}`,
  });
  const accept = sdpToJingle(writeSdp(parseSdp(answerSdp, tables.hashes)), tables, {
    action: 'session-accept',
    sid: id,
    responder: bot.jid,
    contentNames: (jingleOf(initiate) as Element).getChildren('content').map((c) => String(c.attrs.name)),
  });
  const result = await bot.iq(
    jingleIqToElement({ type: 'set', id: randomUUID(), from: bot.jid, to: caller, jingle: accept }),
  );
  const ms = Math.round(performance.now() - t0);
  if (result.attrs.type !== 'result')
    return { direction, ok: false, line: `${direction}: the accept was refused` };
  const packets = await phonePackets(w, 5000);
  await w.phone.command('hangup');
  await bot.waitFor(action(id, 'session-terminate'), 8000, 'session-terminate').catch(() => undefined);
  return {
    direction,
    ok: packets !== 0,
    line: `${direction}: the demo phone reached ${DEMO_USER}@localhost, answered in ${ms} ms; ${mediaWords(packets)}`,
  };
}

/** Both calls, one after the other; every line printed with `out`. True when both connected. */
export async function headlessCheck(w: DemoWorld, out: (line: string) => void): Promise<boolean> {
  // The bots are dev tooling (@xmpp/client); loaded only here.
  const { Bot } = await import('../peers/xmpp-bot');
  const bot = await Bot.connect({
    port: w.prosody.c2sPort,
    username: DEMO_USER,
    password: w.password,
    resource: 'headless-check',
  });
  // The test client's own copy of the tables, read once here (the edge).
  const tables = loadMappings();
  try {
    let ok = true;
    for (const call of [xmppToSip, sipToXmpp]) {
      let r: CheckResult;
      try {
        r = await call(w, bot, tables);
      } catch (e) {
        r = {
          direction: call.name,
          ok: false,
          line: `${call === xmppToSip ? 'XMPP → SIP' : 'SIP → XMPP'}: ${(e as Error).message.split('\n')[0]}`,
        };
      }
      out(r.line);
      ok &&= r.ok;
      const until = Date.now() + 5000;
      while (w.gateway.liveCalls() > 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    }
    return ok;
  } finally {
    await bot.stop();
  }
}
