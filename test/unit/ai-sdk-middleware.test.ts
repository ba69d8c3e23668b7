/** The AI SDK guard middleware inside an activity context: admission, fallbacks, waits, settling, classification. */
import { describe, expect, it } from 'vitest';
import { APICallError, type LanguageModelV3, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { ApplicationFailure, type Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { wrapLanguageModel } from 'ai';
import type { SlowCall } from '../../activities/slow-calls';
import { breakwaterMiddleware, guardedProvider, type AiSdkGuardDeps } from '../../src/ai-sdk';
import { BudgetExceededError, CircuitBreakerOpenError } from '../../src/errors';
import { createLogger } from '../../src/observability/logger';
import { DEFAULT_MAX_TOKENS } from '../../src/llm/request';
import {
  generated,
  guardDeps,
  readAll,
  ScriptedGuard,
  streamOf,
  stubModel,
  USAGE,
  type StubModel,
} from '../support/ai-sdk-doubles';

const PROMPT = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Where is A-1001?' }] }];
const INFO: Partial<Info> = {
  workflowExecution: { workflowId: 'agent-1', runId: 'run-1' },
  workflowType: 'supportAgent',
  activityId: '7',
};

function serverError(status: number, headers: Record<string, string> = {}): APICallError {
  return new APICallError({
    message: `HTTP ${status}`,
    url: 'http://provider/v1/chat/completions',
    requestBodyValues: { messages: PROMPT },
    statusCode: status,
    responseHeaders: headers,
    responseBody: JSON.stringify({ error: { code: 'api_error' } }),
  });
}

function guarded(
  guard: ScriptedGuard,
  primary: StubModel,
  fallback?: StubModel,
  deps: Partial<AiSdkGuardDeps> = {},
): LanguageModelV3 {
  const middleware = breakwaterMiddleware(
    {
      provider: 'a',
      models: { specificationVersion: 'v3' } as never,
      fallbacks: fallback
        ? [{ provider: 'b', models: { languageModel: () => fallback } as never, model: fallback.modelId }]
        : [],
    },
    { ...guardDeps(guard), ...deps },
  );
  return wrapLanguageModel({ model: primary, middleware });
}

/** Runs `call` as attempt `attempt` of the model activity, with the heartbeat details of the last one. */
async function inActivity<T>(
  call: () => PromiseLike<T>,
  attempt = 1,
  heartbeatDetails?: unknown,
): Promise<{ outcome: T | unknown; heartbeats: unknown[] }> {
  const env = new MockActivityEnvironment(
    { ...INFO, attempt, heartbeatDetails },
    { logger: new DefaultLogger('ERROR') },
  );
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const outcome = await env.run(async () => call()).catch((error: unknown) => error);
  return { outcome, heartbeats };
}

describe('breakwaterMiddleware', () => {
  it('admits with the worst case, calls with a bound and the activity signal, and settles the usage', async () => {
    const guard = new ScriptedGuard();
    const primary = stubModel('m1', [generated('Shipped.')]);
    const model = guarded(guard, primary);
    const providerOptions = { breakwater: { operation: 'triage', turn: 't1' }, openai: { user: 'u1' } };
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT, providerOptions }));
    expect(outcome).toMatchObject({ content: [{ type: 'text', text: 'Shipped.' }] });
    const [admitted] = guard.admitted;
    expect(admitted).toMatchObject({ provider: 'a', operation: 'triage', attemptId: 'agent-1/run-1/7/1/a' });
    expect(admitted!.claim).toMatchObject({ runId: 'agent-1', turn: 't1', operation: 'triage' });
    expect(admitted!.tokens).toBeGreaterThan(DEFAULT_MAX_TOKENS);
    const [call] = primary.calls;
    expect(call!.maxOutputTokens).toBe(DEFAULT_MAX_TOKENS);
    expect(call!.providerOptions).toEqual({ openai: { user: 'u1' } });
    expect(call!.abortSignal).toBeInstanceOf(AbortSignal);
    // 40 input tokens at $1/M and 8 output tokens at $2/M.
    expect(guard.settled).toEqual([
      expect.objectContaining({ outcome: 'success', actual: { micros: 56, tokens: 48, toolCalls: 0 } }),
    ]);
  });

  it('fails a 503 as a retryable RetryableExternalError with a jittered next delay', async () => {
    const guard = new ScriptedGuard();
    const model = guarded(guard, stubModel('m1', [serverError(503)]));
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    expect(outcome).toBeInstanceOf(ApplicationFailure);
    const failure = outcome as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'RetryableExternalError', nonRetryable: false });
    // Attempt 1 at the default policy: drawn from [500, 1000] ms; random() = 0.5.
    expect(failure.nextRetryDelay).toBe(750);
    expect(guard.settled).toEqual([expect.objectContaining({ outcome: 'failure' })]);
  });

  it("takes a 429's Retry-After as the next delay", async () => {
    const guard = new ScriptedGuard();
    const model = guarded(guard, stubModel('m1', [serverError(429, { 'retry-after': '3' })]));
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    expect(outcome).toMatchObject({ type: 'RateLimitedError', nextRetryDelay: 3000 });
    expect(guard.settled).toEqual([expect.objectContaining({ outcome: 'rate_limited' })]);
  });

  it('counts attempts that were waits as no attempt: the last real attempt fails non-retryably', async () => {
    const exhausted = await inActivity(
      () => guarded(new ScriptedGuard(), stubModel('m1', [serverError(503)])).doGenerate({ prompt: PROMPT }),
      4,
    );
    expect(exhausted.outcome).toMatchObject({ type: 'RetryableExternalError', nonRetryable: true });
    const afterWaits = await inActivity(
      () => guarded(new ScriptedGuard(), stubModel('m1', [serverError(503)])).doGenerate({ prompt: PROMPT }),
      4,
      { blockedMs: 2000, waits: 2 },
    );
    expect(afterWaits.outcome).toMatchObject({ type: 'RetryableExternalError', nonRetryable: false });
  });

  it('switches to the fallback model while the breaker of the primary refuses', async () => {
    const guard = new ScriptedGuard();
    guard.refusals.set('a', new CircuitBreakerOpenError('open', 30_000));
    const fallback = stubModel('m2', [generated('From the fallback.')]);
    const model = guarded(guard, stubModel('m1', []), fallback);
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    expect(outcome).toMatchObject({ content: [{ type: 'text', text: 'From the fallback.' }] });
    expect(guard.admitted.map((request) => request.provider)).toEqual(['b']);
    expect(fallback.calls).toHaveLength(1);
  });

  it('waits when every provider refuses: a retryable failure after the shortest wait, recorded as progress', async () => {
    const guard = new ScriptedGuard();
    guard.refusals.set('a', new CircuitBreakerOpenError('open', 30_000));
    guard.refusals.set('b', new CircuitBreakerOpenError('open', 12_000));
    const model = guarded(guard, stubModel('m1', []), stubModel('m2', []));
    const { outcome, heartbeats } = await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    expect(outcome).toMatchObject({
      type: 'CircuitBreakerOpenError',
      nonRetryable: false,
      nextRetryDelay: 12_000,
    });
    expect(heartbeats.at(-1)).toEqual({ blockedMs: 12_000, waits: 1 });
    expect(guard.settled).toEqual([]);
  });

  it('fails the wait non-retryably once MAX_BLOCKED_MS is spent', async () => {
    const guard = new ScriptedGuard();
    guard.refusals.set('a', new CircuitBreakerOpenError('open', 30_000));
    const model = guarded(guard, stubModel('m1', []));
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT }), 3, {
      blockedMs: 600_000,
      waits: 2,
    });
    expect(outcome).toMatchObject({ type: 'CircuitBreakerOpenError', nonRetryable: true });
  });

  it('fails a budget refusal non-retryably, without calling the model', async () => {
    const guard = new ScriptedGuard();
    guard.refusals.set('a', new BudgetExceededError('run over budget', 'run', undefined));
    const primary = stubModel('m1', []);
    const { outcome } = await inActivity(() => guarded(guard, primary).doGenerate({ prompt: PROMPT }));
    expect(outcome).toMatchObject({ type: 'BudgetExceededError', nonRetryable: true });
    expect(primary.calls).toHaveLength(0);
  });

  it('refuses bad Breakwater options, naming the field', async () => {
    const model = guarded(new ScriptedGuard(), stubModel('m1', []));
    const providerOptions = { breakwater: { operation: 'no spaces allowed' } };
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT, providerOptions }));
    expect(outcome).toMatchObject({ type: 'NonRetryableInputError', nonRetryable: true });
    expect((outcome as ApplicationFailure).message).toMatch(/^providerOptions\.breakwater\.operation: /);
  });

  it('settles a stream once it finished, with the usage of its finish part', async () => {
    const guard = new ScriptedGuard();
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'text-delta', id: '1', delta: 'Shipped.' },
      { type: 'finish', usage: USAGE, finishReason: { unified: 'stop', raw: 'stop' } },
    ];
    const model = guarded(guard, stubModel('m1', [streamOf(parts)]));
    const { outcome } = await inActivity(async () => {
      const { stream } = await model.doStream({ prompt: PROMPT });
      expect(guard.settled).toEqual([]);
      return readAll(stream);
    });
    expect(outcome).toEqual(parts);
    expect(guard.settled).toEqual([
      expect.objectContaining({ outcome: 'success', actual: { micros: 56, tokens: 48, toolCalls: 0 } }),
    ]);
  });

  it('settles a stream that carried an error as the failure it was', async () => {
    const guard = new ScriptedGuard();
    const parts: LanguageModelV3StreamPart[] = [{ type: 'error', error: serverError(500) }];
    const model = guarded(guard, stubModel('m1', [streamOf(parts)]));
    await inActivity(async () => readAll((await model.doStream({ prompt: PROMPT })).stream));
    expect(guard.settled).toEqual([expect.objectContaining({ outcome: 'failure' })]);
  });
});

