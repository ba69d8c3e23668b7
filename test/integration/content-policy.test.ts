/**
 * A content-filter or refusal finish, end to end on the real dev server, real Redis and the fake
 * provider: the task fails at once with `content_policy`, is never retried, counts nothing against
 * the breaker and goes straight to `ai:dead`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import { DlqStore } from '../../src/dlq/dlq-store';
import { getMetrics } from '../../src/observability/metrics';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import {
  chat,
  connectStackRedis,
  counterValue,
  createHarness,
  failureOf,
  startFakeProvider,
} from '../support/harness';

let fakeProvider: FakeProvider;
let redis: RedisConnection;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = await connectStackRedis();
});
afterAll(async () => {
  await fakeProvider.stop();
  await redis.quit();
});

describe.each<[string, 'content_filter' | 'refusal']>([
  ['fake', 'content_filter'],
  ['fake-anthropic', 'refusal'],
])('a %s answer that ends with %s', (provider, kind) => {
  it('fails the task FAILED content_policy after one attempt, counted against nothing, into ai:dead', async () => {
    const h = await createHarness(fakeProvider, `content-policy-${kind}`);
    h.fake.inject({ fault: { kind } });
    const declined = () => counterValue(getMetrics().llmCalls, { provider, outcome: 'content_policy' });
    const declinedBefore = await declined();
    const { error, breaker, dead, run } = await h.run(async () => {
      const failed = await failureOf(
        h.client.execute(chat('tell me something', provider), { idempotencyKey: h.name, runId: h.name }),
      );
      const keys = new KeySpace(h.config.redis.keyPrefix);
      const store = new DlqStore(redis, keys, h.config.dlq, h.config.encryption);
      const budgets = new TokenManager({
        scripts: new GuardScripts(redis, keys),
        budget: h.config.budget,
        prices: PriceBook.fromConfig(h.config.budget.modelPrices, h.config.providers),
      });
      const { scopes } = await budgets.show({ runId: h.name });
      return {
        error: failed,
        breaker: await h.worker.breaker.status(provider),
        dead: await store.get(h.name),
        run: scopes.find((scope) => scope.scope === 'run')!,
      };
    });
    expect(error.reason).toBe('content_policy');
    expect(error.errorType).toBe('ContentPolicyError');
    expect(error.ledger?.state).toBe('FAILED');
    expect(error.ledger?.attempts).toBe(1);
    expect(error.ledger?.entries.some((entry) => entry.to === 'RETRY')).toBe(false);
    expect(error.ledger?.entries.at(-1)).toMatchObject({
      to: 'FAILED',
      reason: 'content_policy',
      attempt: 1,
    });
    expect(h.fake.stats.received).toBe(1);
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.counts.consecutiveFailures).toBe(0);
    expect(breaker.stats.failure ?? 0).toBe(0);
    expect(breaker.stats.neutral).toBe(1);
    expect(dead).toMatchObject({ stream: 'dead', reason: 'content_policy' });
    expect(await declined()).toBe(declinedBefore + 1);
    // The provider billed the declined answer: the run is charged what it used, nothing stays reserved.
    expect(run.spent).toBeGreaterThan(0);
    expect(run.reserved).toBe(0);
  });
});
