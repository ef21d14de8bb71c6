/**
 * OPTIONS keep-alive to the gateway's next hops: `sip.outbound` and each `sip.trunks` host
 * (docs/policy.md §Trunk keep-alive). Each peer is asked an out-of-dialog OPTIONS at start and
 * then `intervalMs` after each answer. RFC 3261 §11: any final answer — 200, but also 404, 405,
 * 403, 483… — came from the peer, so it is up; no answer within `timeoutMs`, or a failure our
 * own stack made up (Timer F's 408, a transport or DNS error's 503), means down. Before the
 * first verdict it is unknown, which counts as up: a call is refused fast only on evidence.
 *
 * Pure timing and state on an injected {@link Clock} (unit tests drive it on a fake one); the
 * user agent supplies `probe()` (its `options()`) and `isLocal` (../transaction/bridge.ts's isLocalFailure).
 */
import { TimerGroup, type Clock } from '../common/clock';
import type { SipResponse } from '../message/types';
import { parseSipUri } from '../message/uri';

export type PeerState = 'unknown' | 'up' | 'down';

export interface PeerTarget {
  /** What the operator calls it: `sip.outbound`, or the trunk's name. */
  name: string;
  /** The URI probed: `sip.outbound` itself, `sip:<host>` for a trunk. */
  uri: string;
}

export interface PeerTiming {
  /** Time from one verdict to the next probe; 0: no probes. */
  intervalMs: number;
  /** How long a probe waits for its answer before the peer is down. */
  timeoutMs: number;
}

export interface PeerStatus extends PeerTarget {
  state: PeerState;
  /** When the state last changed (ms since the epoch; absent while unknown). */
  since?: number;
  /** What the last probe got: `200 OK`, or why there was no answer. */
  last?: string;
}

/** The verdict of one probe: `res` undefined when our own timeout fired first. */
export function peerVerdict(res: SipResponse | undefined, local: boolean): 'up' | 'down' {
  if (res === undefined || local) return 'down';
  return 'up';
}

/**
 * `host:port` of a SIP URI, lower-cased, the port defaulted by scheme (RFC 3261 §19.1.2: 5060,
 * 5061 for sips): two URIs with the same key reach the same peer. Undefined for tel: and junk.
 */
export function peerKey(uri: string): string | undefined {
  try {
    const u = parseSipUri(uri);
    if (u.scheme === 'tel' || u.host === '') return undefined;
    return `${u.host.toLowerCase()}:${u.port ?? (u.scheme === 'sips' ? 5061 : 5060)}`;
  } catch {
    return undefined;
  }
}

interface Peer {
  key: string;
  uri: string;
  state: PeerState;
  since?: number;
  last?: string;
}

export class PeerMonitor {
  private readonly peers = new Map<string, Peer>();
  private readonly targets: Array<PeerTarget & { key: string }> = [];
  private readonly timers: TimerGroup;

  constructor(
    targets: readonly PeerTarget[],
    private readonly timing: PeerTiming,
    private readonly probe: (uri: string) => Promise<SipResponse>,
    private readonly isLocal: (res: SipResponse) => boolean,
    private readonly clock: Clock,
    /** Told each change of state (the user agent logs it). */
    private readonly changed: (s: PeerStatus) => void = () => undefined,
  ) {
    this.timers = new TimerGroup(clock);
    for (const t of targets) {
      const key = peerKey(t.uri);
      if (key === undefined) continue;
      this.targets.push({ ...t, key });
      // Two names for one host:port share one probe.
      if (!this.peers.has(key)) this.peers.set(key, { key, uri: t.uri, state: 'unknown' });
    }
  }

  start(): void {
    if (this.timing.intervalMs <= 0) return;
    for (const p of this.peers.values()) this.timers.set(() => this.send(p), 0);
  }

  stop(): void {
    this.timers.cancelAll();
  }

  /** Every target with its peer's state, in configuration order. */
  states(): PeerStatus[] {
    return this.targets.map((t) => {
      const p = this.peers.get(t.key) as Peer;
      const s: PeerStatus = { name: t.name, uri: t.uri, state: p.state };
      if (p.since !== undefined) s.since = p.since;
      if (p.last !== undefined) s.last = p.last;
      return s;
    });
  }

  /** The target a request to `uri` would reach, when its peer is known to be down. */
  downFor(uri: string): PeerStatus | undefined {
    const key = peerKey(uri);
    if (key === undefined || this.peers.get(key)?.state !== 'down') return undefined;
    const t = this.targets.find((x) => x.key === key) as PeerTarget & { key: string };
    return this.statusOf(t, this.peers.get(key) as Peer);
  }

  private send(p: Peer): void {
    let settled = false;
    const settle = (res: SipResponse | undefined, last: string): void => {
      if (settled) return;
      settled = true;
      timeout.cancel();
      this.set(p, peerVerdict(res, res !== undefined && this.isLocal(res)), last);
      this.timers.set(() => this.send(p), this.timing.intervalMs);
    };
    const timeout = this.timers.set(
      () => settle(undefined, `no answer within ${this.timing.timeoutMs / 1000} s`),
      this.timing.timeoutMs,
    );
    this.probe(p.uri).then(
      (res) => settle(res, `${res.status} ${res.reason}`.trim()),
      (e: Error) => settle(undefined, e.message),
    );
  }

  private set(p: Peer, state: 'up' | 'down', last: string): void {
    p.last = last;
    if (p.state === state) return;
    p.state = state;
    p.since = this.clock.now();
    for (const t of this.targets) if (t.key === p.key) this.changed(this.statusOf(t, p));
  }

  private statusOf(t: PeerTarget, p: Peer): PeerStatus {
    return { name: t.name, uri: t.uri, state: p.state, since: p.since as number, last: p.last as string };
  }
}
