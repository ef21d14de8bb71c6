/** `run`: starts the gateway with a config file (the default one shipped in config/ when none). */
import { defaultConfig, loadConfig } from '../config/config';
import { Gateway } from '../gateway/gateway';

export async function runGateway(file?: string): Promise<void> {
  const config = file ? loadConfig(file) : defaultConfig();
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
