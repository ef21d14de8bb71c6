/** fanOut (src/gateway/observer.ts): every observer hears each event; one that throws breaks nothing. */
import { fanOut, type GatewayObserver } from '../../src/gateway/observer';

describe('fanOut', () => {
  it('is undefined without observers, so the gateway skips the taps', () => {
    expect(fanOut()).toBeUndefined();
    expect(fanOut(undefined, undefined)).toBeUndefined();
  });

  it('calls each observer in turn, past one that throws, and only methods someone has', () => {
    const heard: string[] = [];
    const a: GatewayObserver = {
      denied: (k) => {
        heard.push(`a ${k}`);
        throw new Error('bug in an onlooker');
      },
    };
    const b: GatewayObserver = {
      denied: (k) => heard.push(`b ${k}`),
      limited: (f, l) => heard.push(`b ${f} ${l}`),
    };
    const o = fanOut(a, undefined, b) as GatewayObserver;
    o.denied?.('source');
    o.limited?.('user', 'calls');
    expect(heard).toEqual(['a source', 'b source', 'b user calls']);
    expect(o.callStarted).toBeUndefined();
  });
});
