/**
 * Recovery after a Redis outage that caught calls in flight: their settles, which could not reach
 * Redis, are delivered when it returns, so admissions resume at once instead of when the calls'
 * leases end. On a redis-server of each test's own (stopped and restarted), a real Temporal dev
 * server and the fake provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import type { BreakwaterConfig } from '../../src/config';
import { isCircuitBreakerOpenError } from '../../src/errors';
import { createGuard } from '../../src/guard/create-guard';
import type { AdmitRequest } from '../../src/guard/guard';
import { getMetrics } from '../../src/observability/metrics';
import { createRedis, waitUntilReady, type RedisConnection } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import { FAKE_MODEL_PRICES, stackConfig } from '../../src/testing/stack-config';
import type { TaskResult } from '../../src/task';
import {
  chat,
  counterValue,
  createHarness,
  eventually,
  startFakeProvider,
  testLogger,
  uniqueName,
} from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A redis-server of the test's own, which it may stop and restart (with its data). */
async function ownRedis(): Promise<RedisDevServer> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-outage-recovery-'));
  const server = await RedisDevServer.start({ dir });
  cleanups.push(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

async function connect(url: string): Promise<RedisConnection> {
  const connection = createRedis({ url, commandTimeoutMs: 1000 });
  connection.on('error', () => undefined);
  cleanups.push(async () => connection.disconnect());
  await waitUntilReady(connection);
  return connection;
}

/** The `fake` provider's breaker under `config`'s key prefix, read through a connection of its own. */
async function breakerStatus(url: string, config: BreakwaterConfig) {
  const breaker = new RedisBreaker({
    scripts: new GuardScripts(await connect(url), new KeySpace(config.redis.keyPrefix)),
    settings: config.breaker,
    workerId: 'observer',
  });
  return breaker.status('fake');
}

describe('Redis outage with calls in flight', () => {
  it('settles held during the outage are delivered when Redis returns: admissions resume within 5 s, whatever the window and the lease', async () => {
    const server = await ownRedis();
    const inFlight = 4;
    const registry = new Registry();
    const h = await createHarness(
      fakeProvider,
      'outage-recovery',
      {
        // A fresh breaker (no success yet) whose gate lets exactly the calls in flight through; a
        // window and a lease so long that waiting for the leases to end would fail this test.
        BREAKER_FAILS: String(inFlight),
        BREAKER_WINDOW_SEC: '3600',
        ACTIVITY_START_TO_CLOSE_MS: '120000',
        LLM_CALL_TIMEOUT_MS: '60000',
        GUARD_UNAVAILABLE_RETRY_MS: '300',
        BREAKER_HALF_OPEN_RETRY_MS: '300',
      },
      { redisUrl: server.url, workerOptions: () => ({ registry }) },
    );
    const runId = `${h.name}-run`;
    const early = Array.from({ length: inFlight }, (_, i) => `${h.name}-early-${i}`);
    const later = Array.from({ length: 3 }, (_, i) => `${h.name}-later-${i}`);
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 1500 }, times: inFlight });
    const submit = (keys: string[]) =>
      Promise.all(keys.map((key) => h.client.submit(chat(key), { idempotencyKey: key, runId })));

    const { results, resumedAfterMs } = await h.run(async () => {
      await submit(early);
      await eventually(() => (h.fake.stats.received === inFlight ? true : undefined));
      await server.stop();
      await submit(later);
      // Every call in flight answered while Redis was down (its settle could not reach it), and the
      // tasks submitted meanwhile wait for Redis.
      await eventually(() => (h.fake.stats.succeeded === inFlight ? true : undefined));
      await eventually(async () => {
        const ledgers = await Promise.all(later.map((key) => h.client.getLedger(key)));
        return ledgers.every((ledger) => ledger.entries.some((entry) => entry.reason === 'guard_unavailable'))
          ? true
          : undefined;
      }, 15_000);
      expect(h.fake.stats.received).toBe(inFlight);
      await server.restart();
      const backAt = Date.now();
      const firstCall = await eventually(() => h.fake.stats.receivedAt.find((at) => at >= backAt), 5000);
      const all = await Promise.all([...early, ...later].map((key) => h.client.result(key)));
      return { results: all, resumedAfterMs: firstCall - backAt };
    });

    expect(resumedAfterMs).toBeLessThanOrEqual(5000);
    for (const result of results) expect(result.ledger.state).toBe('DONE');
    expect(h.fake.stats.received).toBe(inFlight + later.length);
    expect(await counterValue(getMetrics(registry).guardLateSettles, { result: 'delivered' })).toBe(inFlight);

    // Each call settled exactly once: no lease expired unsettled, none counted twice.
    const status = await breakerStatus(server.url, h.config);
    expect(status.inFlight).toBe(0);
    expect(status.stats.leases_expired ?? 0).toBe(0);
    expect(status.stats.success).toBe(inFlight + later.length);
    // The late settles charged the calls' actual cost, once, and released their reservations.
    const prices = new PriceBook(h.config.budget.modelPrices, { fake: 'openai' });
    const manager = new TokenManager({
      scripts: new GuardScripts(await connect(server.url), new KeySpace(h.config.redis.keyPrefix)),
      budget: h.config.budget,
      prices,
    });
    const run = (await manager.show({ runId })).scopes.find((scope) => scope.scope === 'run')!;
    const cost = (result: TaskResult) =>
      prices.costMicros(
        'fake',
        result.response.model,
        result.response.usage.promptTokens,
        result.response.usage.completionTokens,
      )!;
    expect(run.reserved).toBe(0);
    expect(run.spent).toBe(results.reduce((sum, result) => sum + cost(result), 0));
  });

  it('a worker that stops holding undelivered settles leaves their leases to end on their own', async () => {
    const server = await ownRedis();
    const stack = inject('stack');
    const config = stackConfig(
      { temporalAddress: stack.temporalAddress, namespace: stack.namespace, redisUrl: server.url },
      {
        LLM_PROVIDERS: 'fake',
        LLM_FAKE_BASE_URL: 'http://127.0.0.1:1/v1',
        MODEL_PRICES: FAKE_MODEL_PRICES,
        RATE_LIMIT_RPM: '0',
        REDIS_KEY_PREFIX: `t:${uniqueName('outage-lease')}`,
        BREAKER_FAILS: '2',
      },
    );
    const leaseMs = 8000;
    const request = (attemptId: string): AdmitRequest => ({
      provider: 'fake',
      operation: 'op',
      attemptId,
      leaseMs,
      tokens: 1,
      context: {},
    });
    const guardOn = async (workerId: string) => {
      const registry = new Registry();
      const parts = createGuard(config, await connect(server.url), {
        workerId,
        logger: testLogger,
        metrics: getMetrics(registry),
      });
      return { ...parts, metrics: getMetrics(registry) };
    };
    const dying = await guardOn('dying');
    const admissions = [await dying.guard.admit(request('a1')), await dying.guard.admit(request('a2'))];
    const leasesEndAt = Math.max(...admissions.map((admission) => admission.leaseEndsAt));
    await server.stop();
    for (const admission of admissions) await dying.guard.settle({ admission, outcome: 'success' });
    expect(dying.guard.heldSettles).toBe(2);
    // It stops before Redis returns: what it held is given up, and said so.
    await dying.close();
    expect(await counterValue(dying.metrics.guardLateSettles, { result: 'closed' })).toBe(2);
    await server.restart();

    // Another worker: the two leases hold the gate (no success yet) until they end, not longer.
    const other = await guardOn('other');
    const refusal = await other.guard.admit(request('b1')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isCircuitBreakerOpenError(refusal)).toBe(true);
    expect(Date.now()).toBeLessThan(leasesEndAt);
    const admitted = await eventually(
      () => other.guard.admit(request('b2')).catch(() => undefined),
      leaseMs + 5000,
    );
    expect(admitted.guarded).toBe(true);
    const status = await breakerStatus(server.url, config);
    expect(status.stats.leases_expired).toBe(2);
  });
});
