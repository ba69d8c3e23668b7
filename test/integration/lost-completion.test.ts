/**
 * A lost completion is not paid twice: when an attempt's answer cannot reach Temporal (the server
 * down past the heartbeat timeout, or the worker killed after the provider answered), the retry of
 * the call returns the answer kept in Redis instead of calling the provider again, and the guard
 * charges the call once. Each test runs a Temporal dev server of its own (stopped and restarted
 * with its SQLite file: killed, so that it is unreachable at once), the stack's Redis and the fake provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { getMetrics } from '../../src/observability/metrics';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { FAKE_MODEL_PRICES } from '../../src/testing/stack-config';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/testing/temporal-dev-server';
import type { TaskResult } from '../../src/task';
import { killRunning, start, TSX } from '../support/cli';
import { costOf, guardCharges } from '../support/guard-charges';
import {
  chat,
  connectStackRedis,
  counterValue,
  createHarness,
  eventually,
  FAST_POLICY_ENV,
  startFakeProvider,
  type Harness,
} from '../support/harness';

/** A generous bound: a worker child process and two dev server starts take a while on a loaded machine. */
const TEST_TIMEOUT_MS = 120_000;
const TASKS = 6;
/** Every call is in flight until Temporal is down. */
const LATENCY_MS = 2500;
const HEARTBEAT_TIMEOUT_MS = Number(FAST_POLICY_ENV.ACTIVITY_HEARTBEAT_TIMEOUT_MS);
/**
 * Room for the slow calls (only the heartbeat timeout may end an attempt), and a breaker whose
 * gate lets them all through before its first success.
 */
const ENV = {
  LLM_CALL_TIMEOUT_MS: '20000',
  ACTIVITY_START_TO_CLOSE_MS: '30000',
  BREAKER_FAILS: String(TASKS),
};

let fakeProvider: FakeProvider;
let redis: Redis;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = new Redis(inject('stack').redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await fakeProvider.stop();
  await redis.quit();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  killRunning();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Temporal dev server of the test's own, which it may stop and restart with its workflows. */
async function ownTemporal(): Promise<TemporalDevServer> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-lost-completion-'));
  const server = await startTemporalDevServer({ dir, ui: false });
  cleanups.push(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

/** A harness on a Temporal dev server of its own, with its metrics registry, a run and `TASKS` task keys. */
async function outageSetup(label: string) {
  const server = await ownTemporal();
  const registry = new Registry();
  const h = await createHarness(fakeProvider, label, ENV, {
    temporal: server,
    workerOptions: () => ({ registry }),
  });
  const keys = Array.from({ length: TASKS }, (_, index) => `${h.name}-${index}`);
  return { server, registry, h, runId: `${h.name}-run`, keys };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submits one task per key, on one run (its budget scope), each call slowed so that all are in
 * flight together, then kills Temporal before any answers.
 */
async function outageWithCallsInFlight(
  h: Harness,
  server: TemporalDevServer,
  keys: string[],
  runId: string,
): Promise<void> {
  h.fake.inject({ fault: { kind: 'latency', latencyMs: LATENCY_MS }, times: keys.length });
  await Promise.all(keys.map((key) => h.client.submit(chat(key), { idempotencyKey: key, runId })));
  // A worker child process takes a while to start.
  await eventually(() => (h.fake.stats.received === keys.length ? true : undefined), 60_000);
  await server.kill();
  expect(h.fake.stats.succeeded, 'answers came before Temporal was down').toBe(0);
}

/** The answers kept in Redis under the harness's key prefix. */
async function keptAnswerKeys(h: Harness): Promise<string[]> {
  return redis.keys(`${new KeySpace(h.config.redis.keyPrefix).slot()}:answer:*`);
}

/** Every task `DONE`, each with one provider call, charged once to the breaker and the run's budget. */
async function expectOneChargedCallPerTask(h: Harness, results: TaskResult[], runId: string) {
  for (const result of results) expect(result.ledger.state).toBe('DONE');
  expect(h.fake.stats.received).toBe(results.length);
  expect(h.fake.stats.succeeded).toBe(results.length);
  const connection = await connectStackRedis();
  const charges = await guardCharges(connection, h.config, runId).finally(() => connection.disconnect());
  expect(charges.breaker.stats.success).toBe(results.length);
  expect(charges.breaker.inFlight).toBe(0);
  expect(charges.breaker.stats.leases_expired ?? 0).toBe(0);
  expect(charges.run.reserved).toBe(0);
  expect(charges.run.spent).toBe(costOf(h.config, results));
}

/** The results whose ledger ends with a recovered answer; each came from the first (and only) provider call. */
function recoveredOf(results: TaskResult[]): TaskResult[] {
  const recovered = results.filter((result) => result.ledger.entries.at(-1)?.recovered === true);
  for (const result of recovered) {
    expect(result.attempts).toBe(1);
    expect(result.ledger.attempts).toBeGreaterThan(1);
  }
  return recovered;
}

describe('a completion lost to a Temporal outage', () => {
  it(
    'every task ends DONE with one provider call, charged once, across an outage longer than the heartbeat timeout',
    async () => {
      const { server, registry, h, runId, keys } = await outageSetup('lost-completion-outage');

      const results = await h.run(async () => {
        await outageWithCallsInFlight(h, server, keys, runId);
        // Every call answers while Temporal is down, and the outage outlasts the heartbeat timeout.
        await eventually(() => (h.fake.stats.succeeded === TASKS ? true : undefined));
        await sleep(2 * HEARTBEAT_TIMEOUT_MS);
        await server.restart();
        return Promise.all(keys.map((key) => h.client.result(key)));
      });

      await expectOneChargedCallPerTask(h, results, runId);
      const recovered = recoveredOf(results);
      expect(recovered.length).toBeGreaterThan(0);
      expect(await counterValue(getMetrics(registry).answersRecovered, { provider: 'fake' })).toBe(
        recovered.length,
      );
      expect(await keptAnswerKeys(h)).toHaveLength(TASKS);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a completion lost with its worker', () => {
  it(
    'a worker killed after the provider answered: the next worker returns the kept answers, and nothing is paid twice',
    async () => {
      const { server, registry, h, runId, keys } = await outageSetup('lost-completion-kill');
      // The worker that dies: `npm start` as a child process, on the harness's task queue and key prefix.
      const dying = start(TSX, ['src/worker/main.ts'], {
        ...FAST_POLICY_ENV,
        ...ENV,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: server.namespace,
        TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
        REDIS_URL: h.config.redis.url,
        REDIS_KEY_PREFIX: h.config.redis.keyPrefix,
        LLM_PROVIDERS: 'fake',
        LLM_FAKE_BASE_URL: h.fake.openAiBaseUrl,
        MODEL_PRICES: FAKE_MODEL_PRICES,
        LOG_LEVEL: 'warn',
      });

      await outageWithCallsInFlight(h, server, keys, runId);
      // The provider answers the dying worker, which keeps the answers; their completions cannot reach Temporal.
      await eventually(async () => ((await keptAnswerKeys(h)).length === TASKS ? true : undefined));
      killRunning();
      await dying.exited;
      await server.restart();

      const results = await h.run(() => Promise.all(keys.map((key) => h.client.result(key))));

      await expectOneChargedCallPerTask(h, results, runId);
      expect(recoveredOf(results)).toHaveLength(TASKS);
      expect(await counterValue(getMetrics(registry).answersRecovered, { provider: 'fake' })).toBe(TASKS);
    },
    TEST_TIMEOUT_MS,
  );
});
