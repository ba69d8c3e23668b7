import Redis, { Cluster, type RedisOptions as IoRedisOptions } from 'ioredis';
import { redisSecurityOptions, type RedisSecuritySettings } from './connection-security';
import type { RedisClusterSettings, RedisSentinelSettings } from './types';

/** A connection to Breakwater's Redis, whatever the deployment: one server, a Sentinel-managed primary or a Cluster. */
export type RedisConnection = Redis | Cluster;

/** `url` is the one server's (ignored with `cluster` or `sentinel`); the ACL user and TLS apply to every data node. */
export interface RedisOptions extends RedisSecuritySettings {
  commandTimeoutMs: number;
  /** Connect to this Redis Cluster instead. */
  cluster?: RedisClusterSettings;
  /** Connect to the primary these sentinels name instead. */
  sentinel?: RedisSentinelSettings;
}

/** How long to wait between reconnection attempts (also to a new primary after a failover). */
const reconnectDelay = (times: number) => Math.min(100 * times, 1000);

/**
 * A connection that fails fast while Redis is unreachable (no offline queue, bounded command time)
 * and reconnects on its own, so the guard can fail closed and recover without a restart. With
 * `cluster` it is an ioredis `Cluster` that follows slot moves and failovers; with `sentinel` it
 * asks the sentinels for the current primary on every (re)connection. All three share one set of
 * connection options.
 */
export function createRedis(options: RedisOptions): RedisConnection {
  const shared = {
    ...redisSecurityOptions(options),
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1000, options.commandTimeoutMs),
  } satisfies IoRedisOptions;
  if (options.cluster) {
    const { nodes, username, password } = options.cluster;
    return new Cluster(nodes, {
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnectDelay,
      // A command that meets a closed node connection (a dead primary, or one the slot map just
      // replaced) is retried after a slot refresh, a few times only: a primary that stays down fails
      // the command within a few hundred ms (the guard fails closed and the task waits), and its slots
      // being uncovered (CLUSTERDOWN) fails it at once. The next MOVED reply finds the promoted replica.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 0,
      maxRedirections: 3,
      slotsRefreshTimeout: Math.max(1000, options.commandTimeoutMs),
      redisOptions: {
        ...shared,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
      },
    });
  }
  const base = { ...shared, enableOfflineQueue: false, retryStrategy: reconnectDelay, lazyConnect: false };
  if (options.sentinel) {
    const { sentinels, masterName, password } = options.sentinel;
    return new Redis({
      ...base,
      sentinels,
      name: masterName,
      sentinelPassword: password,
      sentinelRetryStrategy: reconnectDelay,
      // Reconnect as soon as the sentinels announce a new primary, not only when the old one drops.
      failoverDetector: true,
    });
  }
  return new Redis(options.url, base);
}

/**
 * Closes `redis` after its pending replies (QUIT), then drops what ioredis keeps open besides: a
 * Sentinel connection's watch on the sentinels would otherwise keep reconnecting, and the process alive.
 */
export async function closeRedis(redis: RedisConnection): Promise<void> {
  await redis.quit().catch(() => undefined);
  redis.disconnect();
}

/** The primaries of `redis`: every master of a Cluster, else the one connection. */
export function primariesOf(redis: RedisConnection): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs`. */
export async function waitUntilReady(redis: RedisConnection, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
