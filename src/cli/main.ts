/**
 * The command line: `jingle-sip-gateway translate …`, `run …`, `check-config …` and `demo`.
 *
 * Contract of `translate` (other tools rely on it): success → exit 0, output on stdout only;
 * bad input of any kind → exit 2, one line on stderr naming what and where, nothing on stdout,
 * no stack trace.
 *
 * Contract of `check-config`: a good configuration → exit 0 and one summary line on stdout; a
 * bad one → exit 2, every problem on stderr, one a line (`file:line: key.path: what is wrong`),
 * then a count line; nothing on stdout, no stack trace.
 */
import { Command, CommanderError } from 'commander';
import { runTranslate, type TranslateArgs } from './translate';
import { readInput } from './input';

export const EXIT_BAD_INPUT = 2;

/** One printable line: control characters and undecodable bytes from the input become `?`. */
export function printable(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
}

function fail(message: string): never {
  process.stderr.write(`jingle-sip-gateway: ${printable(message)}\n`);
  process.exit(EXIT_BAD_INPUT);
}

export function main(argv: string[]): void {
  const program = new Command('jingle-sip-gateway')
    .description('Gateway between XMPP Jingle and SIP')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('translate')
    .description('translate one message: Jingle ⇄ SDP, Jingle ⇄ SIP')
    .requiredOption('--from <format>', 'input format: jingle | sdp | sip')
    .requiredOption('--to <format>', 'output format: sdp | jingle | sip')
    .option('--config <file>', 'gateway config (YAML) for addresses and defaults')
    .option('--answer', 'sdp → jingle: the SDP is an answer (session-accept)')
    .argument('[file]', 'input file, or - for standard input', '-')
    .action(async (file: string, opts: Omit<TranslateArgs, 'input'>) => {
      let input: string;
      try {
        input = await readInput(file);
      } catch (e) {
        fail((e as Error).message);
      }
      const result = runTranslate({ ...opts, input });
      if (!result.ok) fail(result.error);
      process.stdout.write(result.output);
    });

  program
    .command('run')
    .description('run the gateway')
    .option('--config <file>', 'gateway config (YAML)')
    .option('--trace', 'log every SIP message and XMPP stanza at info, secrets masked')
    .action(async (opts: { config?: string; trace?: boolean }) => {
      const { runGateway } = await import('./run');
      try {
        await runGateway(opts.config, { trace: opts.trace === true });
      } catch (e) {
        // A bad config file, a SIP port already taken: one clear line, no stack.
        process.stderr.write(`jingle-sip-gateway: cannot start: ${printable((e as Error).message)}\n`);
        process.exit(1);
      }
    });

  program
    .command('check-config')
    .description('check a configuration, its TLS files and the mapping tables without starting')
    .option('--config <file>', 'gateway config (YAML); default: the shipped config/default.yaml')
    .action(async (opts: { config?: string }) => {
      const { checkConfigCommand } = await import('./check-config');
      const r = checkConfigCommand(opts.config);
      for (const line of r.stdout) process.stdout.write(`${printable(line)}\n`);
      for (const line of r.stderr) process.stderr.write(`${printable(line)}\n`);
      process.exit(r.exitCode);
    });

  program
    .command('demo')
    .description('a first call in one command: Prosody, the gateway, a demo phone, rtpengine')
    .option('--headless-check', 'place one call each way, print the results, exit 0 or 1')
    .action(async (opts: { headlessCheck?: boolean }) => {
      const { runDemo } = await import('../demo/demo');
      process.exit(await runDemo(opts));
    });

  program.parseAsync(['node', 'jingle-sip-gateway', ...argv]).catch((e: unknown) => {
    if (e instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors are bad input.
      process.exit(e.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
    }
    fail(`internal error: ${(e as Error).message}`);
  });
}
