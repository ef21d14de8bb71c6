/**
 * src/peers/processes.ts: a peer that ignores SIGTERM is killed with its children (Kamailio's
 * workers outlived a SIGKILL of their main process once, still holding its port). A shell that
 * ignores TERM stands in for it; its `sleep` child inherits that. No sockets.
 */
import * as fs from 'node:fs';
import { descendantsOf, sleep, spawnProc } from '../../src/peers/processes';

/** Running or sleeping: not gone, and not a zombie waiting to be reaped (/proc/PID/stat). */
const alive = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('spawnProc stop', () => {
  it('SIGKILLs the children of a process that ignored SIGTERM, not only the process', async () => {
    const proc = spawnProc('stubborn', 'sh', ['-c', 'trap "" TERM; sleep 30 & echo started; wait']);
    for (let i = 0; !proc.output().includes('started') && i < 100; i++) await sleep(20);
    const children = descendantsOf(proc.pid);
    expect(children.length).toBeGreaterThan(0);
    await proc.stop();
    await sleep(100);
    expect(alive(proc.pid)).toBe(false);
    expect(children.filter(alive)).toEqual([]);
  }, 10_000);

  it('descendantsOf: a process with no children has none', () => {
    expect(descendantsOf(2 ** 22 + 12345)).toEqual([]);
  });
});
