/**
 * Runs once after the whole suite (jest `globalTeardown`). The real peers the tests start
 * (Prosody, SIPp, baresip, rtpengine, Chromium…) are stopped by each test's own teardown;
 * any that outlived it, or a grandchild it forked that still holds one of our pipes, would
 * keep jest's process alive after the run, and CI would wait for it until its time runs out.
 * This lists every such leftover descendant on stderr, so the leak is seen and can be fixed
 * in the test that started it, and then kills it.
 */
import * as fs from 'node:fs';

interface Leftover {
  pid: number;
  command: string;
}

/** The processes whose parent chain leads to `root`, read from /proc (Linux). */
function descendants(root: number): Leftover[] {
  const parent = new Map<number, number>();
  const command = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after it follow its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      command.set(Number(entry), cmdline || stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      /* it ended while we looked */
    }
  }
  const found: Leftover[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        found.push({ pid, command: command.get(pid) ?? '?' });
        break;
      }
    }
  }
  return found;
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
