/**
 * XMPP users for the tests and the demo's headless check: @xmpp/client 0.13 bots on a local
 * Prosody, without TLS. Each bot
 * records every stanza it receives; `waitFor` finds one (already received or still to come).
 * A bot answers Jingle IQ sets with a result (and records them), and disco#info with its
 * `features` (JMI or not), as a real client would for the gateway's caps queries.
 */
import { client, type Client } from '@xmpp/client';
import { Element } from 'ltx';
import { xml } from '../xmpp/stanza';

export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_JMI = 'urn:xmpp:jingle-message:0';

export const JMI_CLIENT_FEATURES = [
  NS_DISCO_INFO,
  'urn:xmpp:jingle:1',
  'urn:xmpp:jingle:apps:rtp:1',
  'urn:xmpp:jingle:apps:rtp:audio',
  'urn:xmpp:jingle:transports:ice-udp:1',
  NS_JMI,
];

export interface BotOptions {
  port: number;
  /** Absent: SASL ANONYMOUS. */
  username?: string;
  password?: string;
  resource: string;
  domain?: string;
  /** Enable XEP-0280 carbons (default true). */
  carbons?: boolean;
  /** Features answered to disco#info (default: a JMI-capable client). */
  features?: string[];
  /** Presence to send after login; default a plain `<presence/>`. `false`: none. */
  presence?: Element | false;
}

export class Bot {
  readonly received: Element[] = [];
  private waiters: Array<{ pred: (s: Element) => boolean; resolve: (s: Element) => void }> = [];

  private constructor(
    readonly xmpp: Client,
    readonly jid: string,
  ) {}

  static async connect(o: BotOptions): Promise<Bot> {
    const domain = o.domain ?? 'localhost';
    const x = client({
      service: `xmpp://127.0.0.1:${o.port}`,
      domain,
      resource: o.resource,
      ...(o.username !== undefined ? { username: o.username, password: o.password ?? '' } : {}),
    });
    x.reconnect.stop();
    x.on('error', () => undefined);
    const features = o.features ?? JMI_CLIENT_FEATURES;
    const holder: { bot?: Bot } = {};
    x.iqCallee.set('urn:xmpp:jingle:1', 'jingle', () => true);
    x.iqCallee.get(NS_DISCO_INFO, 'query', ({ element }) =>
      xml(
        'query',
        { xmlns: NS_DISCO_INFO, node: element.attrs.node },
        ...features.map((f) => xml('feature', { var: f })),
      ),
    );
    x.on('stanza', (s: Element) => holder.bot?.record(s));
    await x.start();
    const bot = new Bot(x, x.jid?.toString() ?? `${o.username}@${domain}/${o.resource}`);
    holder.bot = bot;
    if (o.carbons !== false) {
      await x.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: 'urn:xmpp:carbons:2' })));
    }
    if (o.presence !== false) await x.send(o.presence ?? xml('presence'));
    return bot;
  }

  private record(s: Element): void {
    this.received.push(s);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(s)) return true;
      w.resolve(s);
      return false;
    });
  }

  /** The first stanza (received so far or later) that matches; rejects after `timeoutMs`. */
  waitFor(pred: (s: Element) => boolean, timeoutMs = 4000, what = 'a stanza'): Promise<Element> {
    const found = this.received.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (s: Element) => (clearTimeout(timer), resolve(s)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(
          new Error(
            `${this.jid}: no ${what} within ${timeoutMs} ms; got:\n${this.received.map(String).join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Stanzas received so far that match. */
  all(pred: (s: Element) => boolean): Element[] {
    return this.received.filter(pred);
  }

  send(el: Element): Promise<void> {
    return this.xmpp.send(el);
  }

  /** Sends an IQ and returns the answer (an error answer too, as an element). */
  async iq(el: Element, timeoutMs = 4000): Promise<Element> {
    if (el.attrs.id === undefined) el.attrs.id = `bot-${Math.random().toString(36).slice(2)}`;
    const id = el.attrs.id;
    const answer = this.waitFor(
      (s) => s.name === 'iq' && s.attrs.id === id && (s.attrs.type === 'result' || s.attrs.type === 'error'),
      timeoutMs,
      `answer to IQ ${id}`,
    );
    await this.xmpp.send(el);
    return answer;
  }

  async stop(): Promise<void> {
    try {
      await this.xmpp.stop();
    } catch {
      // already gone
    }
  }
}

/** The JMI child of a message, if any (for `waitFor` predicates). */
export function jmiChild(s: Element, kind?: string): Element | undefined {
  if (s.name !== 'message') return undefined;
  const direct = s
    .getChildElements()
    .find((c) => c.getNS() === NS_JMI && (kind === undefined || c.name === kind));
  return direct;
}

/** The JMI child of a carbon copy (`<sent>`/`<received>` → `<forwarded>` → `<message>`). */
export function carbonJmi(s: Element, kind?: string): Element | undefined {
  if (s.name !== 'message') return undefined;
  for (const wrap of s.getChildElements()) {
    if (wrap.getNS() !== 'urn:xmpp:carbons:2') continue;
    const inner = wrap.getChild('forwarded')?.getChild('message');
    if (inner !== undefined) return jmiChild(inner, kind);
  }
  return undefined;
}

export { Element };
