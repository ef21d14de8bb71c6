/**
 * baresip 1.0.0 (`baresip-core`) as a real UA for the SIP leg tests: its own config folder, the
 * ausine source at 48 kHz stereo (without it a call fails after 120 s), auto-answer, no
 * registration, and ctrl_tcp for dial/hangup (netstring JSON). Stopped by PID.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, spawnProc, waitForTcp, type Proc } from './processes';

export interface Baresip {
  proc: Proc;
  sipPort: number;
  ctrlPort: number;
  dir: string;
  command(command: string, params?: string): Promise<string>;
  /** The SIP messages of its `-s` trace so far (with `sipTrace`), in order. */
  sipMessages(): SipTraced[];
}

/** One message of baresip's SIP trace: `sent` by baresip or `received` from its peer. */
export interface SipTraced {
  direction: 'sent' | 'received';
  firstLine: string;
  text: string;
}

export interface BaresipOptions {
  /** The account's user (`sip:<user>@127.0.0.1`); default `bob`. */
  user?: string;
  /** Offer opus (preferred) ahead of G.711. */
  opus?: boolean;
  /** DTLS-SRTP: the dtls_srtp module and `mediaenc=dtls_srtp` on the account. */
  dtls?: boolean;
  /** More modules to load (e.g. `rtcpsummary.so`, which logs the RTP counts of each call). */
  modules?: string[];
  /** More account parameters (e.g. `;medianat=ice`, with `modules: ['ice.so']`). */
  accountParams?: string;
  /** More config lines (e.g. `rtcp_mux\t\tyes`). */
  config?: string[];
  /** baresip's `-s`: every SIP message it sends and receives goes to its output. */
  sipTrace?: boolean;
}

export async function startBaresip(
  sipPort: number,
  ctrlPort: number,
  o: BaresipOptions = {},
): Promise<Baresip> {
  // baresip also listens for SIP over TLS on sipPort + 1: a control port there would not bind.
  while (ctrlPort === sipPort + 1) ctrlPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'baresip-'));
  const modules = [
    ...(o.opus ? ['opus.so'] : []),
    'g711.so',
    'ausine.so',
    'aubridge.so',
    ...(o.dtls ? ['dtls_srtp.so'] : []),
    ...(o.modules ?? []),
  ];
  fs.writeFileSync(
    path.join(dir, 'config'),
    [
      'poll_method\t\tepoll',
      `sip_listen\t\t127.0.0.1:${sipPort}`,
      'net_interface\t\t127.0.0.1',
      'audio_player\t\taubridge,nil',
      'audio_source\t\tausine,440',
      'audio_alert\t\taubridge,nil',
      'ausrc_srate\t\t48000',
      'ausrc_channels\t\t2',
      'module_path\t\t/usr/lib/baresip/modules',
      ...modules.map((m) => `module\t\t\t${m}`),
      'module_app\t\taccount.so',
      'module_app\t\tmenu.so',
      'module_app\t\tctrl_tcp.so',
      `ctrl_tcp_listen\t\t127.0.0.1:${ctrlPort}`,
      ...(o.config ?? []),
      '',
    ].join('\n'),
  );
  const enc = o.dtls ? ';mediaenc=dtls_srtp' : '';
  fs.writeFileSync(
    path.join(dir, 'accounts'),
    `<sip:${o.user ?? 'bob'}@127.0.0.1>;answermode=auto;regint=0${enc}${o.accountParams ?? ''}\n`,
  );
  const proc = spawnProc('baresip', 'baresip', ['-f', dir, ...(o.sipTrace ? ['-s'] : [])], {
    removeOnExit: dir,
  });
  // The trace is collected as it comes: proc.output() keeps only the last 100 kB, and baresip's
  // status line (`[0:00:05] audio=…`) fills that within a long call.
  const traced: SipTraced[] = [];
  let pending = '';
  proc.child.stdout?.on('data', (d: Buffer) => {
    pending += d.toString();
    let end = 0;
    for (const m of pending.matchAll(TRACE_BLOCK)) end = (m.index ?? 0) + m[0].length;
    if (end > 0) {
      traced.push(...parseTrace(pending.slice(0, end), sipPort));
      pending = pending.slice(end);
    }
    const open = pending.lastIndexOf(TRACE_START);
    if (open < 0 && pending.length > 1000) pending = pending.slice(-100);
  });
  try {
    await waitForTcp('127.0.0.1', ctrlPort, 8000);
  } catch (e) {
    await proc.stop();
    throw new Error(`${(e as Error).message}; baresip said:\n${proc.output().slice(-2000)}`);
  }
  return {
    proc,
    sipPort,
    ctrlPort,
    dir,
    command: (command, params) => ctrl(ctrlPort, command, params),
    sipMessages: () => [...traced],
  };
}

/**
 * baresip 1.0.0's `-s` trace prints each message between `ESC[36;1m#` and `ESC[;m`, after a line
 * `UDP <from> -> <to>`; the direction comes from which side is baresip's own SIP port.
 */
const TRACE_START = '\x1b[36;1m#';
const TRACE_BLOCK = /\x1b\[36;1m#\r?\n(\w+) (\S+) -> (\S+)\r?\n([\s\S]*?)\x1b\[;m/g;

export function parseTrace(output: string, sipPort: number): SipTraced[] {
  const out: SipTraced[] = [];
  const block = new RegExp(TRACE_BLOCK.source, 'g');
  for (let m = block.exec(output); m !== null; m = block.exec(output)) {
    const text = (m[4] ?? '').replace(/\r?\n/g, '\r\n');
    out.push({
      direction: (m[2] ?? '').endsWith(`:${sipPort}`) ? 'sent' : 'received',
      firstLine: text.split('\r\n')[0] ?? '',
      text,
    });
  }
  return out;
}

/**
 * {@link startBaresip} on free ports. baresip also binds TCP on its SIP port and TLS on the next
 * one, which a free UDP port does not promise: on "Address already in use" it tries new ports.
 */
export async function startBaresipOnFreePorts(o: BaresipOptions = {}): Promise<Baresip> {
  for (let tries = 1; ; tries++) {
    try {
      return await startBaresip(await freePort(), await freePort(), o);
    } catch (e) {
      if (tries >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
    }
  }
}

/** One ctrl_tcp command: `len:{json},` out, the first netstring back. */
function ctrl(port: number, command: string, params?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const json = JSON.stringify({ command, params, token: String(Date.now()) });
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write(`${Buffer.byteLength(json)}:${json},`));
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(buf);
    }, 2000);
    s.on('data', (d) => {
      buf += d.toString();
      const m = /^(\d+):/.exec(buf);
      if (m && buf.length >= m[0].length + Number(m[1]) + 1) {
        clearTimeout(timer);
        s.destroy();
        resolve(buf.slice(m[0].length, m[0].length + Number(m[1])));
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
