/**
 * `run`: starts the gateway with a config file (the default one shipped in config/ when none).
 * Resolves with the running gateway (bench/soak-gateway.ts reads its live-call count).
 */
import { defaultConfig, loadConfig } from '../config/config';
import { Gateway } from '../gateway/gateway';

export async function runGateway(file?: string): Promise<Gateway> {
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
  return gateway;
}
