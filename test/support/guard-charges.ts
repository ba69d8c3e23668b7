/** What the shared guard recorded for a test's calls: its provider's breaker and a run's budget, read from Redis. */
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import type { BreakwaterConfig } from '../../src/config';
import type { RedisConnection } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { TaskResult } from '../../src/task';

/** The `fake` provider's breaker status and the `run` budget scope of `runId`, under `config`'s key prefix. */
export async function guardCharges(redis: RedisConnection, config: BreakwaterConfig, runId: string) {
  const scripts = new GuardScripts(redis, new KeySpace(config.redis.keyPrefix));
  const breaker = new RedisBreaker({ scripts, settings: config.breaker, workerId: 'observer' });
  const manager = new TokenManager({ scripts, budget: config.budget, prices: fakePrices(config) });
  const run = (await manager.show({ runId })).scopes.find((scope) => scope.scope === 'run')!;
  return { breaker: await breaker.status('fake'), run };
}

/** What the answers of `results` cost at the `fake` provider's prices, in micro-dollars. */
export function costOf(config: BreakwaterConfig, results: TaskResult[]): number {
  const prices = fakePrices(config);
  return results.reduce(
    (sum, { response }) =>
      sum +
      prices.costMicros(
        'fake',
        response.model,
        response.usage.promptTokens,
        response.usage.completionTokens,
      )!,
    0,
  );
}

function fakePrices(config: BreakwaterConfig): PriceBook {
  return new PriceBook(config.budget.modelPrices, { fake: 'openai' });
}
