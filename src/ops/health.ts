/**
 * `GET /health` (docs/operations.md §Health): what the gateway's parts say about themselves,
 * and whether it should get calls — 200 when it should, 503 when the XMPP component is offline
 * (no call can reach a client) or the gateway is draining (stopping: new calls are refused).
 * Pure: the gateway's state is handed in.
 */
import type { Call } from '../calls/call';
import type { PeerStatus } from '../sip/ua/peer-monitor';
import type { RegistrationState } from '../sip/ua/registration';

/** What the running gateway tells the operations side; read at each request. */
export interface GatewayStatus {
  xmppOnline: boolean;
  /** The SIP leg's bound sockets, `udp://127.0.0.1:5060`; empty once stopped. */
  sipListening: string[];
  /**
   * Every configured trunk, its registration when it registers and its OPTIONS keep-alive when
   * probed; with the keep-alive on, `sip.outbound` (and `sip.outboundProxy`) come first.
   */
  trunks: Array<{ name: string; registration?: RegistrationState; keepalive?: PeerStatus }>;
  calls: Call[];
  /** The gateway is stopping (or draining): it takes no new calls. */
  draining: boolean;
}

export interface HealthReport {
  status: 'ok' | 'offline' | 'draining';
  xmpp: 'online' | 'offline';
  sip: 'listening' | 'stopped';
  listen: string[];
  trunks: Array<{
    name: string;
    registration: string;
    expiresAt?: string;
    failures?: number;
    /** `sip.trunkKeepalive`: the peer's state, since when, and what its last probe got. */
    keepalive?: { uri: string; state: string; since?: string; last?: string };
  }>;
  calls: number;
  draining: boolean;
}

export function healthReport(s: GatewayStatus): { code: 200 | 503; body: HealthReport } {
  const status = s.draining ? 'draining' : s.xmppOnline ? 'ok' : 'offline';
  const trunks = s.trunks.map((t) => {
    const r = t.registration;
    const out: HealthReport['trunks'][number] = { name: t.name, registration: r?.status ?? 'none' };
    if (r?.status === 'registered' && r.expiresAt !== undefined)
      out.expiresAt = new Date(r.expiresAt).toISOString();
    if (r !== undefined && r.failures > 0) out.failures = r.failures;
    const k = t.keepalive;
    if (k !== undefined) {
      out.keepalive = { uri: k.uri, state: k.state };
      if (k.since !== undefined) out.keepalive.since = new Date(k.since).toISOString();
      if (k.last !== undefined) out.keepalive.last = k.last;
    }
    return out;
  });
  return {
    code: status === 'ok' ? 200 : 503,
    body: {
      status,
      xmpp: s.xmppOnline ? 'online' : 'offline',
      sip: s.sipListening.length > 0 ? 'listening' : 'stopped',
      listen: s.sipListening,
      trunks,
      calls: s.calls.length,
      draining: s.draining,
    },
  };
}
