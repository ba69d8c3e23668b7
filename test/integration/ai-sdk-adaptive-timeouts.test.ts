/**
 * Adaptive timeouts and slow calls of AI SDK agents on the real stack: a model call made through
 * `generateText` learns its model's rolling latency in Redis as `llmTask`'s calls do, is aborted
 * near p95 × LLM_TIMEOUT_P95_FACTOR once the model has enough samples (learned by any worker), and
 * is reported when slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlowCall } from '../../activities/slow-calls';
import type { RedisConnection } from '../../src/redis/connection';
import type { FakeProvider } from '../../src/testing/fake-provider';
import {
  abortedCalls,
  ADAPTIVE_ENV,
  expectAbortedNearP95,
  FIXED_MS,
  latencySummaryOf,
  WARM_UP_LATENCY_MS,
} from '../support/adaptive-timeouts';
import type { SupportAgentResult } from '../../workflows/examples/support-agent';
import { aiSdkWorkflowBundle, createAgentHarness, type AgentHarness } from '../support/ai-sdk';
import {
  chat,
  connectStackRedis,
  counterValue,
  createHarness,
  logCapture,
  startFakeProvider,
  uniqueName,
} from '../support/harness';

let fakeProvider: FakeProvider;
let bundle: { codePath: string };
let redis: RedisConnection;
beforeAll(async () => {
  [fakeProvider, bundle, redis] = await Promise.all([
    startFakeProvider(),
    aiSdkWorkflowBundle(),
    connectStackRedis(),
  ]);
});
afterAll(async () => {
  await Promise.all([fakeProvider.stop(), redis.quit()]);
});

/** An agent harness whose worker logs warnings into `lines`; questions that say so are slow or hang. */
async function harnessLogging(label: string, env: Record<string, string> = {}) {
  const { logger, lines } = logCapture();
  const h = await createAgentHarness(fakeProvider, bundle, label, { ...ADAPTIVE_ENV, ...env }, { logger });
  h.fake.inject({ fault: { kind: 'latency', latencyMs: WARM_UP_LATENCY_MS }, contentIncludes: 'warm-up' });
  h.fake.inject({ fault: { kind: 'hang' }, contentIncludes: 'please hang' });
  return { h, lines };
}

const ask = (h: AgentHarness, question: string) =>
  h.execute<SupportAgentResult>('supportAgent', [{ question, model: 'fake-model' }]);

/**
 * Runs `count` agents, each one fast model call: one, then the rest at once. (A breaker with no
 * success yet admits few calls at a time, and the harness would switch the others to its fallback.)
 */
async function warmUp(h: AgentHarness, count: number): Promise<void> {
  const first = await ask(h, 'warm-up 0');
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, (_, index) => ask(h, `warm-up ${index + 1}`)),
  );
  expect([first, ...rest].map((run) => run.error)).toEqual(Array.from({ length: count }, () => undefined));
  expect([first, ...rest].map((run) => run.result?.modelId)).toEqual(
    Array.from({ length: count }, () => 'fake-model'),
  );
}

/** The rolling latency the calls of `h` left in Redis for `fake-model`. */
const summaryOf = (h: AgentHarness) => latencySummaryOf(redis, h.config.redis.keyPrefix);

/** Runs an agent whose model call hangs; returns how long it took to fail. */
async function hangingAgent(h: AgentHarness): Promise<number> {
  const startedAt = Date.now();
  const run = await ask(h, 'please hang');
  expect(run.error).toBeDefined();
  return Date.now() - startedAt;
}

describe('adaptive timeouts of AI SDK model calls', () => {
  it('abort a hanging call near p95 × factor once the model has enough samples, not at the fixed timeout', async () => {
    const { h, lines } = await harnessLogging('ai-sdk-adaptive');
    const { summary, elapsedMs } = await h.run(async () => {
      await warmUp(h, 12);
      const summary = await summaryOf(h);
      return { summary, elapsedMs: await hangingAgent(h) };
    });
    expectAbortedNearP95(lines, summary, 12, elapsedMs);
  });

  it('keep the fixed timeout while the model has too few samples', async () => {
    const { h, lines } = await harnessLogging('ai-sdk-adaptive-few');
    const elapsedMs = await h.run(async () => {
      await warmUp(h, 3);
      return hangingAgent(h);
    });
    expect(Number((await summaryOf(h)).totalSamples)).toBe(3);
    expect(elapsedMs).toBeGreaterThanOrEqual(FIXED_MS);
    expect(abortedCalls(lines)).toEqual([]);
  });

  it("are shared: an AI SDK call aborts by what llmTask's calls on another worker learned", async () => {
    const prefix = `t:${uniqueName('ai-sdk-adaptive-shared')}`;
    const learner = await createHarness(fakeProvider, 'ai-sdk-adaptive-learner', {
      ...ADAPTIVE_ENV,
      REDIS_KEY_PREFIX: prefix,
    });
    learner.fake.inject({ fault: { kind: 'latency', latencyMs: WARM_UP_LATENCY_MS } });
    await learner.run(() =>
      Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          learner.client.execute(chat(`warm-up ${index}`), { idempotencyKey: `${learner.name}-${index}` }),
        ),
      ),
    );
    const { h, lines } = await harnessLogging('ai-sdk-adaptive-user', { REDIS_KEY_PREFIX: prefix });
    const elapsedMs = await h.run(() => hangingAgent(h));
    expect(abortedCalls(lines)[0]?.timeouts.call.source).toBe('adaptive');
    expect(elapsedMs).toBeLessThan(FIXED_MS);
  });
});

describe('slow AI SDK model calls', () => {
  it('are logged without the prompt, counted per provider and reported to onSlowCall', async () => {
    const { logger, lines } = logCapture();
    const reported: SlowCall[] = [];
    const h = await createAgentHarness(
      fakeProvider,
      bundle,
      'ai-sdk-slow-calls',
      { LLM_SLOW_CALL_MS: '200' },
      { logger, onSlowCall: (call) => reported.push(call) },
    );
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 600 }, contentIncludes: 'secret slow question' });
    await h.run(async () => {
      await ask(h, 'secret slow question');
      await ask(h, 'a quick one');
    });
    expect(reported).toEqual([
      {
        provider: 'fake',
        model: 'fake-model',
        operation: 'supportAgent',
        attempt: 1,
        durationMs: expect.any(Number) as number,
        thresholdMs: 200,
        outcome: 'success',
      },
    ]);
    expect(reported[0]!.durationMs).toBeGreaterThanOrEqual(600);
    expect(await counterValue(h.metrics.llmSlowCalls, { provider: 'fake' })).toBe(1);
    const logged = lines.filter((line) => line.includes('slow llm call'));
    expect(logged).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('secret slow question');
  });
});
