/** The gateway's logger: winston, JSON lines on stderr, child loggers carrying `{ sid, callId }`. */
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level: string, silent = false): Logger {
  return winston.createLogger({
    level,
    silent,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    // stderr, so that stdout stays free for command output.
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
  });
}
