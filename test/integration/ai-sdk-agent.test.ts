/**
 * AI SDK agents (`ai`'s `generateText` on `@temporalio/ai-sdk`) on a Breakwater worker: each
 * model call is admitted, made, settled and classified by the guard, with no Breakwater code in
 * the workflow, and guard refusals behave as they do for `llmTask`: an open breaker switches to a
 * fallback model, else the call waits (a Temporal retry timer that burns no attempt) until
 * `MAX_BLOCKED_MS`. The fake provider answers plain text unless a test scripts a tool call.
 */
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import type { LedgerSnapshot } from '../../src/task';
import type { SupportAgentResult } from '../../workflows/examples/support-agent';
import {
  aiSdkWorkflowBundle,
  createAgentHarness,
  modelCallFailure,
  type AgentHarness,
} from '../support/ai-sdk';
import { connectStackRedis, counterValue, startFakeProvider } from '../support/harness';

let fakeProvider: FakeProvider;
let bundle: { codePath: string; code: string };
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  bundle = await aiSdkWorkflowBundle();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const QUESTION = 'Where is my order A-1001?';
const agentInput = { question: QUESTION, model: 'fake-model' };

/** The directories that package `name` is bundled from in `code` (webpack names each module by its path). */
function packageCopies(code: string, name: string): Set<string> {
  const marker = `node_modules/${name}/`;
  const copies = new Set<string>();
  for (let at = code.indexOf(marker); at >= 0; at = code.indexOf(marker, at + marker.length)) {
    const before = code.slice(Math.max(0, at - 200), at);
    copies.add(before.split(/[\s"'!(]/).pop()!);
  }
  return copies;
}

async function withBudgets<T>(h: AgentHarness, use: (manager: TokenManager) => Promise<T>): Promise<T> {
  const redis = await connectStackRedis();
  try {
    const prices = PriceBook.fromConfig(h.config.budget.modelPrices, h.config.providers);
    const scripts = new GuardScripts(redis, new KeySpace(h.config.redis.keyPrefix));
    return await use(new TokenManager({ scripts, budget: h.config.budget, prices }));
  } finally {
    await redis.quit();
  }
}

/** Opens the breakers of both providers the harness's models belong to. */
async function openBoth(h: AgentHarness, durationMs: number): Promise<void> {
  await h.worker.breaker.forceOpen('fake', durationMs);
  await h.worker.breaker.forceOpen('fake-anthropic', durationMs);
}

describe('AI SDK agents under the guard', () => {
  it('bundles workflow code with one copy of the Temporal workflow SDK', () => {
    expect(packageCopies(bundle.code, '@temporalio/workflow').size).toBe(1);
    expect(packageCopies(bundle.code, '@temporalio/common').size).toBe(1);
    expect(bundle.code).not.toContain('@temporalio/ai-sdk/node_modules/');
    const fromIntegration = require.resolve('@temporalio/workflow', {
      paths: [dirname(require.resolve('@temporalio/ai-sdk'))],
    });
    expect(fromIntegration).toBe(require.resolve('@temporalio/workflow'));
  });

  it('admits, makes and settles a model call, and charges its run what it used', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-ok');
    const run = await h.run(() => h.execute<SupportAgentResult>('supportAgent', [agentInput]));
    expect(run.result).toMatchObject({ steps: 1, toolCalls: 0, modelId: 'fake-model' });
    expect(run.result!.answer).toMatch(/^Acknowledged [0-9a-f]{12}\.$/);
    expect(h.fake.stats.received).toBe(1);
    expect(await counterValue(h.metrics.llmCalls, { provider: 'fake', outcome: 'success' })).toBe(1);
    const runScope = await withBudgets(h, async (manager) => {
      const { scopes } = await manager.show({ runId: run.workflowId, operation: 'supportAgent' });
      return scopes.find((scope) => scope.scope === 'run')!;
    });
    const prices = PriceBook.fromConfig(h.config.budget.modelPrices, h.config.providers);
    const { inputTokens, outputTokens } = run.result!;
    expect(runScope.reserved).toBe(0);
    expect(runScope.spent).toBe(prices.costMicros('fake', 'fake-model', inputTokens, outputTokens));
  });

  it('runs the tool loop: the model calls the tool, an activity, then answers with its result', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-tools');
    const answer = 'Your order A-1001 has shipped; it is due on 4 December.';
    h.fake.configure({
      script: [
        { toolResults: 0, callTools: [{ name: 'lookupOrder', arguments: { orderId: 'A-1001' } }] },
        { toolResults: 1, text: answer },
      ],
    });
    const run = await h.run(() => h.execute<SupportAgentResult>('supportAgent', [agentInput]));
    expect(run.result).toMatchObject({ answer, steps: 2, toolCalls: 1 });
    expect(h.fake.stats.received).toBe(2);
    expect(await counterValue(h.metrics.llmCalls, { provider: 'fake', outcome: 'success' })).toBe(2);
    const second = JSON.stringify(h.fake.requests[1]!.body);
    expect(second).toContain('shipped');
    expect(second).toContain('2026-12-04');
  });

  it('retries a 503 after a jittered delay, and the workflow sees only the answer', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-retry');
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    const run = await h.run(() => h.execute<SupportAgentResult>('supportAgent', [agentInput]));
    expect(run.result?.steps).toBe(1);
    expect(run.modelAttempts).toBe(2);
    expect(h.fake.stats.byOutcome).toEqual({ '200': 1, '503': 1 });
    expect(await counterValue(h.metrics.llmCalls, { provider: 'fake', outcome: 'retryable' })).toBe(1);
  });

  it("waits a 429's Retry-After before the retry", async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-429');
    h.fake.inject({ fault: { kind: 'status', status: 429, retryAfterSec: 1 }, times: 1 });
    const run = await h.run(() => h.execute<SupportAgentResult>('supportAgent', [agentInput]));
    expect(run.modelAttempts).toBe(2);
    const [first, second] = h.fake.stats.receivedAt;
    expect(second! - first!).toBeGreaterThanOrEqual(1000);
    expect(second! - first!).toBeLessThan(5000);
  });

  it('stops retrying after RETRY_MAXIMUM_ATTEMPTS, and generateText throws', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-exhausted');
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const run = await h.run(() => h.execute('supportAgent', [agentInput]));
    const failure = modelCallFailure(run.error);
    expect(failure.type).toBe('RetryableExternalError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/attempt 4 of 4: no retry left/);
    expect(run.modelAttempts).toBe(4);
    expect(h.fake.stats.received).toBe(4);
  });

  it('fails a content-filtered answer without a retry, counted against no breaker', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-filter');
    h.fake.inject({ fault: { kind: 'content_filter' } });
    const { run, breaker } = await h.run(async () => {
      const run = await h.execute('supportAgent', [agentInput]);
      return { run, breaker: await h.worker.breaker.status('fake') };
    });
    const failure = modelCallFailure(run.error);
    expect(failure.type).toBe('ContentPolicyError');
    expect(failure.nonRetryable).toBe(true);
    expect(run.modelAttempts).toBe(1);
    expect(h.fake.stats.received).toBe(1);
    expect(breaker.counts.consecutiveFailures).toBe(0);
    expect(breaker.stats).toMatchObject({ neutral: 1 });
  });

  it('refuses a call past its run budget without calling the provider, and generateText throws', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-budget');
    // A run ceiling below one call's worst case (1,024 output tokens at the fake's $1.5 per million).
    const firstRun = `${h.name}-1`;
    await withBudgets(h, (manager) => manager.setCeiling('run', 0.001, firstRun));
    const run = await h.run(() => h.execute('supportAgent', [agentInput]));
    const failure = modelCallFailure(run.error);
    expect(failure.type).toBe('BudgetExceededError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ scope: 'run' });
    expect(run.modelAttempts).toBe(1);
    expect(h.fake.stats.received).toBe(0);
  });
});

