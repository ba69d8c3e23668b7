/**
 * Adaptive call timeouts on the real stack: after a warm-up of fast calls, a hanging call is
 * aborted near p95 × LLM_TIMEOUT_P95_FACTOR, not at the fixed timeout; with too few samples the
 * fixed timeout applies; workers share what they learn through Redis; a stream's first-token
 * timeout comes from its time-to-first-token samples; slow calls are logged, counted and reported.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlowCall } from '../../activities/slow-calls';
import type { BreakerStateChange } from '../../src/guard/redis-guard';
import { getMetrics } from '../../src/observability/metrics';
import type { RedisConnection } from '../../src/redis/connection';
import type { FakeProvider } from '../../src/testing/fake-provider';
import {
  abortedCalls,
  ADAPTIVE_ENV,
  adaptiveMs,
  expectAbortedNearP95,
  FIXED_MS,
  latencySummaryOf,
  WARM_UP_LATENCY_MS,
} from '../support/adaptive-timeouts';
import {
  chat,
  connectStackRedis,
  counterValue,
  createHarness,
  failureOf,
  startFakeProvider,
  uniqueName,
  logCapture,
  type Harness,
} from '../support/harness';

const LONG_ANSWER =
  'A streamed answer arrives in pieces, so its first words come long before its last ones do.';

let fakeProvider: FakeProvider;
let redis: RedisConnection;
beforeAll(async () => {
  [fakeProvider, redis] = await Promise.all([startFakeProvider(), connectStackRedis()]);
});
afterAll(async () => {
  await Promise.all([fakeProvider.stop(), redis.quit()]);
});

/** A harness whose worker logs warnings into `lines`. */
async function harnessLogging(label: string, env: Record<string, string> = {}) {
  const { logger, lines } = logCapture();
  const h = await createHarness(
    fakeProvider,
    label,
    { ...ADAPTIVE_ENV, ...env },
    { workerOptions: () => ({ logger }) },
  );
  h.fake.inject({ fault: { kind: 'latency', latencyMs: WARM_UP_LATENCY_MS }, contentIncludes: 'warm-up' });
  h.fake.inject({ fault: { kind: 'hang' }, contentIncludes: 'hang' });
  return { h, lines };
}

/** Runs `count` fast tasks at once, each a successful call of `fake-model`. */
async function warmUp(h: Harness, count: number, stream = false): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      h.client.execute(
        { ...chat(`warm-up ${index}`), stream },
        { idempotencyKey: `${h.name}-warm-${index}` },
      ),
    ),
  );
}

/** The rolling latency the tasks of `h` left in Redis for `fake-model`. */
const summaryOf = (h: Harness) => latencySummaryOf(redis, h.config.redis.keyPrefix);

/** Runs a task whose call hangs; returns how long it took to fail. */
async function hangingTask(h: Harness, stream = false): Promise<number> {
  const startedAt = Date.now();
  const failure = await failureOf(
    h.client.execute({ ...chat('hang, please'), stream }, { idempotencyKey: `${h.name}-hang` }),
  );
  expect(failure.errorType).toBe('RetryableExternalError');
  return Date.now() - startedAt;
}

