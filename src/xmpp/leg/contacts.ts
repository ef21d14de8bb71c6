/**
 * The leg's presence side (RFC 6121): what users' devices announce (with their XEP-0115 caps,
 * learnt once per `ver` by disco#info), the answers to subscriptions and probes for the SIP
 * contacts, and the probes that refill the tracker after a reconnect.
 */
import type { Logger } from 'winston';
import { normalBareJid } from '../../translate/jid';
import type { ComponentConnection } from '../connection';
import { capsOf, PresenceTracker, presenceReplies } from '../presence';
import { capsVer, featuresOf, identitiesOf } from '../routing';
import { NS_DISCO_INFO, ownString, xml, type XmlElement } from '../stanza';

const bare = normalBareJid;

export class Contacts {
  readonly tracker = new PresenceTracker();
  /** Our contact JID each user sent presence to: probed again after a reconnect. */
  private readonly contacts = new Map<string, string>();

  constructor(
    private readonly conn: ComponentConnection,
    private readonly log: Logger,
    private readonly o: {
      domain: string;
      resource: string;
      /** Whether `from`'s domain may use the gateway. */
      allowed: (from: string) => boolean;
    },
  ) {}

  onPresence(s: XmlElement): void {
    const from = s.attrs.from;
    const to = s.attrs.to ?? this.o.domain;
    if (from === undefined) return;
    const type = s.attrs.type ?? 'available';
    if (type === 'available') {
      // Kept until the user goes: copies, not slices of the socket chunk (ownString).
      const user = bare(from);
      if (this.contacts.get(user) !== bare(to)) this.contacts.set(ownString(user), ownString(bare(to)));
      const caps = capsOf(s);
      if (this.tracker.available(from, caps) && caps !== undefined)
        void this.learnCaps(from, caps.node, caps.ver, caps.hash);
      return;
    }
    if (type === 'unavailable') {
      this.tracker.unavailable(from);
      return;
    }
    const replies = presenceReplies({
      type,
      from,
      to,
      allowed: this.o.allowed(from),
      resource: this.o.resource,
    });
    for (const r of replies)
      this.conn
        .send(r)
        .catch((e: Error) => this.log.debug('xmpp presence reply not sent', { error: e.message }));
  }

  /** XEP-0115 §6.2: ask the device once per `ver` what it supports. */
  private async learnCaps(jid: string, node: string, ver: string, hash: string): Promise<void> {
    const iq = xml(
      'iq',
      { type: 'get', to: jid, from: this.o.domain },
      xml('query', { xmlns: NS_DISCO_INFO, node: `${node}#${ver}` }),
    );
    try {
      const result = await this.conn.request(iq);
      const q = result.getChild('query', NS_DISCO_INFO);
      if (q === undefined) return;
      // XEP-0115 §5.4: cache by ver only what hashes to it, so that one client cannot poison
      // the answer for every device advertising the same ver (answers with XEP-0128 forms do
      // not verify here and are kept per device).
      const verified = hash === 'sha-1' && capsVer(identitiesOf(q), featuresOf(q)) === ver;
      if (verified) this.tracker.learnFeatures(ver, featuresOf(q));
      else this.tracker.learnDeviceFeatures(jid, featuresOf(q));
    } catch (e) {
      this.log.debug('xmpp caps query failed', { jid, error: (e as Error).message });
    }
  }

  /** After a reconnect the tracker is empty: ask the users we knew for their presence again. */
  probe(): void {
    for (const [user, contact] of this.contacts) {
      const probe = xml('presence', { type: 'probe', from: contact, to: user });
      this.conn.send(probe).catch(() => undefined);
    }
  }
}
