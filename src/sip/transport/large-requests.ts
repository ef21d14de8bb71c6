/**
 * RFC 3261 §18.1.1: "If a request is within 200 bytes of the path MTU, or if it is larger than
 * 1300 bytes and the path MTU is unknown, the request MUST be sent using an RFC 2914 congestion
 * controlled transport protocol, such as TCP", with the top Via changed to match; and when such a
 * request "would have otherwise been sent over UDP" and the connection attempt is refused (TCP
 * reset, ICMP), "the element SHOULD retry the request, using UDP".
 *
 * We never know the path MTU, so the 1300-byte rule applies (it is also the 200-byte rule for
 * Ethernet's 1500). A UDP target becomes TCP to the same address and port, followed by the UDP
 * target itself as the fallback §18.1.1 asks for — unless the request cannot travel over UDP at
 * all (larger than a datagram's payload), then TCP is the only try. An explicit `transport=udp`
 * in the next hop's URI is honoured while UDP can carry the request (RFC 3263 §4.1: that
 * transport SHOULD be used). Pure: sizes and flows in, flows out. See docs/policy.md §Connections.
 */
import type { Flow } from './transport';

/** §18.1.1: above this many bytes a request goes over a congestion-controlled transport. */
export const UDP_SIZE_THRESHOLD = 1300;

/** The largest UDP payload: 65,535 less the IP and UDP headers (RFC 768, RFC 791, RFC 8200). */
export function udpMaxPayload(address: string): number {
  return address.includes(':') ? 65_535 - 8 : 65_535 - 20 - 8;
}

export type SizePlan = { ok: true; flows: Flow[]; note?: string } | { ok: false; why: string };

export function planForSize(bytes: number, flows: Flow[], o: { tcp: boolean; udpForced: boolean }): SizePlan {
  if (bytes <= UDP_SIZE_THRESHOLD || !flows.some((f) => f.transport === 'UDP')) return { ok: true, flows };
  const out: Flow[] = [];
  let switched = false;
  let tooBig = false;
  for (const f of flows) {
    if (f.transport !== 'UDP') {
      out.push(f);
      continue;
    }
    const fits = bytes <= udpMaxPayload(f.address);
    const tcp: Flow = { transport: 'TCP', address: f.address, port: f.port };
    if (!fits) {
      tooBig = true;
      if (o.tcp) {
        out.push(tcp);
        switched = true;
      }
    } else if (o.tcp && !o.udpForced) {
      out.push(tcp, f);
      switched = true;
    } else {
      out.push(f);
    }
  }
  if (out.length === 0)
    return {
      ok: false,
      why: `request of ${bytes} bytes is too large for UDP and ${o.tcp ? 'no TCP target' : 'we do not listen on TCP'}`,
    };
  if (!switched) return { ok: true, flows: out };
  const note = tooBig
    ? `${bytes} bytes: too large for UDP, sent over TCP only (RFC 3261 §18.1.1)`
    : `${bytes} bytes: sent over TCP, UDP if refused (RFC 3261 §18.1.1)`;
  return { ok: true, flows: out, note };
}
