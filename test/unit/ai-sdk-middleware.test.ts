/** The AI SDK guard middleware inside an activity context: admission, fallbacks, waits, settling, classification. */
import { describe, expect, it } from 'vitest';
import { APICallError, type LanguageModelV3, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { ApplicationFailure, type Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { wrapLanguageModel } from 'ai';
import { breakwaterMiddleware, guardedProvider } from '../../src/ai-sdk';
import { BudgetExceededError, CircuitBreakerOpenError } from '../../src/errors';
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

function guarded(guard: ScriptedGuard, primary: StubModel, fallback?: StubModel): LanguageModelV3 {
  const middleware = breakwaterMiddleware(
    {
      provider: 'a',
      models: { specificationVersion: 'v3' } as never,
      fallbacks: fallback
        ? [{ provider: 'b', models: { languageModel: () => fallback } as never, model: fallback.modelId }]
        : [],
    },
    guardDeps(guard),
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

describe('guardedProvider', () => {
  it('refuses a provider that is not configured, naming the option', () => {
    const deps = { ...guardDeps(new ScriptedGuard()), providerNames: ['a', 'b'] };
    const models = { specificationVersion: 'v3' } as never;
    expect(() =>
      guardedProvider({ provider: 'a', models, fallbacks: [{ provider: 'c', models }] }, deps),
    ).toThrow(/^aiSdk\.fallbacks\[0\]\.provider: 'c' is not a configured provider/);
  });
});
