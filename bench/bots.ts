/**
 * The XMPP side of the benches (bench/e2e.ts, bench/memory.ts): one @xmpp/client session per
 * user, TCP_NODELAY, auto-answering (JMI proceed on a propose, session-accept on a
 * session-initiate), and placing calls toward the gateway's SIP callee. The stanzas are those
 * of test/e2e/stanzas.ts (conversationsOffer, dtlsAccept); bench cannot import test/.
 *
 * Each call's ICE ufrag is derived from its sid ({@link ufragOf}), so a capture can match the
 * session-initiate a bot sent with the INVITE the gateway placed (the SDP carries the ufrag).
 */
import { randomUUID } from 'node:crypto';
import { client, type Client } from '@xmpp/client';
import type { Element } from 'ltx';
import { xml } from '../src/xmpp/stanza/xml';

export const NS_JINGLE = 'urn:xmpp:jingle:1';
export const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
export const NS_ICE = 'urn:xmpp:jingle:transports:ice-udp:1';
export const NS_DTLS = 'urn:xmpp:jingle:apps:dtls:0';
export const NS_JMI = 'urn:xmpp:jingle-message:0';
const NS_DISCO = 'http://jabber.org/protocol/disco#info';
const FEATURES = [NS_DISCO, NS_JINGLE, NS_RTP, 'urn:xmpp:jingle:apps:rtp:audio', NS_ICE, NS_DTLS, NS_JMI];

const fp = (b: string): string => Array(32).fill(b).join(':');

/** The ICE ufrag of call `sid` (RFC 8839 §5.4: 4–256 ice-chars; hex is a subset). */
export const ufragOf = (sid: string): string => `u${sid.replace(/[^0-9a-f]/gi, '').slice(0, 16)}`;

const candidate = (id: string, foundation: string, ip: string, port: number, priority: number): Element =>
  xml('candidate', {
    foundation,
    component: '1',
    protocol: 'udp',
    priority: String(priority),
    ip,
    port: String(port),
    type: 'host',
    generation: '0',
    network: '0',
    id,
  });

/** A Conversations-style audio offer: opus + telephone-event, rtcp-mux, ICE with DTLS (actpass), BUNDLE. */
export function offer(to: string, from: string, sid: string): Element {
  return xml(
    'iq',
    { type: 'set', to },
    xml(
      'jingle',
      { xmlns: NS_JINGLE, action: 'session-initiate', sid, initiator: from },
      xml(
        'content',
        { creator: 'initiator', name: '0', senders: 'both' },
        xml(
          'description',
          { xmlns: NS_RTP, media: 'audio' },
          xml(
            'payload-type',
            { id: '111', name: 'opus', clockrate: '48000', channels: '2' },
            xml('parameter', { name: 'minptime', value: '10' }),
            xml('parameter', { name: 'useinbandfec', value: '1' }),
          ),
          xml('payload-type', { id: '126', name: 'telephone-event', clockrate: '8000' }),
          xml('rtcp-mux'),
        ),
        xml(
          'transport',
          { xmlns: NS_ICE, ufrag: ufragOf(sid), pwd: 'clientpasswordclientpass' },
          xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'actpass' }, fp('C0')),
          candidate('c0', '1', '127.0.0.1', 40000, 2122260223),
          candidate('c1', '2', '::1', 40002, 2122197247),
        ),
      ),
      xml(
        'group',
        { xmlns: 'urn:xmpp:jingle:apps:grouping:0', semantics: 'BUNDLE' },
        xml('content', { name: '0' }),
      ),
    ),
  );
}

