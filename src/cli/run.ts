/**
 * `run`: starts the gateway with a config file (the default one shipped in config/ when none),
 * secrets from the environment applied (src/config/env.ts).
 * Signals (docs/operations.md): SIGHUP reloads routing, policy, limits and trunk credentials from
 * the same file (an invalid file is refused and the running configuration stays); SIGTERM stops
 * taking calls and lets live ones go on for `calls.drainSeconds` before ending them on both legs;
 * SIGINT, or a second SIGTERM, ends them at once. Exit 0 once both legs are closed. Resolves
 * with the running gateway (bench/soak-gateway.ts reads its live-call count).
 */
import { defaultConfigFile, loadConfig } from '../config/config';
import { Gateway } from '../gateway/gateway';

const say = (line: string): void => {
  process.stderr.write(`jingle-sip-gateway: ${line.split('\n')[0]}\n`);
};

export interface RunOptions {
  /** `--trace`: log every SIP message and stanza, secrets masked (as `log.trace: true`). */
  trace?: boolean;
}

export async function runGateway(file?: string, opts: RunOptions = {}): Promise<Gateway> {
  const source = file ?? defaultConfigFile();
  const read = (): ReturnType<typeof loadConfig> => {
    const loaded = loadConfig(source);
    return opts.trace ? { ...loaded, log: { ...loaded.log, trace: true } } : loaded;
  };
  const gateway = await Gateway.start(read());
  let signals = 0;
  const stop = (signal: string): void => {
    signals += 1;
    const drainMs = signal === 'SIGTERM' && signals === 1 ? gateway.config.calls.drainSeconds * 1000 : 0;
    say(
      drainMs > 0
        ? `${signal}: taking no new calls; ${gateway.liveCalls()} live call(s) may go on for ${drainMs / 1000} s`
        : `${signal}, ending ${gateway.liveCalls()} call(s) and stopping`,
    );
    // A second signal shortens the drain; the first call's promise settles the exit.
    const stopped = gateway.stop({ drainMs });
    if (signals === 1)
      stopped.then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  const reload = (): void => {
    try {
      const needRestart = gateway.reload(read());
      say(
        `SIGHUP: reloaded ${source}` +
          (needRestart.length > 0
            ? `; these need a restart and were left as they run: ${needRestart.join(', ')}`
            : ''),
      );
    } catch (e) {
      say(`SIGHUP: ${source} refused, the running configuration stays: ${(e as Error).message}`);
    }
  };
  // A carrier-grade gateway does not fall over on one stray promise: log it, keep serving.
  process.on('unhandledRejection', (reason) => say(`unhandled rejection: ${String(reason)}`));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', reload);
  return gateway;
}
