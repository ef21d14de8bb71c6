/**
 * `run`: starts the gateway with a config file (the default one shipped in config/ when none),
 * secrets from the environment applied (src/config/env.ts).
 */
import { defaultConfigFile, loadConfig } from '../config/config';
import { Gateway } from '../gateway/gateway';

export interface RunOptions {
  /** `--trace`: log every SIP message and stanza, secrets masked (as `log.trace: true`). */
  trace?: boolean;
}

export async function runGateway(file?: string, opts: RunOptions = {}): Promise<void> {
  const loaded = loadConfig(file ?? defaultConfigFile());
  const config = opts.trace ? { ...loaded, log: { ...loaded.log, trace: true } } : loaded;
  const gateway = await Gateway.start(config);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(
      `jingle-sip-gateway: ${signal}, ending ${gateway.liveCalls()} call(s) and stopping\n`,
    );
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // A carrier-grade gateway does not fall over on one stray promise: log it, keep serving.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`jingle-sip-gateway: unhandled rejection: ${String(reason).split('\n')[0]}\n`);
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
