/**
 * src/sip/transaction/bridge.ts `viaFor`: our top Via, and its parsed form handed to the Via
 * memo (src/sip/message/via.ts `rememberTopVia`) so that `toNpm` does not parse it again. The
 * form must be exactly what the codec would parse from the text, branch included, for every
 * transport and address family, and a fresh object each time. Pure: a stand-in for the bound
 * sockets, no socket opened.
 */
import { createLogger } from '../../src/log';
import { TransactionBridge } from '../../src/sip/transaction/bridge';
import type { BoundSocket, Flow, TransportName, TransportSet } from '../../src/sip/transport/transport';
import { parseTopVia, parseVia } from '../../src/sip/message/via';

const bound: BoundSocket[] = [
  { transport: 'UDP', address: '192.0.2.10', port: 5060, family: 4 },
  { transport: 'UDP', address: '2001:db8::10', port: 5062, family: 6 },
  { transport: 'TCP', address: '192.0.2.10', port: 5070, family: 4 },
];

const transports = {
  local: (t: TransportName, family: 4 | 6) =>
    bound.find((b) => b.transport === t && b.family === family) ?? bound.find((b) => b.transport === t),
} as unknown as TransportSet;

function bridge(host?: string): TransactionBridge {
  const logger = createLogger('error');
  logger.clear();
  return new TransactionBridge(transports, {} as never, logger, false, host);
}

const flows: Flow[] = [
  { transport: 'UDP', address: '198.51.100.1', port: 5060 },
  { transport: 'UDP', address: '2001:db8::99', port: 5060 },
  { transport: 'TCP', address: '198.51.100.1', port: 5060 },
];

describe('viaFor: the parsed form it leaves for toNpm is what the codec would parse', () => {
  it.each([undefined, 'sip.example.com'])(
    'host %s: every transport and family, two branches each',
    (host) => {
      const b = bridge(host);
      for (const flow of flows) {
        for (let i = 0; i < 2; i++) {
          const text = b.viaFor(flow);
          const remembered = parseTopVia(text);
          expect(remembered).toEqual(parseVia(text));
          expect(remembered.params.branch).toMatch(/^z9hG4bK/);
        }
      }
    },
  );

  it('a fresh object per Via: the next one does not change the last', () => {
    const b = bridge();
    const first = b.viaFor(flows[0] as Flow);
    const firstForm = parseTopVia(first);
    const second = b.viaFor(flows[0] as Flow);
    expect(second).not.toBe(first);
    expect(firstForm).toEqual(parseVia(first));
    expect(parseTopVia(second).params.branch).not.toBe(firstForm.params.branch);
  });

  it('the IPv6 sent-by is bracketed in the text and bare in the parsed form (RFC 3261 §25.1)', () => {
    const text = bridge().viaFor(flows[1] as Flow);
    expect(text).toMatch(/^SIP\/2\.0\/UDP \[2001:db8::10\]:5062;branch=z9hG4bK\S+;rport$/);
    expect(parseTopVia(text)).toMatchObject({ host: '2001:db8::10', port: 5062, params: { rport: true } });
  });
});
