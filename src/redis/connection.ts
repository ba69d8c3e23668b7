import Redis from 'ioredis';
import { redisSecurityOptions, type RedisSecuritySettings } from './connection-security';

export interface RedisOptions extends RedisSecuritySettings {
  commandTimeoutMs: number;
}

/**
 * A connection that fails fast while Redis is unreachable (no offline queue, bounded command time)
 * and reconnects on its own, so the guard can fail closed and recover without a restart.
 */
export function createRedis(options: RedisOptions): Redis {
  return new Redis(options.url, {
    ...redisSecurityOptions(options),
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(1000, options.commandTimeoutMs),
    retryStrategy: (times) => Math.min(100 * times, 1000),
    lazyConnect: false,
  });
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs`. */
export async function waitUntilReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
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
