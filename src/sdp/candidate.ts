/**
 * `a=candidate` (RFC 5245 §15.1, RFC 8839 §5.1; `tcptype` from RFC 6544 §4.5).
 *
 *   candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
 *                         connection-address SP port SP cand-type [SP rel-addr] [SP rel-port]
 *                         *(SP extension-att-name SP extension-att-value)
 *
 * sdp-transform only knows a fixed order of a few extensions and drops the rest, so we parse and
 * format candidates ourselves. Known pairs get their own field; others are kept, in order, in
 * `extensions`. Formatting writes raddr, rport, tcptype, generation, network-id, network-cost,
 * then the other extensions (a normalisation when the input had them in another order).
 */
import { InputError } from '../errors';
import { isHostAddress } from './address';
import type { CandidateExtension, SdpCandidate } from './types';

const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const NON_WS = /^[\x21-\x7e\u0080-\uffff]+$/;

function fail(detail: string): never {
  throw new InputError('sdp', 'a=candidate', detail);
}

/** Unsigned integer without a leading zero, up to max. */
function uint(what: string, s: string, max: number): number {
  if (!/^(?:0|[1-9][0-9]{0,9})$/.test(s) || Number(s) > max)
    fail(`${what} '${s}' is not an integer 0…${max}`);
  return Number(s);
}

export function parseCandidate(value: string): SdpCandidate {
  const f = value.split(' ');
  if (f.length < 8) fail('expected foundation component transport priority address port typ type');
  const [foundation, component, transport, priority, ip, port, typ, type] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!FOUNDATION.test(foundation)) fail(`foundation '${foundation}' is not 1-32 ice-chars`);
  const c: SdpCandidate = {
    foundation,
    component: uint('component-id', component, 256),
    transport,
    priority: uint('priority', priority, 2 ** 32 - 1),
    ip,
    port: uint('port', port, 65535),
    type,
  };
  if (c.component < 1) fail('component-id must be 1…256');
  if (!TOKEN.test(transport)) fail(`transport '${transport}' is not a token`);
  if (!isHostAddress(ip)) fail(`connection-address '${ip}' is not an IP address or host name`);
  if (typ !== 'typ') fail(`expected 'typ' after the port, found '${typ}'`);
  if (!TOKEN.test(type)) fail(`candidate type '${type}' is not a token`);
  if ((f.length - 8) % 2 !== 0) fail(`extension '${f[f.length - 1]}' has no value`);
  const extensions: CandidateExtension[] = [];
  const seen = new Set<string>();
  for (let i = 8; i < f.length; i += 2) {
    const name = f[i] as string;
    const v = f[i + 1] as string;
    if (!TOKEN.test(name)) fail(`extension name '${name}' is not a token`);
    if (!NON_WS.test(v)) fail(`extension '${name}' has an empty or invalid value`);
    if (seen.has(name)) fail(`'${name}' appears twice`);
    seen.add(name);
    switch (name) {
      case 'raddr':
        if (!isHostAddress(v)) fail(`raddr '${v}' is not an IP address or host name`);
        c.raddr = v;
        break;
      case 'rport':
        c.rport = uint('rport', v, 65535);
        break;
      case 'tcptype':
        if (v !== 'active' && v !== 'passive' && v !== 'so')
          fail(`tcptype '${v}' is not active, passive or so`);
        c.tcptype = v;
        break;
      case 'generation':
      case 'network-id':
      case 'network-cost':
        c[name] = uint(name, v, 2 ** 32 - 1);
        break;
      default:
        extensions.push({ name, value: v });
    }
  }
  if (extensions.length > 0) c.extensions = extensions;
  return c;
}

export function formatCandidate(c: SdpCandidate): string {
  let s = `${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.ip} ${c.port} typ ${c.type}`;
  if (c.raddr != null) s += ` raddr ${c.raddr}`;
  if (c.rport != null) s += ` rport ${c.rport}`;
  if (c.tcptype != null) s += ` tcptype ${c.tcptype}`;
  if (c.generation != null) s += ` generation ${c.generation}`;
  if (c['network-id'] != null) s += ` network-id ${c['network-id']}`;
  if (c['network-cost'] != null) s += ` network-cost ${c['network-cost']}`;
  for (const e of c.extensions ?? []) s += ` ${e.name} ${e.value}`;
  return s;
}