/** The answering device's session-accept of `initiate`. */
export function accept(initiate: Element, to: string, from: string): Element {
  const j = initiate.getChild('jingle', NS_JINGLE) as Element;
  const contents = j.getChildren('content').map((c) => {
    const offered = c.getChild('description', NS_RTP)?.getChildren('payload-type') ?? [];
    const pts = offered.filter((p) => ['opus', 'telephone-event'].includes(String(p.attrs.name)));
    return xml(
      'content',
      { creator: 'initiator', name: String(c.attrs.name), senders: 'both' },
      xml(
        'description',
        { xmlns: NS_RTP, media: 'audio' },
        ...(pts.length > 0 ? pts : offered.slice(0, 1)).map((p) => xml('payload-type', { ...p.attrs })),
        xml('rtcp-mux'),
      ),
      xml(
        'transport',
        { xmlns: NS_ICE, ufrag: 'aLiC', pwd: 'alicepasswordalicepasswd' },
        xml('fingerprint', { xmlns: NS_DTLS, hash: 'sha-256', setup: 'active' }, fp('A1')),
        candidate('a1', '1', '127.0.0.1', 41000, 2122260223),
      ),
    );
  });
  return xml(
    'iq',
    { type: 'set', to, id: `a-${String(j.attrs.sid)}` },
    xml(
      'jingle',
      { xmlns: NS_JINGLE, action: 'session-accept', sid: String(j.attrs.sid), responder: from },
      ...contents,
    ),
  );
}

export const terminate = (to: string, sid: string, id: string): Element =>
  xml(
    'iq',
    { type: 'set', to, id },
    xml('jingle', { xmlns: NS_JINGLE, action: 'session-terminate', sid }, xml('reason', {}, xml('success'))),
  );

interface Outgoing {
  t0: number;
  accepted: boolean;
  timer: NodeJS.Timeout;
  done: (ok: boolean, ms?: number) => void;
  proceed?: (from: string) => void;
}

/** One XMPP user: answers every call it is offered, places the calls it is told to. */
export class BenchBot {
  readonly outgoing = new Map<string, Outgoing>();
  /** Calls offered to this bot and not ended yet (sid → the gateway's JID). */
  readonly incoming = new Map<string, string>();
  /** Called with each stanza that is not an IQ result (the Prosody reference bot uses it). */
  onStanza: (s: Element) => void = () => undefined;

  private constructor(
    readonly x: Client,
    readonly jid: string,
    private readonly callTimeoutMs: number,
  ) {}

  static async connect(port: number, user: string, pass: string, callTimeoutMs = 8000): Promise<BenchBot> {
    const x = client({
      service: `xmpp://127.0.0.1:${port}`,
      domain: 'localhost',
      resource: 'bench',
      username: user,
      password: pass,
    });
    x.reconnect.stop();
    x.on('error', () => undefined);
    const holder: { bot?: BenchBot } = {};
    x.iqCallee.set(NS_JINGLE, 'jingle', ({ stanza }: { stanza: Element }) => {
      holder.bot?.jingle(stanza);
      return true;
    });
    x.iqCallee.get(NS_DISCO, 'query', ({ element }: { element: Element }) =>
      xml(
        'query',
        { xmlns: NS_DISCO, node: element.attrs.node },
        ...FEATURES.map((f) => xml('feature', { var: f })),
      ),
    );
    x.on('stanza', (s: Element) => holder.bot?.stanza(s));
    // TCP_NODELAY on the bot's socket too, as src/xmpp/connection/component.ts does for the component.
    const sock = x as unknown as { socket?: { setNoDelay?: (b: boolean) => void } };
    x.on('connect', () => sock.socket?.setNoDelay?.(true));
    await x.start();
    const bot = new BenchBot(x, String(x.jid), callTimeoutMs);
    holder.bot = bot;
    await x.send(xml('presence'));
    return bot;
  }

  send(el: Element): void {
    this.x.send(el).catch(() => undefined);
  }

  private stanza(s: Element): void {
    this.onStanza(s);
    const proceed = s.name === 'message' ? s.getChild('proceed', NS_JMI) : undefined;
    if (proceed !== undefined) {
      // The answer to our own propose ({@link proposeCall}): now the session-initiate.
      const o = this.outgoing.get(`p-${String(proceed.attrs.id)}`);
      o?.proceed?.(String(s.attrs.from));
      return;
    }
    if (s.name === 'message') {
      const propose = s.getChild('propose', NS_JMI);
      if (propose !== undefined) {
        this.send(
          xml(
            'message',
            { to: String(s.attrs.from), type: 'chat' },
            xml('proceed', { xmlns: NS_JMI, id: String(propose.attrs.id) }),
            xml('store', { xmlns: 'urn:xmpp:hints' }),
          ),
        );
      }
    } else if (s.name === 'iq' && s.attrs.type === 'error') {
      const o = this.outgoing.get(String(s.attrs.id));
      if (o !== undefined) o.done(false);
    }
  }

