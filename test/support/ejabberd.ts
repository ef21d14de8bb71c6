/**
 * A real ejabberd (Debian's `ejabberd` 23.01) for interop tests: a temp `ejabberd.yml` with a
 * c2s listener (no TLS, SASL ANONYMOUS so that no user needs registering) and an
 * `ejabberd_service` listener for the gateway, on free loopback ports.
 *
 * ejabberdctl would switch to the `ejabberd` user (su) and needs Erlang distribution (epmd, a
 * daemon the test could not stop by PID). So the test runs the VM itself, non-distributed, as
 * ejabberdctl's `foreground` does: `erl -noinput -mnesia dir … -s ejabberd` with
 * EJABBERD_CONFIG_PATH pointing at the temp config. It is ready in about 1.2 s; stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { debInstalled, freePort, stopChild, waitForServer } from './processes';

export function ejabberdAvailable(): boolean {
  return debInstalled('ejabberd') && fs.existsSync('/usr/bin/erl');
}

export interface EjabberdOptions {
  host?: string;
  component?: string;
  secret: string;
}

export class EjabberdServer {
  private proc: ChildProcess | undefined;
  readonly host: string;
  readonly component: string;

  private constructor(
    readonly dir: string,
    readonly c2sPort: number,
    readonly componentPort: number,
    o: EjabberdOptions,
  ) {
    this.host = o.host ?? 'localhost';
    this.component = o.component ?? `gw.${this.host}`;
    fs.mkdirSync(path.join(dir, 'spool'));
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(
      path.join(dir, 'ejabberd.yml'),
      `# written by test/support/ejabberd.ts
hosts:
  - ${this.host}
loglevel: info
log_rotate_count: 0
certfiles: []
listen:
  -
    port: ${c2sPort}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
  -
    port: ${componentPort}
    ip: "127.0.0.1"
    module: ejabberd_service
    hosts:
      ${this.component}:
        password: "${o.secret}"
auth_method: anonymous
anonymous_protocol: sasl_anon
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_carboncopy: {}
`,
    );
  }

  static async start(o: EjabberdOptions): Promise<EjabberdServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsg-ejabberd-'));
    const server = new EjabberdServer(dir, await freePort(), await freePort(), o);
    await server.run();
    return server;
  }

  private async run(): Promise<void> {
    const proc = spawn(
      '/usr/bin/erl',
      ['-noinput', '-mnesia', 'dir', `"${path.join(this.dir, 'spool')}"`, '-s', 'ejabberd'],
      {
        cwd: this.dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          EJABBERD_CONFIG_PATH: path.join(this.dir, 'ejabberd.yml'),
          EJABBERD_LOG_PATH: path.join(this.dir, 'logs', 'ejabberd.log'),
          ERL_LIBS: '/usr/lib/x86_64-linux-gnu',
          ERL_CRASH_DUMP: path.join(this.dir, 'logs', 'erl_crash.dump'),
          ERL_CRASH_DUMP_BYTES: '0',
        },
      },
    );
    this.proc = proc;
    try {
      await waitForServer('ejabberd', proc, [this.c2sPort, this.componentPort], 30_000);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** SIGTERM (the VM shuts down cleanly), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    await stopChild(proc, 5000);
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