describe('adaptive timeouts', () => {
  it('abort a hanging call near p95 × factor once the model has enough samples, not at the fixed timeout', async () => {
    const { h, lines } = await harnessLogging('adaptive-abort');
    const { elapsedMs, summary } = await h.run(async () => {
      await warmUp(h, 12);
      const summary = await summaryOf(h);
      return { summary, elapsedMs: await hangingTask(h) };
    });
    expectAbortedNearP95(lines, summary, 12, elapsedMs);
  });

  it('keep the fixed timeout while the model has too few samples', async () => {
    const { h, lines } = await harnessLogging('adaptive-few');
    const elapsedMs = await h.run(async () => {
      await warmUp(h, 3);
      return hangingTask(h);
    });
    expect(Number((await summaryOf(h)).totalSamples)).toBe(3);
    expect(elapsedMs).toBeGreaterThanOrEqual(FIXED_MS);
    expect(abortedCalls(lines)).toEqual([]);
  });

  it('are shared: a worker aborts by what another worker learned', async () => {
    const prefix = `t:${uniqueName('adaptive-shared')}`;
    const learner = await harnessLogging('adaptive-learner', { REDIS_KEY_PREFIX: prefix });
    await learner.h.run(() => warmUp(learner.h, 12));
    const { h, lines } = await harnessLogging('adaptive-user', { REDIS_KEY_PREFIX: prefix });
    const elapsedMs = await h.run(() => hangingTask(h));
    expect(abortedCalls(learner.lines)).toEqual([]);
    const [aborted] = abortedCalls(lines);
    expect(aborted?.timeouts.call.source).toBe('adaptive');
    expect(elapsedMs).toBeLessThan(FIXED_MS);
  });

  it("derive a stream's first-token timeout from its time-to-first-token samples", async () => {
    const { h, lines } = await harnessLogging('adaptive-stream');
    // A first token after the warm-up latency, then about 20 pieces 100 ms apart: the whole answer
    // takes far longer than its first token, so the two timeouts differ.
    h.fake.configure({ script: [{ text: LONG_ANSWER }], chunkDelayMs: 100 });
    h.fake.inject({ fault: { kind: 'stream_stall' }, contentIncludes: 'stall' });
    const { elapsedMs, summary } = await h.run(async () => {
      await warmUp(h, 12, true);
      const summary = await summaryOf(h);
      const startedAt = Date.now();
      await failureOf(
        h.client.execute({ ...chat('stall, please'), stream: true }, { idempotencyKey: `${h.name}-stall` }),
      );
      return { summary, elapsedMs: Date.now() - startedAt };
    });
    expect(Number(summary.firstTokenSamples)).toBe(12);
    const firstTokenP95 = Number(summary.firstTokenP95);
    expect(firstTokenP95).toBeGreaterThanOrEqual(WARM_UP_LATENCY_MS);
    expect(Number(summary.totalP95)).toBeGreaterThan(firstTokenP95 + 1000);
    const expected = adaptiveMs(firstTokenP95);
    const [aborted] = abortedCalls(lines);
    expect(aborted?.reason).toBe('first_token_timeout');
    expect(aborted?.timeouts.firstToken).toEqual({ ms: expected, source: 'adaptive' });
    expect(aborted!.durationMs).toBeGreaterThanOrEqual(expected - 5);
    expect(aborted!.durationMs).toBeLessThan(aborted!.timeouts.call.ms);
    expect(elapsedMs).toBeLessThan(FIXED_MS);
  });
});

describe('slow calls', () => {
  it('are logged without the prompt, counted per provider and reported to onSlowCall', async () => {
    const { logger, lines } = logCapture();
    const registry = new Registry();
    const reported: SlowCall[] = [];
    const h = await createHarness(
      fakeProvider,
      'slow-calls',
      { LLM_SLOW_CALL_MS: '200' },
      { workerOptions: () => ({ logger, registry, onSlowCall: (call) => reported.push(call) }) },
    );
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 600 }, contentIncludes: 'secret slow prompt' });
    await h.run(async () => {
      await h.client.execute(chat('secret slow prompt'), { idempotencyKey: `${h.name}-slow` });
      await h.client.execute(chat('a quick one'), { idempotencyKey: `${h.name}-fast` });
    });
    expect(reported).toEqual([
      {
        provider: 'fake',
        model: 'fake-model',
        operation: expect.any(String) as string,
        attempt: 1,
        durationMs: expect.any(Number) as number,
        thresholdMs: 200,
        outcome: 'success',
      },
    ]);
    expect(reported[0]!.durationMs).toBeGreaterThanOrEqual(600);
    expect(await counterValue(getMetrics(registry).llmSlowCalls, { provider: 'fake' })).toBe(1);
    const logged = lines.filter((line) => line.includes('slow llm call'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('"thresholdMs":200');
    expect(lines.join('\n')).not.toContain('secret slow prompt');
  });

  it('open the breaker at BREAKER_SLOW_CALL_RATE, though every call succeeded', async () => {
    const changes: BreakerStateChange[] = [];
    const h = await createHarness(
      fakeProvider,
      'slow-breaker',
      {
        LLM_SLOW_CALL_MS: '200',
        BREAKER_MODE: 'rate',
        BREAKER_SLOW_CALL_RATE: '0.5',
        BREAKER_MIN_VOLUME: '2',
      },
      { workerOptions: () => ({ onBreakerStateChange: (change) => changes.push(change) }) },
    );
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 400 } });
    const status = await h.run(async () => {
      for (const index of [1, 2]) {
        await h.client.execute(chat(`slow ${index}`), { idempotencyKey: `${h.name}-${index}` });
      }
      return h.worker.breaker.status('fake');
    });
    expect(status.state).toBe('OPEN');
    expect(changes).toEqual([
      expect.objectContaining({ provider: 'fake', from: 'CLOSED', to: 'OPEN', reason: 'slow_call_rate' }),
    ]);
  });
});
