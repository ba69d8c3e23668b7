/** The circuit breaker shared by every worker, on a real Redis and a real Temporal dev server. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { Registry } from 'prom-client';
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import { defaultConfig } from '../../src/config';
import type { BreakerSettings } from '../../src/breaker/types';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import type { BreakerStateChange } from '../../src/guard/redis-guard';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { createRedis, waitUntilReady } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import { ProviderKey } from '../../src/search-attributes';
import type { LedgerEntry, TaskResult } from '../../src/task';
import {
  chat,
  connectStackRedis,
  createHarness,
  eventually,
  failureOf,
  startFakeProvider,
  uniqueName,
} from '../support/harness';

let fakeProvider: FakeProvider;
let redis: RedisConnection;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = await connectStackRedis(2000);
});
afterAll(async () => {
  await fakeProvider.stop();
  await redis.quit();
});

const transitions = (entries: readonly LedgerEntry[]) =>
  entries.map((entry) => `${entry.to}:${entry.reason}${entry.provider ? `@${entry.provider}` : ''}`);

function breakerOn(
  keyPrefix: string,
  settings: Partial<BreakerSettings> = {},
  workerId = 'test',
  connection = redis,
) {
  return new RedisBreaker({
    scripts: new GuardScripts(connection, new KeySpace(keyPrefix)),
    settings: { ...defaultConfig().breaker, ...settings },
    workerId,
  });
}

describe('shared circuit breaker', () => {
  it('four workers against a dead provider: at most threshold + probes calls per cooldown, cluster-wide', async () => {
    const changes: BreakerStateChange[] = [];
    const resetMs = 3000;
    const h = await createHarness(
      fakeProvider,
      'shared-state',
      {
        BREAKER_FAILS: '5',
        BREAKER_RESET_SEC: String(resetMs / 1000),
        MAX_BLOCKED_MS: '7000',
        RETRY_MAXIMUM_ATTEMPTS: '4',
      },
      { workers: 4, workerOptions: () => ({ onBreakerStateChange: (change) => changes.push(change) }) },
    );
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const startedAt = Date.now();
    const failures = await h.run(() =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          failureOf(h.client.execute(chat(`task ${i}`), { idempotencyKey: `${h.name}-${i}` })),
        ),
      ),
    );
    const elapsed = Date.now() - startedAt;
    const periods = 1 + Math.floor(elapsed / resetMs);
    // One breaker per worker would let each of the 4 workers spend its own 5 calls first.
    expect(h.fake.stats.received, `${h.fake.stats.received} calls in ${elapsed} ms`).toBeLessThanOrEqual(
      5 + 1 * periods,
    );
    expect(h.fake.stats.received).toBeGreaterThanOrEqual(5);
    const reasons = failures.map((failure) => failure.reason);
    expect(
      reasons.every((reason) => reason === 'circuit_open_timeout' || reason === 'retries_exhausted'),
      reasons.join(),
    ).toBe(true);
    expect(reasons).toContain('circuit_open_timeout');
    expect(changes.filter((change) => change.to === 'OPEN').length).toBeGreaterThanOrEqual(1);
    expect(changes[0]).toMatchObject({
      provider: 'fake',
      from: 'CLOSED',
      to: 'OPEN',
      reason: 'failure_threshold',
    });
    expect(changes[0]?.counts.consecutiveFailures).toBe(5);
  });

  it('50 concurrent admissions while HALF_OPEN admit exactly the configured probes', async () => {
    for (const probes of [1, 3]) {
      const prefix = `t:${uniqueName('probes')}`;
      const connections = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const connection = await connectStackRedis(2000);
          return connection;
        }),
      );
      try {
        const breakers = connections.map((connection, i) =>
          breakerOn(prefix, { halfOpenProbes: probes }, `w${i}`, connection),
        );
        await breakers[0]!.forceOpen('p', 50);
        await new Promise((resolve) => setTimeout(resolve, 60));
        const decisions = await Promise.all(
          Array.from({ length: 50 }, (_, i) => breakers[i % breakers.length]!.admit('p', `a${i}`, 10_000)),
        );
        expect(decisions.filter((decision) => decision.admitted)).toHaveLength(probes);
        expect(decisions.filter((decision) => decision.admitted && decision.probe)).toHaveLength(probes);
        expect((await breakers[0]!.status('p')).probesInFlight).toBe(probes);
      } finally {
        await Promise.all(connections.map((connection) => connection.quit()));
      }
    }
  });

  it('a probe holder killed mid-call does not wedge HALF_OPEN: its lease expires', async () => {
    const prefix = `t:${uniqueName('dead-probe')}`;
    const breaker = breakerOn(prefix);
    await breaker.forceOpen('p', 20);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/probe-holder.ts', inject('stack').redisUrl, prefix, 'p', '1500'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once('line', resolve),
    );
    expect(JSON.parse(line)).toMatchObject({ admitted: true, probe: true });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const refused = await breaker.admit('p', 'survivor-1', 5000);
    expect(refused).toMatchObject({ admitted: false, state: 'HALF_OPEN' });
    const admitted = await eventually(async () => {
      const decision = await breaker.admit('p', 'survivor-2', 5000);
      return decision.admitted ? decision : undefined;
    }, 5000);
    expect(admitted).toMatchObject({ admitted: true, probe: true });
    expect((await breaker.status('p')).stats.leases_expired).toBeGreaterThanOrEqual(1);
  });

  it('a task BLOCKED by an open breaker resumes and ends DONE after recovery, with no attempt consumed', async () => {
    const h = await createHarness(fakeProvider, 'recovery', { BREAKER_FAILS: '2', BREAKER_RESET_SEC: '2' });
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 2 });
    const result = await h.run(async () => {
      for (const i of [1, 2]) {
        await failureOf(
          h.client.execute(chat(`trip ${i}`), {
            idempotencyKey: `${h.name}-trip-${i}`,
            policy: { retry: { maximumAttempts: 1 } },
          }),
        );
      }
      expect((await h.worker.breaker.status('fake')).state).toBe('OPEN');
      return h.client.execute(chat('patient'), { idempotencyKey: h.name });
    });
    expect(result.attempts).toBe(1);
    expect(transitions(result.ledger.entries)).toEqual([
      'QUEUED:submitted',
      'RUNNING:started@fake',
      'BLOCKED:circuit_open@fake',
      'RUNNING:resumed@fake',
      'DONE:completed@fake',
    ]);
    const blocked = result.ledger.entries.find((entry) => entry.to === 'BLOCKED')!;
    expect(blocked.errorType).toBe('CircuitBreakerOpenError');
    expect(blocked.nextDelayMs).toBeGreaterThan(0);
    expect(blocked.nextDelayMs).toBeLessThanOrEqual(2000);
    expect(h.fake.stats.received).toBe(3);
  });

  it('switches to a fallback provider while the breaker is open, and the ledger records the switch', async () => {
    const h = await createHarness(fakeProvider, 'fallback');
    const { result, provider } = await h.run(async () => {
      await h.worker.breaker.forceOpen('fake', 60_000);
      const done = await h.client.execute(chat('switch'), {
        idempotencyKey: h.name,
        fallbacks: [{ provider: 'fake-anthropic', model: 'claude-fallback' }],
      });
      const description = await h.temporal.workflow.getHandle(`bw-task-${h.name}`).describe();
      return { result: done, provider: description.typedSearchAttributes.get(ProviderKey) };
    });
    expect(result.response.provider).toBe('fake-anthropic');
    expect(result.response.model).toBe('claude-fallback');
    expect(transitions(result.ledger.entries)).toEqual([
      'QUEUED:submitted',
      'RUNNING:started@fake',
      'BLOCKED:circuit_open@fake',
      'RUNNING:fallback@fake-anthropic',
      'DONE:completed@fake-anthropic',
    ]);
    expect(provider).toBe('fake-anthropic');
    expect(result.attempts).toBe(1);
  });

  it('fails with circuit_open_timeout once the longest blocked wait is spent', async () => {
    const h = await createHarness(fakeProvider, 'blocked-timeout', { MAX_BLOCKED_MS: '1500' });
    const error = await h.run(async () => {
      await h.worker.breaker.forceOpen('fake', 60_000);
      return failureOf(h.client.execute(chat('waits'), { idempotencyKey: h.name }));
    });
    expect(error.reason).toBe('circuit_open_timeout');
    expect(error.ledger?.entries.filter((entry) => entry.to === 'BLOCKED').length).toBeGreaterThanOrEqual(1);
    expect(h.fake.stats.received).toBe(0);
  });

  it('a deadline that passes while BLOCKED ends the task circuit_open_timeout', async () => {
    const h = await createHarness(fakeProvider, 'blocked-deadline');
    const error = await h.run(async () => {
      await h.worker.breaker.forceOpen('fake', 60_000);
      return failureOf(h.client.execute(chat('waits'), { idempotencyKey: h.name, deadline: 1500 }));
    });
    expect(error.reason).toBe('circuit_open_timeout');
  });

  it('ai_circuit_breaker_state shows the shared state, also to a worker that saw no failure', async () => {
    const registries = [new Registry(), new Registry()];
    const h = await createHarness(
      fakeProvider,
      'gauge',
      {},
      { workers: 2, workerOptions: (index) => ({ registry: registries[index] }) },
    );
    const gauge = async (registry: Registry) =>
      (await registry.getSingleMetric('ai_circuit_breaker_state')!.get()).values.find(
        (value) => value.labels.provider === 'fake',
      )?.value;
    await h.run(async () => {
      expect(await gauge(registries[1]!)).toBe(0);
      await h.workers[0]!.breaker.forceOpen('fake', 60_000);
      expect(await gauge(registries[1]!)).toBe(1);
      await h.workers[0]!.breaker.forceOpen('fake', 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await gauge(registries[1]!)).toBe(2);
    });
  });
});

describe('Redis outage', () => {
  it('tasks wait BLOCKED (guard_unavailable) while Redis is down and finish after it restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-outage-'));
    const server = await RedisDevServer.start({ dir });
    try {
      const h = await createHarness(
        fakeProvider,
        'redis-outage',
        { GUARD_UNAVAILABLE_RETRY_MS: '500' },
        { redisUrl: server.url },
      );
      const runId = 'outage-run';
      let before: TaskResult | undefined;
      const results = await h.run(async () => {
        before = await h.client.execute(chat('before'), { idempotencyKey: `${h.name}-before`, runId });
        await server.stop();
        const keys = [1, 2, 3].map((i) => `${h.name}-${i}`);
        await Promise.all(keys.map((key) => h.client.submit(chat(key), { idempotencyKey: key, runId })));
        await eventually(async () => {
          const ledgers = await Promise.all(keys.map((key) => h.client.getLedger(key)));
          return ledgers.every((ledger) =>
            ledger.entries.some((entry) => entry.reason === 'guard_unavailable'),
          )
            ? ledgers
            : undefined;
        }, 15_000);
        expect(h.fake.stats.received).toBe(1);
        await server.restart();
        return Promise.all(keys.map((key) => h.client.result(key)));
      });
      // Nothing is lost: the run was charged the actual cost of every call, and nothing stays reserved.
      const connection = createRedis({ url: server.url, commandTimeoutMs: 2000 });
      await waitUntilReady(connection);
      try {
        const prices = new PriceBook(h.config.budget.modelPrices, { fake: 'openai' });
        const manager = new TokenManager({
          scripts: new GuardScripts(connection, new KeySpace(h.config.redis.keyPrefix)),
          budget: h.config.budget,
          prices,
        });
        const run = (await manager.show({ runId })).scopes.find((scope) => scope.scope === 'run')!;
        const costs = [...results, before!].map((result) =>
          prices.costMicros(
            'fake',
            result.response.model,
            result.response.usage.promptTokens,
            result.response.usage.completionTokens,
          )!,
        );
        expect(run.reserved).toBe(0);
        expect(run.spent).toBe(costs.reduce((sum, cost) => sum + cost, 0));
      } finally {
        await connection.quit();
      }
      for (const result of results) {
        expect(result.ledger.state).toBe('DONE');
        expect(result.attempts).toBe(1);
        expect(transitions(result.ledger.entries)).toContain('BLOCKED:guard_unavailable@fake');
      }
      expect(h.fake.stats.received).toBe(4);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
