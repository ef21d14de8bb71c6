/**
 * A real Prosody (Debian's `prosody` package) for the tests and the demo: its own config, data
 * and log under a temp folder, on free loopback ports picked at run time, c2s without TLS, the
 * gateway as a XEP-0114 component. Every process is stopped by its PID. Never run
 * `prosody --version` (0.12 starts a server on the system config); wait for the port, never sleep.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { debInstalled, freePort, stopChild, waitForServer } from './processes';

/** Whether the `prosody` binary is installed. */
export function prosodyAvailable(): boolean {
  return debInstalled('prosody');
}

export interface ProsodyOptions {
  /** The VirtualHost. Default `localhost`. */
  host?: string;
  /** The component's domain. Default `gw.<host>`. */
  component?: string;
  secret: string;
  users?: Array<[string, string]>;
  /** More VirtualHosts (users registered with `register(user, pass, host)`). */
  extraHosts?: string[];
  /**
   * For the benchmark (bench/e2e.ts): log warnings only (not every stanza at debug), the epoll
   * backend, and no carbons, so that Prosody's cost per stanza is its routing, not its log.
   */
  tuned?: boolean;
}

export class ProsodyServer {
  private proc: ChildProcess | undefined;
  readonly host: string;
  readonly component: string;
  readonly configFile: string;

  private constructor(
    readonly dir: string,
    readonly c2sPort: number,
    readonly componentPort: number,
    o: ProsodyOptions,
  ) {
    this.host = o.host ?? 'localhost';
    this.component = o.component ?? `gw.${this.host}`;
    this.configFile = path.join(dir, 'prosody.cfg.lua');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(
      this.configFile,
      `-- written by jingle-sip-gateway (src/peers/prosody.ts)
pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
log = { ${o.tuned ? 'warn' : 'debug'} = "${dir}/prosody.log" }
${o.tuned ? 'network_backend = "epoll"\n' : ''}daemonize = false
run_as_root = true
interfaces = { "127.0.0.1" }
c2s_ports = { ${c2sPort} }
component_ports = { ${componentPort} }
component_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = { "roster", "saslauth", "disco", ${o.tuned ? '' : '"carbons", '}"ping", "posix" }
modules_disabled = { "s2s", "tls", "offline" }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
-- @xmpp/client 0.13's SCRAM-SHA-1 sends an empty response under jest: the bots use PLAIN.
disable_sasl_mechanisms = { "SCRAM-SHA-1", "SCRAM-SHA-256" }
authentication = "internal_plain"
storage = "internal"
VirtualHost "${this.host}"
${(o.extraHosts ?? []).map((h) => `VirtualHost "${h}"\n`).join('')}Component "${this.component}"
  component_secret = "${o.secret}"
`,
    );
  }

  /** Writes the config, registers the users, starts Prosody and waits for both ports. */
  static async start(o: ProsodyOptions): Promise<ProsodyServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-prosody-'));
    const server = new ProsodyServer(dir, await freePort(), await freePort(), o);
    for (const [user, pass] of o.users ?? []) server.register(user, pass);
    await server.run();
    return server;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  register(user: string, pass: string, host: string = this.host): void {
    execFileSync('prosodyctl', ['--config', this.configFile, 'register', user, host, pass], {
      stdio: 'pipe',
    });
  }

  private async run(): Promise<void> {
    const proc = spawn('prosody', ['--config', this.configFile, '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    await waitForServer('prosody', proc, [this.c2sPort, this.componentPort], 10_000);
  }

  /** Stops Prosody by its PID (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    await stopChild(proc, 3000);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  /** SIGSTOP / SIGCONT: a server that is alive on TCP but answers nothing. */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'prosody.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops and removes the temp folder. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
