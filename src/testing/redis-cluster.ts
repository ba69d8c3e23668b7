/**
 * A real Redis Cluster on loopback for tests and benchmarks: `masters` primaries with
 * `replicasPerMaster` replicas each, every node a `redis-server --cluster-enabled yes` in a
 * directory of its own, joined with `redis-cli --cluster create`. A node can be killed (a crash) to
 * make the cluster promote its replica, and started again (it rejoins as a replica).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import type { RedisNode } from '../redis/types';
import { NO_SYNC_DELAY, RedisDevServer, waitForReplicaLink } from './redis-dev-server';
import { resolveRedisCli } from './toolchain';

const run = promisify(execFile);

export interface RedisClusterOptions {
  dir: string;
  masters?: number;
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a silent node takes to count as failed (default 1000 ms). */
  nodeTimeoutMs?: number;
}

/** One line of `CLUSTER NODES`: who a node is and what it serves. */
interface ClusterNodeLine {
  id: string;
  /** A replica's master (its id). */
  masterId: string;
  port: number;
  role: 'master' | 'slave';
  failed: boolean;
  /** The slot ranges a master serves. */
  slots: Array<[number, number]>;
}

function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', masterId = '', , , , , ...slots] = line.split(' ');
      return {
        id,
        masterId,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        role: flags.includes('master') ? 'master' : 'slave',
        failed: flags.includes('fail'),
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from, to = from] = range.split('-').map(Number);
            return [from!, to!] as [number, number];
          }),
      };
    });
}

async function withClient<T>(port: number, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

export class RedisClusterDevServer {
  private constructor(private readonly servers: RedisDevServer[]) {}

  static async start(options: RedisClusterOptions): Promise<RedisClusterDevServer> {
    const cli = resolveRedisCli();
    if (!cli) throw new Error('redis-cli not found: install it (Debian/Ubuntu: apt-get install redis-tools)');
    const masters = options.masters ?? 3;
    const count = masters * (1 + (options.replicasPerMaster ?? 1));
    const servers = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        RedisDevServer.start({
          dir: join(options.dir, `node-${index}`),
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(options.nodeTimeoutMs ?? 1000),
            // A replica may take over however long it was cut off: tests kill primaries at will.
            '--cluster-replica-validity-factor',
            '0',
            ...NO_SYNC_DELAY,
          ],
        }),
      ),
    );
    const cluster = new RedisClusterDevServer(servers);
    try {
      const addresses = servers.map((server) => `${server.host}:${server.port}`);
      await run(cli.path, [
        '--cluster',
        'create',
        ...addresses,
        '--cluster-replicas',
        String(options.replicasPerMaster ?? 1),
        '--cluster-yes',
      ]);
      await cluster.waitUntilFormed(masters, 1 + (options.replicasPerMaster ?? 1));
      await cluster.waitUntilHealthy();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Seed nodes for `REDIS_CLUSTER_NODES` (every node). */
  get nodes(): RedisNode[] {
    return this.servers.map(({ host, port }) => ({ host, port }));
  }

  /** `REDIS_CLUSTER_NODES`' value. */
  get nodesVariable(): string {
    return this.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
  }

  /** The cluster's view, from a node that is running. */
  private async view(): Promise<ClusterNodeLine[]> {
    const live = this.servers.find((server) => server.running);
    if (!live) throw new Error('no cluster node is running');
    return parseClusterNodes(
      await withClient(live.port, (redis) => redis.cluster('NODES') as Promise<string>),
    );
  }

  /** Resolves once every node lists `masters` slot ranges, each served by `perRange` nodes (its replicas attached). */
  private async waitUntilFormed(masters: number, perRange: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(
        this.servers.map((server) =>
          withClient(server.port, (redis) => redis.cluster('SLOTS') as Promise<unknown[][]>).catch(() => []),
        ),
      );
      const formed = (ranges: unknown[][]) =>
        ranges.length === masters && ranges.every((range) => range.length - 2 === perRange);
      if (views.every(formed)) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not formed within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resolves once every running node says `cluster_state:ok` and knows every node of the cluster. */
  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.servers
          .filter((server) => server.running)
          .map((server) =>
            withClient(server.port, (redis) => redis.cluster('INFO') as Promise<string>).catch(() => ''),
          ),
      );
      const known = `cluster_known_nodes:${this.servers.length}\r`;
      if (states.every((info) => info.includes('cluster_state:ok') && info.includes(known))) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The port of the live master that serves `key`'s slot. */
  async masterPortOf(key: string): Promise<number> {
    const live = this.servers.find((server) => server.running)!;
    const slot = await withClient(live.port, (redis) => redis.cluster('KEYSLOT', key) as Promise<number>);
    const master = (await this.view()).find(
      (node) =>
        node.role === 'master' && !node.failed && node.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (!master) throw new Error(`no live master serves slot ${slot}`);
    return master.port;
  }

  /** Kills (SIGKILL) the replicas of the master that serves `key`'s slot; returns their ports. */
  async killReplicasOf(key: string): Promise<number[]> {
    const masterPort = await this.masterPortOf(key);
    const view = await this.view();
    const master = view.find((node) => node.port === masterPort);
    const ports = view
      .filter((node) => node.masterId === master?.id && !node.failed)
      .map((node) => node.port);
    await Promise.all(ports.map((port) => this.server(port).kill()));
    return ports;
  }

  /** Kills (SIGKILL) the master that serves `key`'s slot; returns its port. */
  async killMasterOf(key: string): Promise<number> {
    const port = await this.masterPortOf(key);
    await this.server(port).kill();
    return port;
  }

  /** Resolves once the killed master on `port` is marked failed, a replica took its slots, and the cluster is healthy. */
  async waitForFailover(port: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const killed = (await this.view()).find((node) => node.port === port);
      if (killed && (killed.failed || killed.slots.length === 0)) break;
      if (Date.now() > deadline) throw new Error(`no failover away from port ${port} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.waitUntilHealthy(Math.max(1000, deadline - Date.now()));
  }

  /** Starts a killed node again; resolves once it is back as a replica in sync with its primary. */
  async restart(port: number): Promise<void> {
    await this.server(port).restart();
    await waitForReplicaLink(port);
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
  }

  private server(port: number): RedisDevServer {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`no cluster node on port ${port}`);
    return server;
  }
}
