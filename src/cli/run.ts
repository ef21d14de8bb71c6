/** `run`: starts the gateway with a config file (the default one shipped in config/ when none). */
import { loadConfig, defaultConfig } from '../config/config';

export async function runGateway(file?: string): Promise<void> {
  const config = file ? loadConfig(file) : defaultConfig();
  void config;
  throw new Error('the gateway runtime is not built yet; only `translate` works in this version');
}
