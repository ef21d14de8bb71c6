/**
 * rtpengine from Debian (`rtpengine-daemon`) as the media anchor of the demo and the real-media tests:
 * userspace only (`--table=-1`), media on 127.0.0.1, ng control on a free loopback port, no
 * config file, logs on stderr, its own temp folder; stopped by PID like every peer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RtpengineAnchor } from '../media/anchor';
import { commandAvailable, freePort, sleep, spawnProc, type Proc } from './processes';

export interface Rtpengine {
  proc: Proc;
  ngPort: number;
  /** `udp://127.0.0.1:<ngPort>`, for the gateway's `media.rtpengine`. */
  uri: string;
  /** A control client of the test's own, to look at the sessions (`list`, `query`). */
  control: RtpengineAnchor;
  stop(): Promise<void>;
}

export function rtpengineAvailable(): boolean {
  return commandAvailable('rtpengine');
}

/**
 * Starts rtpengine; `dtmfLogPort`: where it reports the DTMF events it relays (`--dtmf-log-dest`);
 * `ngPort` to bring one back on the port a gateway is configured with;
 * `timeoutSeconds`: its `--timeout`, after which a call without media is dropped (default 60).
 */
export async function startRtpengine(
  ngPort?: number,
  o: { timeoutSeconds?: number; dtmfLogPort?: number } = {},
): Promise<Rtpengine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtpengine-'));
  ngPort ??= await freePort();
  // A port range of this process's own, so parallel test files do not compete for ports.
  const min = 20000 + (process.pid % 50) * 200;
  const proc = spawnProc(
    'rtpengine',
    'rtpengine',
    [
      '--config-file=none',
      '--foreground',
      '--log-stderr',
      '--table=-1',
      '--interface=127.0.0.1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--pidfile=${path.join(dir, 'rtpengine.pid')}`,
      `--port-min=${min}`,
      `--port-max=${min + 199}`,
      '--delete-delay=0',
      '--log-level=6',
      ...(o.timeoutSeconds !== undefined ? [`--timeout=${o.timeoutSeconds}`] : []),
      // Each RFC 4733 event rtpengine sees in the RTP it relays, as JSON over UDP.
      ...(o.dtmfLogPort !== undefined ? [`--dtmf-log-dest=127.0.0.1:${o.dtmfLogPort}`] : []),
    ],
    { removeOnExit: dir },
  );
  // Generous: on a loaded 2-core machine rtpengine has taken over 100 ms to answer a `list`.
  const control = new RtpengineAnchor({ host: '127.0.0.1', port: ngPort, timeoutMs: 500, retries: 2 });
  const until = Date.now() + 5000;
  for (;;) {
    try {
      await control.ping();
      break;
    } catch {
      if (Date.now() > until) {
        await proc.stop();
        throw new Error(`rtpengine did not answer ping on ${ngPort}:\n${proc.output().slice(-2000)}`);
      }
      await sleep(20);
    }
  }
  return {
    proc,
    ngPort,
    uri: `udp://127.0.0.1:${ngPort}`,
    control,
    stop: async () => {
      control.close();
      await proc.stop();
    },
  };
}
