/**
 * The leg's XEP-0353 side: `<message>`s in and out around the proposals' table (src/xmpp/jmi),
 * which owns every proposal's lifecycle. Incoming JMI elements are parsed and applied; the
 * gateway's decisions (propose, ringing, proceed, reject, retract, finish, the end of a session)
 * are applied the same way; the effects the machine returns are carried out here: elements
 * sent, notices handed to the gateway, bounces matched to their proposal.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import { InputError, isInputError } from '../../errors';
import type { Reason, ReasonCondition } from '../../jingle/types';
import { normalBareJid } from '../../translate/jid';
import type { ComponentConnection } from '../connection';
import {
  jmiMessageStanza,
  JmiTable,
  parseJmi,
  TERMINAL,
  type JmiDirection,
  type JmiEffect,
  type JmiNotice,
  type JmiTableOptions,
  type LocalJmiDecision,
} from '../jmi';
import { availablePresence } from '../presence';
import {
  errorElement,
  NS_NICK,
  ownString,
  parseErrorElement,
  xml,
  type StanzaCondition,
  type XmlElement,
} from '../stanza';
import type { JmiErrorNotice } from './events';

const bare = normalBareJid;

/** What the JMI side needs of the leg around it. */
export interface JmiSideContext {
  conn: ComponentConnection;
  log: Logger;
  domain: string;
  /** Our JID with the configured resource (if it has none). */
  full(jid: string): string;
  /** Whether `from` may place calls through the gateway. */
  allowed(from: string): boolean;
  notice(n: JmiNotice): void;
  bounced(n: JmiErrorNotice): void;
}

export interface ProposeOptions {
  from: string;
  to: string;
  id: string;
  media: string[];
  /** The SIP caller's display name: a XEP-0172 nick in the presence and the propose. */
  nick?: string;
}

