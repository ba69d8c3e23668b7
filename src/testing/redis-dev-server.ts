/** A redis-server on its own port and directory, which tests can stop and start again (an outage). */
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ManagedProcess } from './child-process';
import { freePort } from '../free-port';
import { resolveRedisServer } from './toolchain';

export interface RedisDevServerOptions {
  dir: string;
  port?: number;
  host?: string;
  /** More `redis-server` arguments (`--cluster-enabled yes`, `--replicaof host port`, …). */
  args?: readonly string[];
}

/** Resolves when `PING` answers on host:port (`+PONG`, or `-NOAUTH` from a server with a password), or rejects after `timeoutMs`. */
export async function waitForRedis(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.setTimeout(500);
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server on ${host}:${port} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `redis-server` arguments for a server with replicas: a replica's first sync starts at once (Redis waits 5 s for more replicas by default). */
export const NO_SYNC_DELAY: readonly string[] = ['--repl-diskless-sync-delay', '0'];

/** Resolves once the replica on `port` is in sync with its primary (`master_link_status:up`). */
export async function waitForReplicaLink(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  // A sentinel that reconfigures the server kills its clients (CLIENT KILL TYPE normal): ask again.
  const linked = () =>
    redis.info('replication').then(
      (info) => info.includes('master_link_status:up'),
      () => false,
    );
  try {
    while (!(await linked())) {
      if (Date.now() > deadline) throw new Error(`replica on ${port} not in sync within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    redis.disconnect();
  }
}

export class RedisDevServer {
  private process: ManagedProcess | undefined;
  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly dir: string,
    private readonly binary: string,
    private readonly args: readonly string[],
  ) {}

  static async start(options: RedisDevServerOptions): Promise<RedisDevServer> {
    const binary = resolveRedisServer();
    if (!binary) {
      throw new Error(
        'redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server) or run npm run setup',
      );
    }
    mkdirSync(options.dir, { recursive: true });
    const server = new RedisDevServer(
      options.host ?? '127.0.0.1',
      options.port ?? (await freePort()),
      options.dir,
      binary.path,
      options.args ?? [],
    );
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** Stops the server (an outage, or the end of the stack). Data is kept in its append-only file. */
  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }

  /** Kills the server outright (SIGKILL): a crash, with no chance to hand anything over. */
  async kill(): Promise<void> {
    this.process?.killNow();
    await this.process?.whenExited();
    this.process = undefined;
  }

  /** Starts the server again on the same port and directory. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.startProcess();
  }

  private async startProcess(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      this.host,
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
      ...this.args,
    ];
    this.process = ManagedProcess.spawn('redis-server', this.binary, args, {
      logFile: join(this.dir, 'redis.log'),
    });
    const exited = this.process.whenExited().then((code) => {
      throw new Error(
        `redis-server exited (code ${code}) during start-up; see ${join(this.dir, 'redis.log')}`,
      );
    });
    exited.catch(() => undefined);
    await Promise.race([waitForRedis(this.host, this.port, 10_000), exited]);
  }
}
