/**
 * What every highly available Redis deployment (Cluster, Sentinel) must do for Breakwater, as one
 * suite each test file runs against its own real deployment: the guard admits and settles, two
 * workers share the breaker and the budgets, the DLQ works, and a run of tasks survives a primary
 * killed in its middle (BLOCKED `guard_unavailable`, then DONE, each task called once).
 */
import { randomUUID } from 'node:crypto';
import { inject, it, expect } from 'vitest';
import { Registry } from 'prom-client';
import type { BreakwaterConfig } from '../../src/config';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import { DlqStore } from '../../src/dlq/dlq-store';
import { Replayer } from '../../src/dlq/replayer';
import { KeySpace } from '../../src/redis/keys';
import { isCircuitBreakerOpenError } from '../../src/errors';
import { createGuard } from '../../src/guard/create-guard';
import { getMetrics } from '../../src/observability/metrics';
import { createRedis, waitUntilReady, type RedisConnection } from '../../src/redis/connection';
import type { FakeProvider } from '../../src/testing/fake-provider';
import type { RedisSentinelDevServer } from '../../src/testing/redis-sentinel';
import { FAKE_MODEL_PRICES, stackConfig } from '../../src/testing/stack-config';
import { chat, createHarness, eventually, failureOf, testLogger, uniqueName } from './harness';

/** A running HA deployment, as a test file started it. */
export interface HaDeployment {
  /** The variables that point Breakwater at it (`REDIS_CLUSTER_NODES`, or `REDIS_SENTINELS` …). */
  env: Record<string, string>;
  /** Kills (SIGKILL) the primary that holds `key`; returns its port. */
  killPrimaryOf(key: string): Promise<number>;
  /** Resolves once a replica took over from the killed primary on `port`. */
  waitForFailover(port: number): Promise<void>;
  /** Starts the killed server on `port` again (it comes back as a replica). */
  restart(port: number): Promise<void>;
}

/** `sentinel` as an HA deployment, with `env` added to the variables that point at it. */
export function sentinelDeployment(
  sentinel: RedisSentinelDevServer,
  env: Record<string, string> = {},
): HaDeployment {
  return {
    env: { REDIS_SENTINELS: sentinel.sentinelsVariable, REDIS_SENTINEL_MASTER: sentinel.masterName, ...env },
    killPrimaryOf: () => sentinel.killPrimary(),
    waitForFailover: async (port) => {
      await sentinel.waitForFailover(port);
    },
    restart: (port) => sentinel.restart(port),
  };
}

/** Settings of one test on `deployment`: its own key prefix, the fake provider's prices, no rate limit. */
export function haConfig(deployment: HaDeployment, env: Record<string, string> = {}): BreakwaterConfig {
  const stack = inject('stack');
  return stackConfig(
    { temporalAddress: stack.temporalAddress, namespace: stack.namespace, redisUrl: stack.redisUrl },
    {
      LLM_PROVIDERS: 'fake',
      LLM_FAKE_BASE_URL: 'http://127.0.0.1:1/v1',
      MODEL_PRICES: FAKE_MODEL_PRICES,
      RATE_LIMIT_RPM: '0',
      REDIS_KEY_PREFIX: `t:${uniqueName('ha')}`,
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      ...deployment.env,
      ...env,
    },
  );
}

/** A ready connection to the deployment `config` names. */
export async function connectHa(config: BreakwaterConfig): Promise<RedisConnection> {
  const redis = createRedis(config.redis);
  redis.on('error', () => undefined);
  await waitUntilReady(redis, 20_000);
  return redis;
}

/** The guard parts of one simulated worker on `redis`. */
export function guardOn(config: BreakwaterConfig, redis: RedisConnection, workerId: string) {
  const parts = createGuard(config, redis, {
    workerId,
    logger: testLogger,
    metrics: getMetrics(new Registry()),
  });
  const prices = new PriceBook(config.budget.modelPrices, { fake: 'openai' });
  return { ...parts, manager: new TokenManager({ scripts: parts.scripts, budget: config.budget, prices }) };
}

/** An admission of one call of `micros` worst case for run `runId`. */
export function admitRequest(runId: string, micros: number) {
  return {
    provider: 'fake',
    operation: 'op',
    attemptId: randomUUID(),
    leaseMs: 30_000,
    claim: { runId, operation: 'op', micros, tokens: 10 },
    tokens: 10,
    context: {},
  };
}