export class JmiMessages {
  readonly table: JmiTable;
  /** Stanza id of each JMI message sent → proposal id (for bounced messages). */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly c: JmiSideContext,
    now: () => number,
    o?: JmiTableOptions,
  ) {
    this.table = new JmiTable(now, o);
  }

  /** XEP-0353 §3.1: `<propose>` to the callee's bare JID, after directed presence with caps. */
  async propose(o: ProposeOptions): Promise<void> {
    const result = this.table.proposeOut({ id: o.id, local: o.from, peer: bare(o.to), media: [...o.media] });
    if (!result.accepted) throw new InputError('translate', `JMI id ${o.id}`, 'already in use');
    const nick = o.nick?.trim() ? o.nick.trim() : undefined;
    const presence = availablePresence(this.c.full(o.from), bare(o.to));
    if (nick !== undefined) presence.cnode(xml('nick', { xmlns: NS_NICK }, nick));
    await this.c.conn.send(presence);
    await this.run(
      result.effects,
      true,
      nick === undefined ? undefined : xml('nick', { xmlns: NS_NICK }, nick),
    );
  }

  /**
   * A local decision on proposal `id`; the machine picks the element XEP-0353 wants for the
   * state (a retract after a device proceeded becomes a finish). False when it is not allowed
   * (unknown id, or over).
   */
  async decide(kind: LocalJmiDecision, id: string, reason?: Reason): Promise<boolean> {
    const ev = reason === undefined ? { by: 'local' as const, kind } : { by: 'local' as const, kind, reason };
    const result = this.table.apply(id, ev);
    if (!result.accepted) {
      this.c.log.debug('xmpp jmi local event refused', { id, kind, effects: result.effects });
      return false;
    }
    const rec = this.table.get(id);
    // XEP-0353 §3.4: the device that proceeds sends directed presence if none is shared.
    if (kind === 'proceed' && rec?.peerFull !== undefined) {
      await this.c.conn.send(availablePresence(this.c.full(rec.local), rec.peerFull));
    }
    await this.run(result.effects, true);
    return true;
  }

  /**
   * XEP-0353 §3.5: the session of proposal `id` (its sid) is over. A proposal still open ends
   * with the element its state calls for (`<finish>` once a device proceeded), so that every
   * device of the user, not only the one in the call, knows; one already over, or none, sends
   * nothing. `direction`: the call's own (a SIP-originated call's proposal is `out`): once a
   * tie-break gave its id to the other party's proposal (equal ids, ../jmi/tie-break.ts), the
   * record under that id is not the call's.
   */
  async endSession(id: string, condition: ReasonCondition, direction?: JmiDirection): Promise<boolean> {
    const rec = this.table.get(id);
    if (rec === undefined || TERMINAL.has(rec.state)) return false;
    if (direction !== undefined && rec.direction !== direction) return false;
    return this.decide('finish', id, { condition });
  }

  /**
   * Expires proposals left open too long and forgets old ones, and the ids of the messages sent
   * for proposals forgotten (a bounce of one has no proposal to tell): the gateway's memory
   * comes back to what it was once calls are over (issue 12).
   */
  sweep(): void {
    void this.run(this.table.sweep());
    for (const [stanzaId, id] of this.sent) if (this.table.get(id) === undefined) this.sent.delete(stanzaId);
  }

  /** A `<message>` to the component. */
  onMessage(s: XmlElement): void {
    if (s.attrs.from === undefined) return;
    // The sender's JID goes into the notices, and a call keeps it (the device that proceeded):
    // a string of its own, not a slice of the socket chunk (ownString, src/xmpp/stanza/xml.ts).
    const from = ownString(s.attrs.from);
    const to = s.attrs.to ?? this.c.domain;
    if (s.attrs.type === 'error') return this.onBounce(s, from);
    let message;
    try {
      message = parseJmi(s);
    } catch (e) {
      if (!isInputError(e)) throw e;
      this.c.log.info('xmpp malformed jmi message', { from, error: e.message });
      this.replyError(s, 'bad-request', e.message);
      return;
    }
    if (message === undefined) {
      // XEP-0353 is the only message payload the gateway understands; a chat body gets an error.
      if (s.getChild('body') !== undefined && s.attrs.type !== 'groupchat' && s.attrs.type !== 'headline') {
        this.replyError(s, 'service-unavailable', 'this gateway carries calls, not chat messages');
      }
      return;
    }
    if (message.kind === 'propose') {
      const local = bare(to);
      if (!local.includes('@') || !this.c.allowed(from)) {
        const text = !local.includes('@')
          ? `nobody to call at ${local}`
          : `users of ${bare(from).split('@').pop()} may not place calls through ${this.c.domain}`;
        this.c.log.info('xmpp jmi propose refused', { from, to, text });
        const reject = {
          kind: 'reject' as const,
          id: message.id,
          reason: { condition: 'decline' as const, text },
        };
        void this.run([{ type: 'send', from: local, to: bare(from), message: reject }]);
        return;
      }
      const effects = this.table.proposeIn(from, local, message).effects;
      const nick = s.getChildText('nick', NS_NICK)?.trim();
      // Kept by the gateway until the session-initiate (src/gateway/xmpp-intake.ts).
      if (nick)
        for (const e of effects)
          if (e.type === 'emit' && e.notice.kind === 'propose') e.notice.nick = ownString(nick);
      void this.run(effects);
      return;
    }
    const rec = this.table.get(message.id);
    if (rec !== undefined && rec.local !== bare(to)) {
      this.c.log.info('xmpp jmi message to the wrong JID ignored', {
        id: message.id,
        to,
        expected: rec.local,
      });
      return;
    }
    void this.run(this.table.apply(message.id, { by: 'remote', from, message }).effects);
  }

  /** A JMI message of ours came back as an error (RFC 6120 §8.3): the proposal's owner hears it. */
  private onBounce(s: XmlElement, from: string): void {
    const id = s.attrs.id === undefined ? undefined : this.sent.get(s.attrs.id);
    if (id === undefined) return;
    const { condition, text } = parseErrorElement(s.getChild('error'));
    const notice: JmiErrorNotice = { id, from, condition };
    if (text) notice.text = text;
    this.c.log.info('xmpp jmi message bounced', { ...notice });
    this.c.bounced(notice);
  }

  private async run(effects: JmiEffect[], rethrow = false, extra?: XmlElement): Promise<void> {
    for (const e of effects) {
      if (e.type === 'emit') {
        this.c.log.debug('xmpp jmi', { ...e.notice });
        this.c.notice(e.notice);
      } else if (e.type === 'ignore') {
        this.c.log.debug('xmpp jmi ignored', { why: e.why });
      } else {
        const id = randomUUID();
        const stanza = jmiMessageStanza({
          from: this.c.full(e.from),
          to: e.to,
          message: e.message,
          private: e.private === true,
          id,
        });
        if (extra !== undefined) stanza.cnode(extra);
        // The proposal's own id string where there is one (a refused propose has none).
        this.sent.set(id, this.table.get(e.message.id)?.id ?? ownString(e.message.id));
        if (this.sent.size > 10_000) this.sent.delete(this.sent.keys().next().value as string);
        try {
          await this.c.conn.send(stanza);
        } catch (err) {
          if (rethrow) throw err;
          this.c.log.warn('xmpp jmi message not sent', {
            id: e.message.id,
            kind: e.message.kind,
            error: (err as Error).message,
          });
        }
      }
    }
  }

  private replyError(s: XmlElement, condition: StanzaCondition, text: string): void {
    if (s.attrs.type === 'error' || s.attrs.from === undefined) return;
    const reply = xml(
      'message',
      { from: s.attrs.to, to: s.attrs.from, type: 'error', id: s.attrs.id },
      errorElement({ condition, text }),
    );
    this.c.conn.send(reply).catch(() => undefined);
  }
}
