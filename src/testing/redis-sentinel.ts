/**
 * A real Sentinel-managed Redis on loopback for tests and benchmarks: one primary, its replicas and
 * `sentinels` `redis-server --sentinel` processes (quorum: a majority), each in a directory of its
 * own. The primary can be killed (a crash); the sentinels promote a replica, and the killed server,
 * started again, is turned into a replica of the new primary.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { RedisNode } from '../redis/types';
import { ManagedProcess } from './child-process';
import { freePort } from '../free-port';
import { NO_SYNC_DELAY, RedisDevServer, waitForRedis, waitForReplicaLink } from './redis-dev-server';
import { resolveRedisServer } from './toolchain';

export interface RedisSentinelOptions {
  dir: string;
  /** The name the sentinels monitor the primary under (default `breakwater`). */
  masterName?: string;
  replicas?: number;
  sentinels?: number;
  /** `down-after-milliseconds`: how long a silent primary takes to count as down (default 1000 ms). */
  downAfterMs?: number;
  /**
   * The primary's address as the sentinels, the replicas and the clients see it (default: its own; a
   * benchmark puts a proxy in front of it to hold back replication).
   */
  primaryAddress?: (primary: RedisNode) => Promise<RedisNode>;
  /** The sentinels' own password (`requirepass`, and `sentinel-pass` between them), for `REDIS_SENTINEL_PASSWORD`. */
  password?: string;
}

async function sentinelCall<T>(port: number, password: string | undefined, ...args: string[]): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return (await redis.call('SENTINEL', ...args)) as T;
  } finally {
    redis.disconnect();
  }
}

export class RedisSentinelDevServer {
  private constructor(
    readonly masterName: string,
    private readonly servers: RedisDevServer[],
    private readonly sentinelPorts: number[],
    private readonly sentinelProcesses: ManagedProcess[],
    /** The first primary's port behind the address the sentinels were given. */
    private readonly behind: Record<number, number>,
    /** The sentinels' password, if they have one. */
    readonly password: string | undefined,
  ) {}

  static async start(options: RedisSentinelOptions): Promise<RedisSentinelDevServer> {
    const binary = resolveRedisServer();
    if (!binary)
      throw new Error('redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server)');
    const masterName = options.masterName ?? 'breakwater';
    const primary = await RedisDevServer.start({ dir: join(options.dir, 'server-0'), args: NO_SYNC_DELAY });
    const source = (await options.primaryAddress?.(primary)) ?? primary;
    const replicas = await Promise.all(
      Array.from({ length: options.replicas ?? 1 }, (_, index) =>
        RedisDevServer.start({
          dir: join(options.dir, `server-${index + 1}`),
          args: [...NO_SYNC_DELAY, '--replicaof', source.host, String(source.port)],
        }),
      ),
    );
    const ports = await Promise.all(Array.from({ length: options.sentinels ?? 3 }, () => freePort()));
    const quorum = Math.floor(ports.length / 2) + 1;
    const processes = ports.map((port, index) => {
      const file = join(options.dir, `sentinel-${index}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${options.dir}`,
          `sentinel monitor ${masterName} ${source.host} ${source.port} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(options.password
            ? [`requirepass ${options.password}`, `sentinel sentinel-pass ${options.password}`]
            : []),
          '',
        ].join('\n'),
      );
      return ManagedProcess.spawn('redis-sentinel', binary.path, [file, '--sentinel'], {
        logFile: join(options.dir, `sentinel-${index}.log`),
      });
    });
    const setup = new RedisSentinelDevServer(
      masterName,
      [primary, ...replicas],
      ports,
      processes,
      { [source.port]: primary.port },
      options.password,
    );
    try {
      await Promise.all(ports.map((port) => waitForRedis('127.0.0.1', port, 10_000)));
      await Promise.all(replicas.map((replica) => waitForReplicaLink(replica.port)));
      await setup.waitUntilWatched(replicas.length);
    } catch (error) {
      await setup.stop();
      throw error;
    }
    return setup;
  }

  /** The sentinels, for `REDIS_SENTINELS`. */
  get sentinels(): RedisNode[] {
    return this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** `REDIS_SENTINELS`' value. */
  get sentinelsVariable(): string {
    return this.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  }

  /** Resolves once every sentinel knows the primary's `replicas` replicas and the other sentinels. */
  private async waitUntilWatched(replicas: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(
        this.sentinelPorts.map(async (port) => ({
          replicas: (await sentinelCall<unknown[]>(port, this.password, 'REPLICAS', this.masterName)).length,
          sentinels: (await sentinelCall<unknown[]>(port, this.password, 'SENTINELS', this.masterName))
            .length,
        })),
      );
      const others = this.sentinelPorts.length - 1;
      if (views.every((view) => view.replicas >= replicas && view.sentinels >= others)) return;
      if (Date.now() > deadline) throw new Error(`sentinels not in place within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The port of the primary the sentinels name now. */
  async primaryPort(): Promise<number> {
    const [, port] = await sentinelCall<[string, string]>(
      this.sentinelPorts[0]!,
      this.password,
      'GET-MASTER-ADDR-BY-NAME',
      this.masterName,
    );
    return this.behind[Number(port)] ?? Number(port);
  }

  /** The ports of the primary's replicas. */
  async replicaPorts(): Promise<number[]> {
    const primary = await this.primaryPort();
    return this.servers.map((server) => server.port).filter((port) => port !== primary);
  }

  /** Kills (SIGKILL) the current primary; returns its port. */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    await this.kill(port);
    return port;
  }

  /** Kills (SIGKILL) the server on `port`. */
  async kill(port: number): Promise<void> {
    await this.server(port).kill();
  }

  /** Resolves once the sentinels name a primary other than `port`. */
  async waitForFailover(port: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.primaryPort();
      if (now !== port) return now;
      if (Date.now() > deadline) throw new Error(`no failover away from port ${port} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Starts a killed server again; resolves once the sentinels made it a replica in sync with the new primary. */
  async restart(port: number): Promise<void> {
    await this.server(port).restart();
    await waitForReplicaLink(port);
  }

  async stop(): Promise<void> {
    await Promise.all([
      ...this.sentinelProcesses.map((process) => process.stop()),
      ...this.servers.map((server) => server.stop()),
    ]);
  }

  private server(port: number): RedisDevServer {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`no Redis server on port ${port}`);
    return server;
  }
}