/** The suite, registered in the calling `describe`. */
export function haSuite(deployment: () => HaDeployment, fakeProvider: () => FakeProvider): void {
  it('admits and settles; two workers share the breaker and the budget', async () => {
    const config = haConfig(deployment(), { BUDGET_RUN_USD: '0.01', BUDGET_OPERATION_USD: '0' });
    const [one, two] = await Promise.all([connectHa(config), connectHa(config)]);
    try {
      const a = guardOn(config, one, 'worker-a');
      const b = guardOn(config, two, 'worker-b');
      const admission = await a.guard.admit(admitRequest('shared-run', 6000));
      expect(
        (await b.manager.show({ runId: 'shared-run' })).scopes.find((s) => s.scope === 'run'),
      ).toMatchObject({ reserved: 6000 });
      await a.guard.settle({ admission, outcome: 'success', actual: { micros: 4000, tokens: 10 } });
      const run = (await b.manager.show({ runId: 'shared-run' })).scopes.find((s) => s.scope === 'run');
      expect(run).toMatchObject({ spent: 4000, reserved: 0 });
      // 4000 spent + 7000 > the 10000 ceiling: worker b is refused on what worker a spent.
      await expect(b.guard.admit(admitRequest('shared-run', 7000))).rejects.toMatchObject({
        type: 'BudgetExceededError',
      });

      await a.breaker.forceOpen('fake', 60_000);
      const refused = await b.guard.admit(admitRequest('other-run', 1)).catch((error: unknown) => error);
      expect(isCircuitBreakerOpenError(refused)).toBe(true);
      expect((await b.breaker.status('fake')).state).toBe('OPEN');
    } finally {
      one.disconnect();
      two.disconnect();
    }
  });

  it('routes a failed task to the DLQ and replays it to DONE', async () => {
    const ha = deployment();
    const h = await createHarness(fakeProvider(), 'ha-dlq', { ...ha.env, RETRY_MAXIMUM_ATTEMPTS: '2' });
    const redis = await connectHa(h.config);
    try {
      const store = new DlqStore(
        redis,
        new KeySpace(h.config.redis.keyPrefix),
        h.config.dlq,
        h.config.encryption,
      );
      const replayer = new Replayer({ store, client: h.client, logger: testLogger });
      h.fake.inject({ fault: { kind: 'status', status: 503 } });
      const outcome = await h.run(async () => {
        const failed = await failureOf(h.client.execute(chat('ha dlq'), { idempotencyKey: h.name }));
        const entry = await store.get(h.name);
        const stats = await store.stats();
        h.fake.reset();
        const replayed = await replayer.replay(h.name);
        const done = await h.client.result(h.name);
        return { failed, entry, stats, replayed, done, after: await store.get(h.name) };
      });
      expect(outcome.failed.reason).toBe('retries_exhausted');
      expect(outcome.entry).toMatchObject({ jobId: h.name, reason: 'retries_exhausted' });
      expect(outcome.stats.depth).toBe(1);
      expect(outcome.replayed.outcome).toBe('started');
      expect(outcome.done.ledger.state).toBe('DONE');
      expect(outcome.after).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });

  it('a run of tasks survives its primary killed mid-run: BLOCKED guard_unavailable, then DONE, each called once', async () => {
    const ha = deployment();
    const h = await createHarness(fakeProvider(), 'ha-failover', {
      ...ha.env,
      GUARD_UNAVAILABLE_RETRY_MS: '300',
      MAX_BLOCKED_MS: '60000',
    });
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 800 } });
    const firstKeys = [1, 2, 3, 4].map((i) => `${h.name}-a${i}`);
    const laterKeys = [1, 2, 3, 4].map((i) => `${h.name}-b${i}`);
    const results = await h.run(async () => {
      await Promise.all(firstKeys.map((key) => h.client.submit(chat(key), { idempotencyKey: key })));
      await eventually(() => (h.fake.stats.received >= firstKeys.length ? true : undefined), 20_000);
      const killed = await ha.killPrimaryOf(h.config.redis.keyPrefix);
      await Promise.all(laterKeys.map((key) => h.client.submit(chat(key), { idempotencyKey: key })));
      await ha.waitForFailover(killed);
      const done = await Promise.all([...firstKeys, ...laterKeys].map((key) => h.client.result(key)));
      await ha.restart(killed);
      return done;
    });
    for (const result of results) expect(result.ledger.state).toBe('DONE');
    const blocked = results.filter((result) =>
      result.ledger.entries.some((entry) => entry.to === 'BLOCKED' && entry.reason === 'guard_unavailable'),
    );
    expect(blocked.length).toBeGreaterThan(0);
    // No task ran twice: the provider saw each task's prompt once.
    const calls = new Map<string, number>();
    for (const request of h.fake.requests) {
      const body = request.body as { messages: Array<{ content: string }> };
      const prompt = body.messages.at(-1)!.content;
      calls.set(prompt, (calls.get(prompt) ?? 0) + 1);
    }
    expect([...calls.keys()].sort()).toEqual([...firstKeys, ...laterKeys].sort());
    expect([...calls.values()].every((count) => count === 1)).toBe(true);
  });
}
