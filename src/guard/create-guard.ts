/** Builds the shared guard of a worker (or of a test or a benchmark) from configuration. */
import type { RedisConnection } from '../redis/connection';
import { RedisBreaker } from '../breaker/redis-breaker';
import type { BreakwaterConfig } from '../config';
import type { Logger } from '../observability/logger';
import type { BreakwaterMetrics } from '../observability/metrics';
import { GuardScripts } from '../redis/guard-scripts';
import { KeySpace } from '../redis/keys';
import { RedisGuard, type BreakerStateChange } from './redis-guard';

export interface GuardParts {
  guard: RedisGuard;
  breaker: RedisBreaker;
  scripts: GuardScripts;
  keys: KeySpace;
  /** Stops delivering held settles (one last try first); call it before closing `redis`. */
  close(): Promise<void>;
}

export function createGuard(
  config: BreakwaterConfig,
  redis: RedisConnection,
  options: {
    workerId: string;
    logger: Logger;
    metrics: BreakwaterMetrics;
    onStateChange?: (change: BreakerStateChange) => void;
  },
): GuardParts {
  const keys = new KeySpace(config.redis.keyPrefix);
  const scripts = new GuardScripts(redis, keys, config.redis.replicaWait);
  const breaker = new RedisBreaker({ scripts, settings: config.breaker, workerId: options.workerId });
  const guard = new RedisGuard({
    enabled: config.resilience.enabled,
    scripts,
    breaker,
    workerId: options.workerId,
    rateLimits: new Map(config.providers.map((provider) => [provider.name, provider.rateLimit])),
    operationRateLimits: new Map(Object.entries(config.rateLimit.operations)),
    rateLimit: config.rateLimit,
    budget: config.budget,
    onStateChange: options.onStateChange,
    failOpen: config.guard.failOpen,
    unavailableRetryMs: config.guard.unavailableRetryMs,
    degradedRetryMs: config.degraded.retryAfterSec * 1000,
    logger: options.logger,
    metrics: options.metrics,
  });
  // Held settles go as soon as Redis answers again: before the tasks it refused try again.
  const retryHeldSettles = () => guard.retryHeldSettles();
  redis.on('ready', retryHeldSettles);
  const close = async () => {
    redis.off('ready', retryHeldSettles);
    await guard.close();
  };
  return { guard, breaker, scripts, keys, close };
}
