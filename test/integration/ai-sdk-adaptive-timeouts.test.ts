/**
 * Adaptive timeouts and slow calls of AI SDK agents on the real stack: a model call made through
 * `generateText` learns its model's rolling latency in Redis as `llmTask`'s calls do, is aborted
 * near p95 × LLM_TIMEOUT_P95_FACTOR once the model has enough samples (learned by any worker), and
 * is reported when slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlowCall } from '../../activities/slow-calls';
import type { CallTimeouts } from '../../src/guard/adaptive-timeouts';
import type { RedisConnection } from '../../src/redis/connection';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
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

/** The fixed timeout: far above what the adaptive one comes to, so the two cannot be confused. */
const FIXED_MS = 8000;
const ENV = {
  LLM_CALL_TIMEOUT_MS: String(FIXED_MS),
  ACTIVITY_START_TO_CLOSE_MS: '12000',
  LLM_TIMEOUT_P95_FACTOR: '2',
  LLM_TIMEOUT_MIN_MS: '500',
  LLM_TIMEOUT_MIN_SAMPLES: '10',
  // One attempt: a hanging call fails its agent when its timeout aborts it.
  RETRY_MAXIMUM_ATTEMPTS: '1',
};
const WARM_UP_LATENCY_MS = 300;
const ABORTED = 'llm call aborted by its adaptive timeout';

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
  const h = await createAgentHarness(fakeProvider, bundle, label, { ...ENV, ...env }, { logger });
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
async function summaryOf(h: AgentHarness): Promise<Record<string, string>> {
  return redis.hgetall(new KeySpace(h.config.redis.keyPrefix).key('latencySummary', 'fake', 'fake-model'));
}

/** Runs an agent whose model call hangs; returns how long it took to fail. */
async function hangingAgent(h: AgentHarness): Promise<number> {
  const startedAt = Date.now();
  const run = await ask(h, 'please hang');
  expect(run.error).toBeDefined();
  return Date.now() - startedAt;
}

interface AbortedCall {
  provider: string;
  model: string;
  reason: string;
  durationMs: number;
  timeouts: CallTimeouts;
}

function abortedCalls(lines: string[]): AbortedCall[] {
  return lines
    .map((line) => JSON.parse(line) as AbortedCall & { msg: string })
    .filter((entry) => entry.msg === ABORTED);
}

describe('adaptive timeouts of AI SDK model calls', () => {
  it('abort a hanging call near p95 × factor once the model has enough samples, not at the fixed timeout', async () => {
    const { h, lines } = await harnessLogging('ai-sdk-adaptive');
    const { summary, elapsedMs } = await h.run(async () => {
      await warmUp(h, 12);
      const summary = await summaryOf(h);
      return { summary, elapsedMs: await hangingAgent(h) };
    });
    expect(Number(summary.totalSamples)).toBe(12);
    const p95 = Number(summary.totalP95);
    expect(p95).toBeGreaterThanOrEqual(WARM_UP_LATENCY_MS);
    const expected = Math.min(FIXED_MS, Math.max(500, Math.ceil(p95 * 2)));
    const [aborted] = abortedCalls(lines);
    expect(aborted).toMatchObject({ provider: 'fake', model: 'fake-model', reason: 'timeout' });
    expect(aborted!.timeouts.call).toEqual({ ms: expected, source: 'adaptive' });
    expect(aborted!.durationMs).toBeGreaterThanOrEqual(expected - 5);
    expect(aborted!.durationMs).toBeLessThan(expected + 3000);
    expect(elapsedMs).toBeLessThan(FIXED_MS);
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
      ...ENV,
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
