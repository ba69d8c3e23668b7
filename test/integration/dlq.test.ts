/** The dead-letter queue on Redis Streams, with replays on a real Temporal dev server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { Registry } from 'prom-client';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { payloadChecksum, type DlqEntry } from '../../src/dlq/dlq-entry';
import { DlqStore } from '../../src/dlq/dlq-store';
import { Replayer } from '../../src/dlq/replayer';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { KeySpace } from '../../src/redis/keys';
import {
  chat,
  connectStackRedis,
  createHarness,
  failureOf,
  startFakeProvider,
  testLogger,
  uniqueName,
  type Harness,
} from '../support/harness';
import { closedRunsOf } from '../support/workflow-runs';

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

function dlqOf(h: Harness) {
  const store = new DlqStore(
    redis,
    new KeySpace(h.config.redis.keyPrefix),
    h.config.dlq,
    h.config.encryption,
  );
  return { store, replayer: new Replayer({ store, client: h.client, logger: testLogger }) };
}

describe('dead-letter queue', () => {
  it("seed 000's test: fail, check the entry in Redis, heal, replay, succeed, replay again as a no-op", async () => {
    const registry = new Registry();
    const h = await createHarness(
      fakeProvider,
      'dlq-seed',
      { RETRY_MAXIMUM_ATTEMPTS: '2' },
      { workerOptions: () => ({ registry }) },
    );
    const { store, replayer } = dlqOf(h);
    const key = h.name;
    const request = { ...chat('summarize ticket 42'), max_tokens: 64 };
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const outcome = await h.run(async () => {
      // 1. Force a provider failure.
      const failed = await failureOf(
        h.client.execute(request, { idempotencyKey: key, runId: 'agent-7', operation: 'summarize' }),
      );
      // 2. The DLQ entry is in Redis.
      const raw = (await redis.xrange(store.streamKey('dlq'), '-', '+')) as Array<[string, string[]]>;
      const entry = await store.get(key);
      // 3. Heal the provider and replay.
      h.fake.reset();
      const replayed = await replayer.replay(key);
      // 4. The task succeeds.
      const done = await h.client.result(key);
      // 5. Replay again: a no-op.
      const again = await replayer.replay(key);
      const enqueued = (await registry.getSingleMetric('ai_dlq_enqueued_total')!.get()).values[0]?.value;
      return { failed, raw, entry, replayed, done, again, enqueued, runs: await closedRunsOf(h, key) };
    });
    expect(outcome.failed.reason).toBe('retries_exhausted');
    expect(outcome.raw).toHaveLength(1);
    expect(outcome.raw[0]![1]).toEqual(
      expect.arrayContaining(['jobId', key, 'reason', 'retries_exhausted', 'replayCount', '0']),
    );
    expect(outcome.entry).toMatchObject({
      stream: 'dlq',
      taskQueue: h.config.temporal.taskQueue,
      jobId: key,
      idempotencyKey: key,
      workflowId: taskWorkflowId(key),
      reason: 'retries_exhausted',
      errorType: 'RetryableExternalError',
      attempts: 2,
      replayCount: 0,
      provider: 'fake',
      operation: 'summarize',
    });
    expect(outcome.entry!.checksum).toBe(payloadChecksum(outcome.entry!.payload!));
    expect(outcome.entry!.payload!.input.request).toEqual(request);
    expect(outcome.entry!.lastError).toContain('503');
    expect(outcome.replayed).toMatchObject({ outcome: 'started', replayCount: 1 });
    expect(outcome.done.ledger.state).toBe('DONE');
    expect(['already_replayed', 'already_done']).toContain(outcome.again.outcome);
    expect(outcome.runs).toEqual(['FAILED', 'COMPLETED']);
    expect(await store.get(key)).toBeUndefined();
    expect((await store.stats()).counters).toMatchObject({ enqueued: 1, replayed: 1 });
    expect(outcome.enqueued).toBe(1);
  });

  it('20 concurrent replays of one entry start exactly one workflow', async () => {
    const h = await createHarness(fakeProvider, 'dlq-concurrent', { RETRY_MAXIMUM_ATTEMPTS: '1' });
    const key = h.name;
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    const { outcomes, runs } = await h.run(async () => {
      await failureOf(h.client.execute(chat('once'), { idempotencyKey: key }));
      const replayers = Array.from({ length: 4 }, () => dlqOf(h).replayer);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => replayers[i % 4]!.replay(key)));
      await h.client.result(key);
      return { outcomes: results.map((result) => result.outcome), runs: await closedRunsOf(h, key) };
    });
    expect(outcomes.filter((outcome) => outcome === 'started')).toHaveLength(1);
    expect(
      outcomes.every((outcome) =>
        ['started', 'in_progress', 'already_replayed', 'already_done'].includes(outcome),
      ),
    ).toBe(true);
    expect(runs).toEqual(['FAILED', 'COMPLETED']);
  });

  it('a replay past the limit moves the entry to ai:dead (poison)', async () => {
    const h = await createHarness(fakeProvider, 'dlq-poison', {
      RETRY_MAXIMUM_ATTEMPTS: '1',
      DLQ_MAX_REPLAYS: '1',
    });
    const { store, replayer } = dlqOf(h);
    const key = h.name;
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const results = await h.run(async () => {
      await failureOf(h.client.execute(chat('always down'), { idempotencyKey: key }));
      const first = await replayer.replay(key);
      await failureOf(h.client.result(key));
      const second = await replayer.replay(key);
      return { first, second };
    });
    expect(results.first.outcome).toBe('started');
    expect(results.second.outcome).toBe('poisoned');
    const dead = await store.get(key);
    expect(dead).toMatchObject({ stream: 'dead', deadReason: 'poisoned', replayCount: 1 });
    expect((await store.list('dlq')).map((entry) => entry.jobId)).not.toContain(key);
    expect((await store.stats()).counters.poisoned).toBe(1);
    expect((await replayer.replay(key)).outcome).toBe('dead');
  });

  it('input errors go straight to ai:dead', async () => {
    const h = await createHarness(fakeProvider, 'dlq-input');
    const { store } = dlqOf(h);
    h.fake.inject({ fault: { kind: 'status', status: 422 } });
    await h.run(() => failureOf(h.client.execute(chat('malformed'), { idempotencyKey: h.name })));
    expect(await store.get(h.name)).toMatchObject({
      stream: 'dead',
      deadReason: 'invalid_input',
      reason: 'invalid_input',
    });
    expect(await store.list('dlq')).toHaveLength(0);
    expect((await store.stats()).counters).toMatchObject({ dead: 1 });
  });

  it('a crash between starting the workflow and removing the entry leaves no duplicate', async () => {
    const h = await createHarness(fakeProvider, 'dlq-crash', { RETRY_MAXIMUM_ATTEMPTS: '1' });
    const { store, replayer } = dlqOf(h);
    const key = h.name;
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    const outcome = await h.run(async () => {
      await failureOf(h.client.execute(chat('crash'), { idempotencyKey: key }));
      const entry = (await store.get(key))!;
      // What a replay does before it removes the entry, then "crashes".
      await h.client.resubmit(entry.payload!.input, { replayCount: 1, taskQueue: entry.taskQueue });
      await h.client.result(key);
      const rerun = await replayer.replay(key);
      return { rerun, runs: await closedRunsOf(h, key) };
    });
    expect(['already_replayed', 'already_done']).toContain(outcome.rerun.outcome);
    expect(outcome.runs).toEqual(['FAILED', 'COMPLETED']);
    expect(await store.get(key)).toBeUndefined();
  });
});

describe('trimming', () => {
  function entry(jobId: string): DlqEntry {
    const payload = { input: { ...sampleInput(jobId) } };
    return {
      jobId,
      idempotencyKey: jobId,
      workflowId: taskWorkflowId(jobId),
      runId: `run-${jobId}`,
      taskQueue: 'unused',
      reason: 'retries_exhausted',
      attempts: 4,
      replayCount: 0,
      checksum: payloadChecksum(payload),
      provider: 'fake',
      operation: 'chat',
      agent: 'default',
      firstFailureAt: new Date().toISOString(),
      lastFailureAt: new Date().toISOString(),
      payload,
    };
  }

  it('trims by count and by age, and counts every entry it removes', async () => {
    let now = Date.now();
    const store = new DlqStore(
      redis,
      new KeySpace(`t:${uniqueName('trim')}`),
      { maxLen: 100, maxAgeMs: 3_600_000, deadMaxAgeMs: 3_600_000, maxReplays: 3 },
      { mode: 'off', keys: [], compression: 'off' },
      () => now,
    );
    for (let i = 0; i < 450; i++) await store.enqueue(entry(`job-${i}`), 'dlq');
    const byCount = await store.stats();
    expect(byCount.counters.trimmed).toBeGreaterThan(0);
    expect(byCount.depth).toBeLessThan(450);
    expect(byCount.depth + byCount.counters.trimmed!).toBe(450);
    expect(await store.enqueue(entry('job-449'), 'dlq')).toMatchObject({ added: false });

    now += 2 * 3_600_000;
    const byAge = await store.stats();
    expect(byAge.counters.trimmed!).toBeGreaterThan(byCount.counters.trimmed!);
    expect(byAge.depth + byAge.counters.trimmed!).toBe(450);
  });
});

function sampleInput(key: string) {
  return {
    request: chat(`prompt of ${key}`),
    meta: { idempotencyKey: key, operation: 'chat', agent: 'default', priority: 'normal' as const },
    policy: {
      retry: {
        initialIntervalMs: 100,
        backoffCoefficient: 2,
        maximumIntervalMs: 1000,
        maximumAttempts: 4,
        retryAfterCapMs: 1000,
      },
      callTimeoutMs: 1000,
      attemptTimeoutMs: 2000,
      heartbeatTimeoutMs: 1000,
      maxBlockedMs: 1000,
    },
    replayCount: 0,
  };
}