/** Adaptive timeouts of p95 × 2 from 10 samples on, at least 100 ms; calls over 150 ms are slow. */
const TIMEOUTS = { p95Factor: 2, minMs: 100, minSamples: 10, slowCallMs: 150 };
/** A model whose calls took 120 ms at p95 (a stream's first token: 60 ms): the timeouts are 240 and 120 ms. */
const LEARNED = { total: { p95Ms: 120, samples: 20 }, firstToken: { p95Ms: 60, samples: 20 } };
const ABORTED = 'llm call aborted by its adaptive timeout';

/** A model call that answers only when its signal aborts it: with the abort's reason. */
function hanging(options: { abortSignal?: AbortSignal }): Promise<never> {
  return new Promise((_resolve, reject) =>
    options.abortSignal!.addEventListener('abort', () => reject(options.abortSignal!.reason as Error)),
  );
}

/** A stream that sends its start, then nothing until its signal aborts it. */
function stalledStream(options: { abortSignal?: AbortSignal }): ReadableStream<LanguageModelV3StreamPart> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings: [] });
      options.abortSignal!.addEventListener('abort', () => controller.error(options.abortSignal!.reason));
    },
  });
}

describe('adaptive timeouts and slow calls of AI SDK model calls', () => {
  it("asks for the model's rolling latency, and settles the call's own as a sample", async () => {
    const guard = new ScriptedGuard();
    const parts: LanguageModelV3StreamPart[] = [
      { type: 'text-delta', id: '1', delta: 'Shipped.' },
      { type: 'finish', usage: USAGE, finishReason: { unified: 'stop', raw: 'stop' } },
    ];
    const model = guarded(guard, stubModel('m1', [generated('Shipped.'), streamOf(parts)]));
    await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    await inActivity(async () => readAll((await model.doStream({ prompt: PROMPT })).stream));
    expect(guard.admitted.map((request) => request.model)).toEqual(['m1', 'm1']);
    const [generate, stream] = guard.settled;
    expect(generate!.latency).toEqual({ totalMs: expect.any(Number) as number });
    expect(stream!.latency).toEqual({
      totalMs: expect.any(Number) as number,
      firstTokenMs: expect.any(Number) as number,
    });
    expect(stream!.latency!.firstTokenMs).toBeLessThanOrEqual(stream!.latency!.totalMs);
  });

  it('abort a hanging call at p95 × factor once the model has enough samples, not at the fixed timeout', async () => {
    const guard = new ScriptedGuard();
    guard.latency = LEARNED;
    const { logger, lines } = captured();
    const primary = stubModel('m1', []);
    primary.doGenerate = async (options) => hanging(options);
    const model = guarded(guard, primary, undefined, { timeouts: TIMEOUTS, logger });
    const startedAt = performance.now();
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    const elapsedMs = performance.now() - startedAt;
    expect(outcome).toMatchObject({ type: 'RetryableExternalError', message: 'a call timed out' });
    expect(elapsedMs).toBeGreaterThanOrEqual(235);
    expect(elapsedMs).toBeLessThan(2000);
    const aborted = lines.filter((line) => line.msg === ABORTED);
    expect(aborted).toEqual([
      expect.objectContaining({
        provider: 'a',
        model: 'm1',
        reason: 'timeout',
        timeouts: { call: { ms: 240, source: 'adaptive' }, firstToken: { ms: 120, source: 'adaptive' } },
      }),
    ]);
  });

  it('keep the fixed timeout while the model has too few samples', async () => {
    const guard = new ScriptedGuard();
    guard.latency = { total: { p95Ms: 120, samples: 9 }, firstToken: { p95Ms: 60, samples: 9 } };
    const primary = stubModel('m1', []);
    let signal: AbortSignal | undefined;
    primary.doGenerate = async (options) => {
      signal = options.abortSignal;
      await new Promise((resolve) => setTimeout(resolve, 400));
      return generated('Shipped.');
    };
    const model = guarded(guard, primary, undefined, { timeouts: TIMEOUTS });
    const { outcome } = await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    expect(outcome).toMatchObject({ content: [{ type: 'text', text: 'Shipped.' }] });
    expect(signal!.aborted).toBe(false);
  });

  it("abort a stream whose first token is late at its first token's p95 × factor", async () => {
    const guard = new ScriptedGuard();
    guard.latency = LEARNED;
    const { logger, lines } = captured();
    const primary = stubModel('m1', []);
    primary.doStream = async (options) => ({ stream: stalledStream(options) });
    const model = guarded(guard, primary, undefined, { timeouts: TIMEOUTS, logger });
    const startedAt = performance.now();
    await inActivity(async () => readAll((await model.doStream({ prompt: PROMPT })).stream));
    const elapsedMs = performance.now() - startedAt;
    expect(elapsedMs).toBeGreaterThanOrEqual(115);
    expect(elapsedMs).toBeLessThan(235);
    expect(guard.settled).toEqual([expect.objectContaining({ outcome: 'failure' })]);
    expect(lines.filter((line) => line.msg === ABORTED)).toEqual([
      expect.objectContaining({ reason: 'first_token_timeout' }),
    ]);
  });

  it('report a slow call to onSlowCall, count it toward the breaker, and log it without the prompt', async () => {
    const guard = new ScriptedGuard();
    const { logger, lines } = captured();
    const reported: SlowCall[] = [];
    const primary = stubModel('m1', []);
    primary.doGenerate = async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return generated('Shipped.');
    };
    const model = guarded(guard, primary, undefined, {
      timeouts: TIMEOUTS,
      logger,
      onSlowCall: (call) => reported.push(call),
    });
    await inActivity(() => model.doGenerate({ prompt: PROMPT }));
    expect(reported).toEqual([
      {
        provider: 'a',
        model: 'm1',
        operation: 'supportAgent',
        attempt: 1,
        durationMs: expect.any(Number) as number,
        thresholdMs: 150,
        outcome: 'success',
      },
    ]);
    expect(reported[0]!.durationMs).toBeGreaterThanOrEqual(195);
    expect(guard.settled).toEqual([expect.objectContaining({ outcome: 'success', slow: true })]);
    expect(lines.filter((line) => line.msg === 'slow llm call')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('A-1001');
  });
});

/** A logger whose warnings are kept as parsed lines. */
function captured(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

describe('guardedProvider', () => {
  it('refuses a provider that is not configured, naming the option', () => {
    const deps = { ...guardDeps(new ScriptedGuard()), providerNames: ['a', 'b'] };
    const models = { specificationVersion: 'v3' } as never;
    expect(() =>
      guardedProvider({ provider: 'a', models, fallbacks: [{ provider: 'c', models }] }, deps),
    ).toThrow(/^aiSdk\.fallbacks\[0\]\.provider: 'c' is not a configured provider/);
  });
});
