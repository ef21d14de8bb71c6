/**
 * Kamailio 5.6 as a Record-Routing stateful proxy in front of the gateway: requests from the
 * gateway's port go to their Request-URI, all others to the gateway; OPTIONS to Kamailio itself
 * are answered (readiness probe). Started in the foreground (`-DD -E`) and stopped by PID.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnProc, type Proc } from './processes';

export interface Kamailio {
  proc: Proc;
  port: number;
  dir: string;
}

export interface KamailioOptions {
  /**
   * A new request from the gateway for Kamailio itself (Kamailio as the gateway's `sip.outbound`)
   * is relayed on to this port on 127.0.0.1; without it such a request goes to its Request-URI.
   */
  nextHopPort?: number;
}

/** The start of every config here: one UDP listener on loopback, the modules a proxy needs. */
function prelude(port: number, more: string[] = []): string {
  const modules = ['pv', 'tm', 'sl', 'rr', 'textops', 'siputils', ...more];
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:127.0.0.1:${port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
${modules.map((m) => `loadmodule "${m}.so"`).join('\n')}
`;
}

export function kamailioConfig(port: number, gatewayPort: number, o: KamailioOptions = {}): string {
  const nextHop =
    o.nextHopPort === undefined ? '' : `    if (uri == myself) { $du = "sip:127.0.0.1:${o.nextHopPort}"; }\n`;
  return `${prelude(port)}
request_route {
  if (is_method("OPTIONS") && uri==myself && !has_totag()) {
    sl_send_reply("200", "OK");
    exit;
  }
  if (is_method("CANCEL")) {
    if (t_check_trans()) { t_relay(); }
    exit;
  }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  remove_hf("Route");
  record_route();
  if (src_port == ${gatewayPort}) {
${nextHop}    t_relay();
  } else {
    t_relay_to_udp("127.0.0.1", "${gatewayPort}");
  }
  exit;
}
`;
}

export function startKamailio(port: number, gatewayPort: number, o: KamailioOptions = {}): Kamailio {
  return runKamailio(port, kamailioConfig(port, gatewayPort, o));
}

function runKamailio(port: number, config: string): Kamailio {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamailio-'));
  const cfg = path.join(dir, 'kamailio.cfg');
  fs.writeFileSync(cfg, config);
  const proc = spawnProc(
    'kamailio',
    'kamailio',
    ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-P', path.join(dir, 'kamailio.pid'), '-Y', dir],
    { removeOnExit: dir },
  );
  return { proc, port, dir };
}

/**
 * Resolves once Kamailio answers an OPTIONS for itself with 200 (`options` sends one and resolves
 * with the final response); each try gives up after `tryMs`, the whole after 8 s.
 */
export async function kamailioReady(
  k: Kamailio,
  options: (uri: string) => Promise<{ status: number }>,
  tryMs = 500,
): Promise<void> {
  const until = Date.now() + 8000;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      options(`sip:127.0.0.1:${k.port}`),
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), tryMs))),
    ]);
    clearTimeout(timer);
    if (res?.status === 200) return;
    if (Date.now() > until) throw new Error(`kamailio not ready:\n${k.proc.output()}`);
  }
}

/**
 * Kamailio 5.6 as a trunk's registrar and proxy (modules registrar, usrloc, auth): a REGISTER
 * is challenged with digest (`password` for any user, realm = the To domain) and saved; an INVITE
 * from anywhere is routed to the registered contact of its Request-URI user (`lookup`) with
 * Record-Route, which is how a carrier delivers a DID to the gateway's contact.
 */
export function kamailioRegistrarConfig(port: number, password: string): string {
  return `${prelude(port, ['usrloc', 'registrar', 'auth'])}
request_route {
  if (is_method("OPTIONS") && uri==myself && !has_totag()) {
    sl_send_reply("200", "OK");
    exit;
  }
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("$td", "${password}", "0")) {
      www_challenge("$td", "0");
      exit;
    }
    save("location");
    exit;
  }
  if (is_method("CANCEL")) {
    if (t_check_trans()) { t_relay(); }
    exit;
  }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  remove_hf("Route");
  if (!lookup("location")) {
    sl_send_reply("404", "Not registered");
    exit;
  }
  record_route();
  t_relay();
  exit;
}
`;
}

/** {@link startKamailio} with {@link kamailioRegistrarConfig}. */
export function startKamailioRegistrar(port: number, password: string): Kamailio {
  return runKamailio(port, kamailioRegistrarConfig(port, password));
}
