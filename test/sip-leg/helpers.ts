/**
 * Shared set-up for the SIP leg's real-peer tests: a gateway user agent on free loopback ports
 * with a log capture (wire log lines with timestamps), and clean-up of everything a test started.
 */
import winston from 'winston';
import Transport from 'winston-transport';
import { SipUserAgent, type UserAgentOptions } from '../../src/sip';
import { stopAll } from '../support/processes';

export interface LogLine {
  at: number;
  level: string;
  message: string;
  meta: Record<string, unknown>;
}

class Capture extends Transport {
  constructor(private readonly lines: LogLine[]) {
    super({ level: 'debug' });
  }
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const { level, message, ...meta } = info as { level: string; message: string };
    this.lines.push({ at: Date.now(), level, message, meta });
    if (process.env.SIP_LEG_LOG) console.log(level, message, JSON.stringify(meta).slice(0, 2000));
    next();
  }
}

export interface TestUa {
  ua: SipUserAgent;
  log: LogLine[];
  /** `host:port` of the bound socket for a transport. */
  addr(transport?: 'UDP' | 'TCP' | 'TLS'): string;
  port(transport?: 'UDP' | 'TCP' | 'TLS'): number;
  /** Wire-log lines of messages sent whose first line starts with `prefix`. */
  sent(prefix: string): LogLine[];
}

const uas: SipUserAgent[] = [];

export async function startUa(o: Partial<UserAgentOptions> = {}): Promise<TestUa> {
  const log: LogLine[] = [];
  const logger = winston.createLogger({ level: 'debug', transports: [new Capture(log)] });
  const ua = await SipUserAgent.start({
    listen: ['udp://127.0.0.1:0', 'tcp://127.0.0.1:0'],
    trusted: ['127.0.0.0/8', '::1/128'],
    userAgent: 'jingle-sip-gateway-test',
    logger,
    wireLog: true,
    ...o,
  });
  uas.push(ua);
  const bound = (t: string) => {
    const b = ua.addresses().find((x) => x.transport === t);
    if (!b) throw new Error(`no ${t} socket`);
    return b;
  };
  return {
    ua,
    log,
    addr: (t = 'UDP') => {
      const b = bound(t);
      return b.family === 6 ? `[${b.address}]:${b.port}` : `${b.address}:${b.port}`;
    },
    port: (t = 'UDP') => bound(t).port,
    sent: (prefix) =>
      log.filter(
        (l) => l.message === 'send' && typeof l.meta.text === 'string' && l.meta.text.startsWith(prefix),
      ),
  };
}

/** afterEach: stop every UA and process this test started. */
export async function cleanUp(): Promise<void> {
  await Promise.all(uas.splice(0).map((u) => u.stop()));
  await stopAll();
}

export const SDP = [
  'v=0',
  'o=gw 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  '',
].join('\r\n');
