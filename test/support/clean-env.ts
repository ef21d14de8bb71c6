/**
 * Jest setup (jest.config.js `setupFiles`): the tests run without the gateway's `JSG_*` secret
 * variables (src/config/env.ts), so a developer's shell cannot change what `loadConfig` returns
 * (config/default.yaml must equal `defaultConfig()`). Tests that want one pass an `env` of their
 * own. Child processes get the real environment unless given `process.env` (this copy) or an
 * `env` explicitly: test/cli/run-cli.ts does that.
 */
for (const k of Object.keys(process.env)) if (k.startsWith('JSG_')) delete process.env[k];
