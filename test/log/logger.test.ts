/**
 * src/log.ts: JSON lines unless stderr is a terminal (or `log.format` says otherwise), and the
 * text format a person reads: time, level, [leg sid], message, the rest as JSON, a SIP message or
 * stanza indented below.
 */
import Transport from 'winston-transport';
import { createLogger, resolveFormat, type LoggerOptions } from '../../src/log';

const MESSAGE = Symbol.for('message');

/** The formatted lines the logger would write, captured by an extra transport. */
function written(
  opts: LoggerOptions,
  log: (l: ReturnType<typeof createLogger>) => void,
  level = 'debug',
): string[] {
  const out: string[] = [];
  const logger = createLogger(level, opts);
  logger.clear(); // no Console: nothing reaches the test's own stderr
  logger.add(
    new (class extends Transport {
      override log(info: Record<string | symbol, unknown>, next: () => void): void {
        out.push(String(info[MESSAGE]));
        next();
      }
    })(),
  );
  log(logger);
  return out;
}

describe('createLogger', () => {
  it('auto: JSON when stderr is not a terminal, text when it is', () => {
    expect(resolveFormat('auto', false)).toBe('json');
    expect(resolveFormat('auto', true)).toBe('text');
    expect(resolveFormat('json', true)).toBe('json');
    expect(resolveFormat('text', false)).toBe('text');
    const [json] = written({ isTTY: false }, (l) => l.info('gateway started', { domain: 'gw.localhost' }));
    expect(JSON.parse(json as string)).toMatchObject({
      level: 'info',
      message: 'gateway started',
      domain: 'gw.localhost',
    });
    const [text] = written({ isTTY: true }, (l) => l.info('gateway started', { domain: 'gw.localhost' }));
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} info {2}gateway started \{"domain":"gw.localhost"\}$/);
  });

  it('log.format wins over the terminal', () => {
    const [json] = written({ format: 'json', isTTY: true }, (l) => l.warn('x'));
    expect(JSON.parse(json as string)).toMatchObject({ level: 'warn', message: 'x' });
    const [text] = written({ format: 'text', isTTY: false }, (l) => l.warn('x'));
    expect(text).toMatch(/ warn {2}x$/);
  });

  it('text: leg and call in front, a SIP message indented below', () => {
    const invite = 'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nCall-ID: c1\r\nContent-Length: 0\r\n\r\n';
    const [text] = written({ format: 'text' }, (l) =>
      l
        .child({ leg: 'sip' })
        .child({ sid: 's1', callId: 'c1' })
        .info('send', { to: 'UDP|127.0.0.1|5090', text: invite }),
    );
    expect((text as string).split('\n')).toEqual([
      expect.stringMatching(
        /^\d\d:\d\d:\d\d\.\d{3} info {2}\[sip s1 c1\] send \{"to":"UDP\|127.0.0.1\|5090"\}$/,
      ),
      '    INVITE sip:bob@127.0.0.1 SIP/2.0',
      '    Call-ID: c1',
      '    Content-Length: 0',
    ]);
  });

  it('keeps the old (level, silent) call form', () => {
    expect(createLogger('info', true).silent).toBe(true);
    expect(createLogger('info').silent).toBe(false);
  });
});

describe('levels that are off', () => {
  it('cost no formatting: a debug entry at warn is not read, a child sees a later level change', () => {
    let reads = 0;
    let readsWhileOff = -1;
    const meta = {
      get callId(): string {
        reads++;
        return 'c1';
      },
    };
    const out = written(
      { isTTY: false },
      (l) => {
        const child = l.child({ leg: 'sip' });
        child.debug('sip: calling --invite--> proceeding', meta);
        l.debug('not written');
        child.warn('UDP socket error', { error: 'x' });
        readsWhileOff = reads;
        l.level = 'debug';
        child.debug('now written', meta);
      },
      'warn',
    );
    expect(out.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([
      'UDP socket error',
      'now written',
    ]);
    expect(readsWhileOff).toBe(0); // winston alone merges (reads) the meta of a disabled entry
    expect(reads).toBeGreaterThan(0);
    expect(JSON.parse(out[1] as string)).toMatchObject({ leg: 'sip', callId: 'c1', level: 'debug' });
  });
});