  private jingle(iq: Element): void {
    const j = iq.getChild('jingle', NS_JINGLE) as Element;
    const sid = String(j.attrs.sid);
    const action = String(j.attrs.action);
    if (action === 'session-initiate') {
      this.incoming.set(sid, String(iq.attrs.from));
      // Answer after the IQ result has gone out (the result is this handler's return value).
      setImmediate(() => this.send(accept(iq, String(iq.attrs.from), this.jid)));
      return;
    }
    if (action === 'session-terminate') this.incoming.delete(sid);
    const o = this.outgoing.get(sid);
    if (o === undefined) return;
    if (action === 'session-accept') {
      o.accepted = true;
      o.done(true, performance.now() - o.t0);
    } else if (action === 'session-terminate' && !o.accepted) {
      o.done(false);
    }
  }

  /**
   * Places a call to `callee`; resolves with the setup latency (ms), or undefined when it failed.
   * The bot hangs up `holdMs` after the accept (`hangUp` then resolves), or never (`holdMs`
   * undefined: the caller ends it with {@link hangUp}).
   */
  call(callee: string, holdMs: number | undefined): { sid: string; up: Promise<number | undefined> } {
    const sid = randomUUID();
    const up = new Promise<number | undefined>((resolve) => {
      const o: Outgoing = {
        t0: performance.now(),
        accepted: false,
        timer: setTimeout(() => o.done(false), this.callTimeoutMs),
        done: (ok, ms) => {
          clearTimeout(o.timer);
          this.outgoing.delete(sid);
          this.outgoing.delete(`i-${sid}`);
          if (ok && holdMs !== undefined) setTimeout(() => this.hangUp(callee, sid), holdMs);
          resolve(ok ? ms : undefined);
        },
      };
      this.outgoing.set(sid, o);
      const el = offer(callee, this.jid, sid);
      el.attrs.id = `i-${sid}`;
      this.outgoing.set(`i-${sid}`, o);
      this.send(el);
    });
    return { sid, up };
  }

  /**
   * The stanzas of a SIP → XMPP call as the gateway exchanges them with a callee through Prosody
   * (the Prosody reference of bench/e2e.ts): JMI propose, the callee's proceed, session-initiate
   * (result), the callee's session-accept (result), session-terminate after `holdMs` (result).
   * Resolves with the time from the propose to the accept, or undefined.
   */
  proposeCall(callee: string, holdMs: number): Promise<number | undefined> {
    const sid = randomUUID();
    return new Promise<number | undefined>((resolve) => {
      const o: Outgoing = {
        t0: performance.now(),
        accepted: false,
        timer: setTimeout(() => o.done(false), this.callTimeoutMs),
        done: (ok, ms) => {
          clearTimeout(o.timer);
          for (const k of [sid, `i-${sid}`, `p-${sid}`]) this.outgoing.delete(k);
          if (ok) setTimeout(() => this.hangUp(callee, sid), holdMs);
          resolve(ok ? ms : undefined);
        },
        proceed: () => {
          this.outgoing.delete(`p-${sid}`);
          const el = offer(callee, this.jid, sid);
          el.attrs.id = `i-${sid}`;
          this.outgoing.set(`i-${sid}`, o);
          this.send(el);
        },
      };
      this.outgoing.set(sid, o);
      this.outgoing.set(`p-${sid}`, o);
      this.send(
        xml(
          'message',
          { to: callee, type: 'chat', id: `m-${sid}` },
          xml('propose', { xmlns: NS_JMI, id: sid }, xml('description', { xmlns: NS_RTP, media: 'audio' })),
          xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Bob'),
          xml('store', { xmlns: 'urn:xmpp:hints' }),
        ),
      );
    });
  }

  hangUp(callee: string, sid: string): void {
    this.send(terminate(callee, sid, `t-${sid}`));
  }

  async stop(): Promise<void> {
    await this.x.stop().catch(() => undefined);
  }
}
