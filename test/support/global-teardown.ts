/**
 * Runs once after the whole suite (jest `globalTeardown`). The real peers the tests start
 * (Prosody, SIPp, baresip, rtpengine, Chromium…) are stopped by each test's own teardown;
 * any that outlived it, or a grandchild it forked that still holds one of our pipes, would
 * keep jest's process alive after the run, and CI would wait for it until its time runs out.
 * This lists every such leftover descendant on stderr, so the leak is seen and can be fixed
 * in the test that started it, and then kills it.
 */
import * as fs from 'node:fs';
import { descendantsOf } from '../../src/peers/processes';

interface Leftover {
  pid: number;
  command: string;
}

/** The processes whose parent chain leads to `root`, read from /proc (Linux), with their command. */
function descendants(root: number): Leftover[] {
  return descendantsOf(root).map((pid) => ({ pid, command: commandOf(pid) }));
}

function commandOf(pid: number): string {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    if (cmdline !== '') return cmdline;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return '?'; // it ended while we looked
  }
}

export default function globalTeardown(): void {
  if (process.platform !== 'linux') return;
  // jest's own workers, when it runs several, are ended by jest itself.
  const leftovers = descendants(process.pid).filter((l) => !/jest-worker|processChild/.test(l.command));
  if (leftovers.length === 0) return;
  process.stderr.write(
    `global teardown: ${leftovers.length} process(es) outlived their tests; killing them:\n` +
      leftovers.map((l) => `  ${l.pid} ${l.command.slice(0, 200)}\n`).join(''),
  );
  for (const l of leftovers) {
    try {
      process.kill(l.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
