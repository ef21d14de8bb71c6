/**
 * Presence (RFC 6121) for the gateway's contacts, and what it tells about users' devices.
 *
 * - SIP contacts (`+15551234@gw`, `alice\40pbx.example.org@gw`) can be added to a roster: a
 *   `subscribe` from a user of an allowed domain is approved at once, answered with a
 *   `subscribe` of our own (so their presence reaches the gateway) and an available presence
 *   with XEP-0115 caps; `probe` gets the available presence; `unsubscribe` → `unsubscribed`.
 * - The available presences users send to the gateway are tracked per full JID with their caps,
 *   so that a callee whose clients lack XEP-0353 can get a session-initiate directly (the
 *   features per caps `ver` are learnt by disco#info and cached).
 *
 * Pure: {@link presenceReplies} returns the stanzas to send; {@link PresenceTracker} is data.
 */
import { NS_JINGLE, NS_JMI, NS_RTP } from '../../jingle/namespaces';
import { normalBareJid, normalJid } from '../../translate/jid';
import { capsElement } from '../routing';
import { NS_CAPS } from '../stanza';
import { ownString, xml, type XmlElement } from '../stanza';

export interface Caps {
  node: string;
  ver: string;
  hash: string;
}

export interface DeviceInfo {
  /** Full JID. */
  jid: string;
  caps?: Caps;
}

export type CallRoute =
  /** Ring every device with XEP-0353 (also when nothing is known). */
  | { kind: 'jmi' }
  /** No device advertises XEP-0353 but these do Jingle RTP: send them session-initiate directly. */
  | { kind: 'direct'; to: string[] };

/** Devices are keyed by the normal form of their JIDs (RFC 7622 §3). */
const bareOf = normalBareJid;

/** The XEP-0115 `<c/>` of a presence, if any (hash `sha-1` and friends; legacy caps ignored). */
export function capsOf(presence: XmlElement): Caps | undefined {
  const c = presence.getChildElements().find((e) => e.name === 'c' && e.getNS() === NS_CAPS);
  const { node, ver, hash } = c?.attrs ?? {};
  if (typeof node !== 'string' || typeof ver !== 'string' || typeof hash !== 'string') return undefined;
  // Kept as long as the device is online (ownString: not slices of the socket chunk).
  return { node: ownString(node), ver: ownString(ver), hash: ownString(hash) };
}

/**
 * What users' devices announce, kept while they are online. Every string kept is a copy of its
 * own ({@link ownString}): a slice of the presence's socket chunk would keep the chunk alive.
 */
export class PresenceTracker {
  private readonly devices = new Map<string, Map<string, DeviceInfo>>();
  private readonly featuresByVer = new Map<string, readonly string[]>();
  /** Features of devices whose disco answer did not hash to their advertised `ver`. */
  private readonly featuresByJid = new Map<string, readonly string[]>();

  /** Records an available presence from a full JID. True when its caps `ver` is not yet known. */
  available(from: string, caps?: Caps): boolean {
    const jid = ownString(from);
    const bare = bareOf(jid);
    let m = this.devices.get(bare);
    if (m === undefined) this.devices.set(bare, (m = new Map()));
    const info: DeviceInfo = { jid };
    if (caps !== undefined) info.caps = caps;
    m.set(normalJid(jid), info);
    return caps !== undefined && !this.featuresByVer.has(caps.ver);
  }

  /** An unavailable presence: from a full JID that device goes; from a bare JID, all of them. */
  unavailable(jid: string): void {
    const bare = bareOf(jid);
    if (!jid.includes('/')) {
      this.devices.delete(bare);
      return;
    }
    const m = this.devices.get(bare);
    m?.delete(normalJid(jid));
    this.featuresByJid.delete(normalJid(jid));
    if (m !== undefined && m.size === 0) this.devices.delete(bare);
  }

  /** Forgets every device (the connection dropped: presences will be sent again). */
  clear(): void {
    this.devices.clear();
  }

  /** Features for everyone advertising `ver` (only when the answer was verified against it). */
  learnFeatures(ver: string, features: readonly string[]): void {
    this.featuresByVer.set(ownString(ver), features.map(ownString));
  }

  /** Features of one device (its answer did not match its `ver`: not shared with others). */
  learnDeviceFeatures(jid: string, features: readonly string[]): void {
    if (this.featuresByJid.size > 10_000) this.featuresByJid.clear();
    this.featuresByJid.set(ownString(normalJid(jid)), features.map(ownString));
  }

  featuresOf(device: DeviceInfo): readonly string[] | undefined {
    const own = this.featuresByJid.get(normalJid(device.jid));
    if (own !== undefined) return own;
    return device.caps === undefined ? undefined : this.featuresByVer.get(device.caps.ver);
  }

  devicesOf(bare: string): DeviceInfo[] {
    return [...(this.devices.get(bareOf(bare))?.values() ?? [])];
  }

  /** Bare JIDs we have seen presence from, for probes after a reconnect. */
  knownUsers(): string[] {
    return [...this.devices.keys()];
  }

  /**
   * How to reach `bare` for a call (docs/design.md: "Without JMI support (disco), send the
   * session-initiate straight to a known full JID"): JMI unless we know devices and none of
   * them advertises it, in which case the ones that do Jingle RTP get the session-initiate.
   */
  route(bare: string): CallRoute {
    const devices = this.devicesOf(bare);
    const known = devices.map((d) => ({ d, f: this.featuresOf(d) })).filter((x) => x.f !== undefined);
    if (known.length === 0 || known.length < devices.length) return { kind: 'jmi' };
    if (known.some((x) => x.f!.includes(NS_JMI))) return { kind: 'jmi' };
    const rtp = known.filter((x) => x.f!.includes(NS_JINGLE) && x.f!.includes(NS_RTP)).map((x) => x.d.jid);
    return rtp.length > 0 ? { kind: 'direct', to: rtp } : { kind: 'jmi' };
  }
}

/** An available presence from one of our JIDs (with its resource), with caps. */
export function availablePresence(from: string, to: string): XmlElement {
  return xml('presence', { from, to }, capsElement());
}

/**
 * The stanzas that answer a subscription-related presence (RFC 6121 §3) sent to one of our JIDs
 * `to` by `from`. `allowed`: whether `from`'s domain may use the gateway (others are refused
 * with `unsubscribed`). `resource`: our full JIDs' resource.
 */
export function presenceReplies(o: {
  type: string;
  from: string;
  to: string;
  allowed: boolean;
  resource: string;
}): XmlElement[] {
  const us = bareOf(o.to);
  const them = bareOf(o.from);
  switch (o.type) {
    case 'subscribe':
      if (!o.allowed) return [xml('presence', { from: us, to: them, type: 'unsubscribed' })];
      // RFC 6121 §3.1.5: approve; then subscribe back (mutual, as XEP-0100 §4.1.1 does) and
      // show the contact online with caps.
      return [
        xml('presence', { from: us, to: them, type: 'subscribed' }),
        xml('presence', { from: us, to: them, type: 'subscribe' }),
        availablePresence(`${us}/${o.resource}`, them),
      ];
    case 'unsubscribe':
      return [xml('presence', { from: us, to: them, type: 'unsubscribed' })];
    case 'probe':
      // RFC 6121 §4.3.2: answer a probe with the current presence (refused users get nothing).
      return o.allowed ? [availablePresence(`${us}/${o.resource}`, o.from)] : [];
    default:
      return [];
  }
}
