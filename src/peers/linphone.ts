/**
 * linphone (Debian `linphone-cli` 5.1, liblinphone 5.1) as a second real SIP UA: `linphone-daemon`
 * reading its commands (`call`, `call-pause`, `call-resume`, `call-transfer`, `dtmf`,
 * `terminate`) on stdin, its own linphonerc (UDP on `sipPort` at 127.0.0.1 only, no proxy, no
 * STUN/ICE), its log in its own folder (liblinphone logs every SIP message it sends and
 * receives). Stopped by PID.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SipTraced } from './baresip';
import { commandAvailable, freePort, spawnProc, type Proc } from './processes';

export interface Linphone {
  proc: Proc;
  sipPort: number;
  /** Sends one daemon command line. */
  command(line: string): void;
  /** The log so far (SIP messages included). */
  log(): string;
  /** The SIP messages in its log so far, in order. */
  sipMessages(): SipTraced[];
  /** The daemon's id of its last call (`Id: <n>` in its call events), for `call-resume <id>`. */
  callId(): string | undefined;
}

/**
 * belle-sip logs a message it sends after `message sent to [..]` and one it receives after
 * `received [n] new bytes from [..]:`, up to the next timestamped log line.
 */
export function parseLinphoneLog(log: string): SipTraced[] {
  const out: SipTraced[] = [];
  let cur: { direction: 'sent' | 'received'; lines: string[] } | undefined;
  const flush = (): void => {
    if (cur === undefined) return;
    const text = cur.lines.join('\r\n').replace(/(\r\n)+$/, '\r\n');
    if (/^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(text))
      out.push({ direction: cur.direction, firstLine: text.split('\r\n')[0] ?? '', text });
    cur = undefined;
  };
  for (const line of log.split('\n')) {
    if (/^\d{4}-\d\d-\d\d \d\d:/.test(line)) {
      flush();
      if (/message sent to \[/.test(line)) cur = { direction: 'sent', lines: [] };
      else if (/received \[\d+\] new bytes from \[/.test(line)) cur = { direction: 'received', lines: [] };
    } else cur?.lines.push(line.replace(/\r$/, ''));
  }
  flush();
  return out;
}

export function linphoneAvailable(): boolean {
  return commandAvailable('linphone-daemon');
}

export async function startLinphone(sipPort: number, o: { autoAnswer?: boolean } = {}): Promise<Linphone> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linphone-'));
  const rtp = await freePort();
  fs.writeFileSync(
    path.join(dir, 'linphonerc'),
    [
      '[sip]',
      `sip_port=${sipPort}`,
      'sip_tcp_port=-1',
      'sip_tls_port=-1',
      'use_ipv6=0',
      'contact=sip:linphone@127.0.0.1',
      // Keep that contact's host in its From (otherwise liblinphone puts the address of its
      // default route there, an IPv6 one on some machines).
      'guess_hostname=0',
      'default_proxy=-1',
      // DTMF as SIP INFO application/dtmf-relay, not RFC 4733 (what baresip cannot do).
      'use_info=1',
      'use_rfc2833=0',
      '[rtp]',
      `audio_rtp_port=${rtp}`,
      // Its SDP's address, not that of the default route: a peer on 127.0.0.1 only (baresip) refuses
      // an IPv6 c= with 488.
      'bind_address=127.0.0.1',
      '[net]',
      'firewall_policy=0',
      '[sound]',
      'echocancellation=0',
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'linphone.log');
  // liblinphone opens its database under $HOME/.local/share/linphone; without one the core never
  // starts its SIP transports (every call fails with "no channel available").
  fs.mkdirSync(path.join(dir, '.local', 'share', 'linphone'), { recursive: true });
  const proc = spawnProc(
    'linphone',
    'linphone-daemon',
    ['--config', path.join(dir, 'linphonerc'), '--log', logFile, ...(o.autoAnswer ? ['--auto-answer'] : [])],
    { input: '', removeOnExit: dir, env: { ...process.env, HOME: dir } },
  );
  const ready = Date.now() + 8000;
  while (!/daemon-linphone>/.test(proc.output())) {
    if (Date.now() > ready) throw new Error(`linphone-daemon did not start:\n${proc.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    sipPort,
    command: (line) => void proc.child.stdin?.write(`${line}\n`),
    log: () => readLog(logFile),
    sipMessages: () => parseLinphoneLog(readLog(logFile)),
    callId: () => [...proc.output().matchAll(/^Id: (\d+)$/gm)].pop()?.[1],
  };
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
