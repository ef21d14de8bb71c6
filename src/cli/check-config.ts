/**
 * `check-config [--config FILE]`: src/config/check.ts's result as the command's output and exit
 * code. A pure function of the file system and environment, so the contract is testable
 * without spawning a process.
 */
import { checkConfig, displayPath, formatProblem } from '../config/check';
import { defaultConfigFile } from '../config/config';
import { EXIT_BAD_INPUT } from './main';

export interface CommandResult {
  exitCode: number;
  stdout: string[];
  stderr: string[];
}

export function checkConfigCommand(file?: string, env: NodeJS.ProcessEnv = process.env): CommandResult {
  let target: string;
  try {
    target = file ?? defaultConfigFile();
  } catch (e) {
    return { exitCode: EXIT_BAD_INPUT, stdout: [], stderr: [`check-config: ${(e as Error).message}`] };
  }
  try {
    const r = checkConfig({ file: target, name: file ?? displayPath(target), env });
    if (r.ok) return { exitCode: 0, stdout: [r.summary], stderr: [] };
    const n = r.problems.length;
    return {
      exitCode: EXIT_BAD_INPUT,
      stdout: [],
      stderr: [
        ...r.problems.map(formatProblem),
        `config FAILED: ${r.file} — ${n} ${n === 1 ? 'error' : 'errors'}`,
      ],
    };
  } catch (e) {
    // A bug of ours, not the file's: still one line, no stack.
    return {
      exitCode: EXIT_BAD_INPUT,
      stdout: [],
      stderr: [`check-config: internal error: ${(e as Error).message}`],
    };
  }
}