describe('guard refusals of AI SDK model calls', () => {
  it('switches to the fallback model while the breaker is open', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-fallback');
    await h.worker.breaker.forceOpen('fake', 60_000);
    const run = await h.run(() => h.execute<SupportAgentResult>('supportAgent', [agentInput]));
    expect(run.result?.modelId).toBe('fake-fallback');
    expect(run.modelAttempts).toBe(1);
    expect(h.fake.stats.received).toBe(1);
    expect(await counterValue(h.metrics.llmCalls, { provider: 'fake-anthropic', outcome: 'success' })).toBe(
      1,
    );
  });

  it('waits while every breaker is open, without burning an attempt, then calls the primary', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-wait');
    await openBoth(h, 1500);
    const openedAt = Date.now();
    const run = await h.run(() => h.execute<SupportAgentResult>('supportAgent', [agentInput]));
    expect(run.result?.modelId).toBe('fake-model');
    // The wait was attempt 1; the call, attempt 2, is the call's first attempt (see the ledger test).
    expect(run.modelAttempts).toBe(2);
    expect(h.fake.stats.received).toBe(1);
    expect(h.fake.stats.receivedAt[0]! - openedAt).toBeGreaterThanOrEqual(1400);
  });

  it('fails the call once it waited MAX_BLOCKED_MS, and generateText throws', async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-blocked', { MAX_BLOCKED_MS: '2000' });
    await openBoth(h, 60_000);
    const run = await h.run(() => h.execute('supportAgent', [agentInput]));
    const failure = modelCallFailure(run.error);
    expect(failure.type).toBe('CircuitBreakerOpenError');
    expect(failure.nonRetryable).toBe(true);
    expect(run.modelAttempts).toBe(2);
    expect(h.fake.stats.received).toBe(0);
  });

  it("reports retries to the workflow's ledger, counting waits as no attempt", async () => {
    const h = await createAgentHarness(fakeProvider, bundle, 'ai-sdk-ledger');
    await openBoth(h, 1000);
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    const meta = {
      idempotencyKey: h.name,
      operation: 'answer',
      agent: 'support',
      priority: 'normal' as const,
    };
    const run = await h.run(() =>
      h.execute<{ answer: string; ledger: LedgerSnapshot }>('ledgeredAnswer', [
        { meta, question: agentInput.question, model: 'fake-model' },
      ]),
    );
    // Attempt 1 waited, attempt 2 met the 503, attempt 3 answered: the call's attempts 1 and 2.
    expect(run.modelAttempts).toBe(3);
    const entries = run.result!.ledger.entries.map(({ to, reason, attempt, errorType }) => ({
      to,
      reason,
      attempt,
      errorType,
    }));
    expect(entries).toEqual([
      { to: 'QUEUED', reason: 'submitted', attempt: 0, errorType: undefined },
      { to: 'RUNNING', reason: 'started', attempt: 1, errorType: undefined },
      { to: 'RETRY', reason: 'attempt_failed', attempt: 1, errorType: 'RetryableExternalError' },
      { to: 'RUNNING', reason: 'retry_started', attempt: 2, errorType: undefined },
      { to: 'DONE', reason: 'completed', attempt: 2, errorType: undefined },
    ]);
  });
});
