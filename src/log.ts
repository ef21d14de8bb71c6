/**
 * The gateway's logger: winston on stderr (stdout stays free for command output), child loggers
 * carrying `{ leg, sid, callId }`. JSON lines for log collectors, or text for people: `log.format`
 * `auto` (the default) writes text when stderr is a terminal, JSON otherwise.
 */
import winston from 'winston';
import type { LogFormat } from './config/config';

export type Logger = winston.Logger;

export interface LoggerOptions {
  silent?: boolean;
  format?: LogFormat;
  /** Whether stderr is a terminal (for `auto`); default `process.stderr.isTTY`. */
  isTTY?: boolean;
}

/** Fields a text line shows in front of the message, in this order, instead of in the JSON tail. */
const PREFIX_FIELDS = ['leg', 'sid', 'callId'] as const;
/** Multi-line fields (a SIP message, a stanza): printed below the line, indented. */
const BLOCK_FIELDS = ['text', 'data'] as const;

/**
 * `12:00:01.250 info  [sip] send to=udp|127.0.0.1|5090` and the message indented below: one
 * entry, read by a person. Everything else in the entry follows as JSON.
 */
export const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, ...rest } = info as Record<string, unknown>;
  const meta: Record<string, unknown> = { ...rest };
  const tags = PREFIX_FIELDS.filter((k) => meta[k] !== undefined).map((k) => {
    const v = String(meta[k]);
    delete meta[k];
    return v;
  });
  const blocks: string[] = [];
  for (const k of BLOCK_FIELDS) {
    if (typeof meta[k] === 'string') {
      blocks.push(
        (meta[k] as string)
          .replace(/(\r?\n)+$/, '')
          .split(/\r?\n/)
          .map((l) => (l === '' ? '' : `    ${l}`))
          .join('\n'),
      );
      delete meta[k];
    }
  }
  const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
  const head = [time, String(level).padEnd(5), tags.length > 0 ? `[${tags.join(' ')}]` : '', String(message)]
    .filter((s) => s !== '')
    .join(' ');
  const tail = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
  return [`${head}${tail}`, ...blocks].join('\n');
});

/** Which format `format` means on this stream. */
export function resolveFormat(format: LogFormat, isTTY: boolean): 'json' | 'text' {
  if (format === 'auto') return isTTY ? 'text' : 'json';
  return format;
}

export function createLogger(level: string, opts: LoggerOptions | boolean = {}): Logger {
  const o: LoggerOptions = typeof opts === 'boolean' ? { silent: opts } : opts;
  const text = resolveFormat(o.format ?? 'auto', o.isTTY ?? process.stderr.isTTY === true) === 'text';
  return skipDisabledLevels(
    winston.createLogger({
      level,
      silent: o.silent ?? false,
      format: winston.format.combine(winston.format.timestamp(), text ? textFormat : winston.format.json()),
      transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
    }),
  );
}

/**
 * winston 3 builds, merges and formats (timestamp, JSON) every entry and only then lets the
 * transport drop it for its level: at `warn`, each `debug` line cost as much as a written one
 * (issue 12's profile: ≈ 6 % of a call). Each level's method now returns at once when its level
 * is off. Child loggers (`logger.child`) inherit these methods; a later change of `level` is seen.
 */
export function skipDisabledLevels(logger: Logger): Logger {
  const methods = logger as unknown as Record<string, (...args: unknown[]) => Logger>;
  for (const name of Object.keys(logger.levels)) {
    const write = methods[name];
    if (typeof write !== 'function') continue;
    methods[name] = function (this: Logger, ...args: unknown[]): Logger {
      return this.isLevelEnabled(name) ? write.apply(this, args) : this;
    };
  }
  return logger;
}
