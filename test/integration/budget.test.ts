/** Budgets that never overspend under concurrency, on a real Redis (and a real Temporal where a task runs). */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { Registry } from 'prom-client';
import type { TaskFailedError } from '../../src/client/breakwater-client';
import type { TaskResult } from '../../src/task';
import { PriceBook } from '../../src/budget/pricing';
import { countMessageTokens } from '../../src/budget/tokenizer';
import { TokenManager } from '../../src/budget/token-manager';
import { stackConfig, FAKE_MODEL_PRICES } from '../../src/testing/stack-config';
import { isBudgetBusyError, isBudgetExceededError } from '../../src/errors';
import { createGuard } from '../../src/guard/create-guard';
import type { Admission, Guard } from '../../src/guard/guard';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { getMetrics } from '../../src/observability/metrics';
import { seededRandom } from '../../src/testing/fake-faults';
import {
  chat,
  connectStackRedis,
  createHarness,
  eventually,
  failureOf,
  startFakeProvider,
  testLogger,
  uniqueName,
} from '../support/harness';

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

/** A guard and a token manager on the shared Redis, under a fresh key prefix. */
function budgetsOn(env: Record<string, string> = {}) {
  const stack = inject('stack');
  const prefix = `t:${uniqueName('budget')}`;
  const config = stackConfig(
    { temporalAddress: stack.temporalAddress, namespace: stack.namespace, redisUrl: stack.redisUrl },
    {
      LLM_PROVIDERS: 'fake',
      LLM_FAKE_BASE_URL: 'http://127.0.0.1:1/v1',
      MODEL_PRICES: FAKE_MODEL_PRICES,
      RATE_LIMIT_RPM: '0',
      REDIS_KEY_PREFIX: prefix,
      ...env,
    },
  );
  const parts = createGuard(config, redis, {
    workerId: 'test',
    logger: testLogger,
    metrics: getMetrics(new Registry()),
  });
  const prices = new PriceBook(config.budget.modelPrices, { fake: 'openai' });
  const manager = new TokenManager({ scripts: parts.scripts, budget: config.budget, prices });
  return { ...parts, config, manager, prefix };
}

const runScope = async (manager: TokenManager, runId: string) =>
  (await manager.show({ runId })).scopes.find((scope) => scope.scope === 'run')!;

/** Admits one call of a turn of the run `agent`, with a small claim. */
const admitTurnCall = (guard: Guard, attemptId: string, turn = 't1') =>
  guard.admit({
    provider: 'fake',
    operation: 'op',
    attemptId,
    leaseMs: 30_000,
    claim: { runId: 'agent', turn, operation: 'op', micros: 100, tokens: 10 },
    tokens: 10,
    context: {},
  });

/** The tool-call scope of turn `t1` of the run `agent`. */
const turnToolCalls = async (manager: TokenManager) =>
  (await manager.show({ runId: 'agent', turn: 't1' })).scopes.find(
    (scope) => scope.scope === 'turn_tool_calls',
  )!;

describe('budgets under concurrency (real Redis)', () => {
  it('100 concurrent calls against one run ceiling: zero overspend, and no false block', async () => {
    const budgetsOnParts = budgetsOn({ BUDGET_RUN_USD: '1', BUDGET_OPERATION_USD: '0' });
    const { guard, manager } = budgetsOnParts;
    const runId = 'race';
    const worst = 30_000;
    const random = seededRandom(7);
    let settled = 0;
    let refused = 0;
    // A breaker that never saw a success gates calls in flight: prove the provider first.
    const { breaker } = budgetsOnParts;
    await breaker.admit('fake', 'warm-up', 1000);
    await breaker.settle('fake', 'warm-up', 'success');
    const caller = async (index: number) => {
      for (let call = 0; ; call++) {
        const attemptId = `c${index}-${call}`;
        let admission: Admission;
        try {
          admission = await guard.admit({
            provider: 'fake',
            operation: 'race',
            attemptId,
            leaseMs: 30_000,
            claim: { runId, operation: 'race', micros: worst, tokens: 100 },
            tokens: 100,
            context: {},
          });
        } catch (error) {
          if (isBudgetBusyError(error)) {
            await new Promise((resolve) => setTimeout(resolve, 2 + random() * 10));
            continue;
          }
          if (isBudgetExceededError(error)) {
            refused += 1;
            return;
          }
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, random() * 5));
        const actual = Math.round(worst * (0.4 + 0.6 * random()));
        await guard.settle({ admission, outcome: 'success', actual: { micros: actual, tokens: 50 } });
        settled += actual;
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, index) => caller(index)));
    const run = await runScope(manager, runId);
    expect(run.spent).toBe(settled);
    expect(run.reserved).toBe(0);
    expect(run.spent).toBeLessThanOrEqual(1_000_000);
    expect(run.spent).toBeGreaterThanOrEqual(1_000_000 - worst);
    expect(refused).toBe(100);
  });

  it('a duplicate settle does not double-charge', async () => {
    const { guard, manager } = budgetsOn();
    const admission = await guard.admit({
      provider: 'fake',
      operation: 'op',
      attemptId: 'once',
      leaseMs: 30_000,
      claim: { runId: 'r', operation: 'op', micros: 5000, tokens: 10 },
      tokens: 10,
      context: {},
    });
    expect((await runScope(manager, 'r')).reserved).toBe(5000);
    await guard.settle({ admission, outcome: 'success', actual: { micros: 1234, tokens: 7 } });
    await guard.settle({ admission, outcome: 'success', actual: { micros: 1234, tokens: 7 } });
    expect(await runScope(manager, 'r')).toMatchObject({ spent: 1234, reserved: 0 });
  });

  it('a worker killed after reserving: its reservation is released once its lease expires', async () => {
    const { manager, prefix } = budgetsOn();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/reservation-holder.ts',
        inject('stack').redisUrl,
        prefix,
        'doomed-run',
        '1500',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout! }).once('line', resolve),
    );
    expect(JSON.parse(line)).toMatchObject({ code: 'admitted' });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect((await runScope(manager, 'doomed-run')).reserved).toBe(40_000);
    await eventually(
      async () => ((await runScope(manager, 'doomed-run')).reserved === 0 ? true : undefined),
      5000,
    );
    expect((await runScope(manager, 'doomed-run')).spent).toBe(0);
  });

  it("a settle adds the answer's tool calls to the turn once; at the ceiling the next admission is refused", async () => {
    const { guard, manager } = budgetsOn({ TOOL_CALLS_PER_TURN: '6', TOKENS_PER_TURN: '0' });
    const first = await admitTurnCall(guard, 'a1');
    expect((await turnToolCalls(manager)).spent).toBe(1);
    const answer = { micros: 50, tokens: 5, toolCalls: 3 };
    await guard.settle({ admission: first, outcome: 'success', actual: answer });
    expect((await turnToolCalls(manager)).spent).toBe(4);
    await guard.settle({ admission: first, outcome: 'success', actual: answer });
    expect((await turnToolCalls(manager)).spent).toBe(4);

    const second = await admitTurnCall(guard, 'a2');
    await guard.settle({ admission: second, outcome: 'success', actual: { ...answer, toolCalls: 1 } });
    expect(await turnToolCalls(manager)).toMatchObject({ limit: 6, spent: 6, remaining: 0 });

    const refused = await admitTurnCall(guard, 'a3').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isBudgetExceededError(refused) && refused.scope).toBe('turn_tool_calls');
    expect((await turnToolCalls(manager)).spent).toBe(6);
    // Another turn of the run keeps a count of its own.
    expect((await admitTurnCall(guard, 'b1', 't2')).reservation).not.toBe('');
  });

  it('the tool calls of one answer may pass the ceiling; the turn then admits nothing more', async () => {
    const { guard, manager } = budgetsOn({ TOOL_CALLS_PER_TURN: '3', TOKENS_PER_TURN: '0' });
    const admission = await admitTurnCall(guard, 'wide');
    await guard.settle({ admission, outcome: 'success', actual: { micros: 1, tokens: 1, toolCalls: 5 } });
    expect(await turnToolCalls(manager)).toMatchObject({ spent: 6, remaining: 0 });
    await expect(admitTurnCall(guard, 'next')).rejects.toSatisfy(isBudgetExceededError);
  });

  it('a failed call settles no tool calls; recordUsage counts the ones it is given, once', async () => {
    const { guard, manager } = budgetsOn({ TOOL_CALLS_PER_TURN: '10' });
    await guard.settle({ admission: await admitTurnCall(guard, 'failed'), outcome: 'failure' });
    const usage = { promptTokens: 10, completionTokens: 10, totalTokens: 20 };
    const subject = {
      runId: 'agent',
      turn: 't1',
      provider: 'fake',
      model: 'm',
      usage,
      usageId: 'u',
      toolCalls: 2,
    };
    expect((await manager.recordUsage(subject)).charged).toBe(true);
    expect((await manager.recordUsage(subject)).charged).toBe(false);
    expect((await turnToolCalls(manager)).spent).toBe(3);
  });

  it('recordUsage charges once per usage id and shows in assertWithinBudget', async () => {
    const { manager } = budgetsOn({ BUDGET_RUN_USD: '0.01' });
    const usage = { promptTokens: 1000, completionTokens: 1000, totalTokens: 2000 };
    const first = await manager.recordUsage({
      runId: 'ext',
      provider: 'fake',
      model: 'm',
      usage,
      usageId: 'u1',
    });
    const again = await manager.recordUsage({
      runId: 'ext',
      provider: 'fake',
      model: 'm',
      usage,
      usageId: 'u1',
    });
    expect(first).toEqual({ charged: true, micros: 2000 });
    expect(again.charged).toBe(false);
    const check = await manager.assertWithinBudget({ runId: 'ext', operation: 'chat' });
    expect(check.allowed).toBe(true);
    expect(check.remainingUsd).toBeCloseTo(0.008, 6);
    const big = {
      provider: 'fake',
      model: 'm',
      messages: [{ role: 'user' as const, content: 'hi' }],
      max_tokens: 10_000,
    };
    expect(await manager.assertWithinBudget({ runId: 'ext', operation: 'chat' }, big)).toMatchObject({
      allowed: false,
      refusedBy: 'run',
    });
  });
});

describe('budgets on tasks (real Temporal)', () => {
  it('refuses a call over the operation ceiling: FAILED budget_exceeded with the 429-style object', async () => {
    const h = await createHarness(fakeProvider, 'operation-ceiling', { BUDGET_OPERATION_USD: '0.000001' });
    const error = await h.run(() =>
      failureOf(h.client.execute(chat('pricey'), { idempotencyKey: h.name, runId: 'r1' })),
    );
    expect(error.reason).toBe('budget_exceeded');
    expect(error.refusal).toEqual({ error: 'budget_exceeded', scope: 'operation', retry_after_sec: null });
    expect(h.fake.stats.received).toBe(0);
  });

  it('a daily cap refusal says when the scope resets', async () => {
    const h = await createHarness(fakeProvider, 'daily-cap', { BUDGET_DAILY_USD: '0.000001' });
    const error = await h.run(() => failureOf(h.client.execute(chat('today'), { idempotencyKey: h.name })));
    expect(error.refusal?.scope).toBe('daily');
    expect(error.refusal?.retry_after_sec).toBeGreaterThan(0);
    expect(error.refusal?.retry_after_sec).toBeLessThanOrEqual(86_400);
  });

  it('a model without a price is refused (fail closed) as a configuration error', async () => {
    const h = await createHarness(fakeProvider, 'unpriced', {
      MODEL_PRICES: '{"fake/known":{"input":1,"output":1}}',
    });
    const error = await h.run(() =>
      failureOf(h.client.execute(chat('who am i'), { idempotencyKey: h.name })),
    );
    expect(error.reason).toBe('provider_configuration');
    expect(h.fake.stats.received).toBe(0);
  });

  it('a retried attempt does not double-reserve across scopes', async () => {
    const h = await createHarness(fakeProvider, 'retry-scopes');
    const { manager } = budgetsOn({ REDIS_KEY_PREFIX: h.config.redis.keyPrefix });
    h.fake.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 1500 }, times: 1 });
    const request = { ...chat('retry me'), max_tokens: 200 };
    const worstTokens = countMessageTokens(request.messages) + 200;
    const result = await h.run(async () => {
      await h.client.submit(request, { idempotencyKey: h.name, runId: 'rs', turn: 't1' });
      const during = await eventually(async () => {
        if (h.fake.stats.received < 2) return undefined;
        return manager.show({ runId: 'rs', turn: 't1' });
      });
      const scope = (name: string) => during.scopes.find((s) => s.scope === name)!;
      expect(scope('run').reserved).toBeGreaterThan(0);
      expect(scope('turn_tokens').reserved).toBe(worstTokens);
      const done = await h.client.result(h.name);
      return {
        done,
        after: await manager.show({ runId: 'rs', turn: 't1' }),
        reservedDuring: scope('run').reserved,
      };
    });
    expect(result.done.attempts).toBe(2);
    const after = (name: string) => result.after.scopes.find((s) => s.scope === name)!;
    expect(after('run')).toMatchObject({ reserved: 0 });
    expect(after('run').spent).toBeGreaterThan(0);
    expect(after('run').spent).toBeLessThan(result.reservedDuring);
    expect(after('turn_tokens')).toMatchObject({
      reserved: 0,
      spent: result.done.response.usage.totalTokens,
    });
    expect(after('turn_tool_calls').spent).toBe(2);
  });

  it('per-turn tool calls and tokens: the call that would pass the limit is refused, the turn ends there', async () => {
    const h = await createHarness(fakeProvider, 'turns', {
      TOOL_CALLS_PER_TURN: '3',
      TOKENS_PER_TURN: '100000',
    });
    const outcomes = await h.run(async () => {
      const results: string[] = [];
      for (let i = 0; i < 4; i++) {
        const outcome = await h.client
          .execute(chat(`step ${i}`), { idempotencyKey: `${h.name}-${i}`, runId: 'agent', turn: 'turn-1' })
          .then(
            () => 'DONE',
            (error: TaskFailedError) => `${error.reason}:${error.refusal?.scope}`,
          );
        results.push(outcome);
      }
      results.push(
        await h.client
          .execute(chat('next turn'), { idempotencyKey: `${h.name}-next`, runId: 'agent', turn: 'turn-2' })
          .then(() => 'DONE'),
      );
      return results;
    });
    expect(outcomes).toEqual(['DONE', 'DONE', 'DONE', 'budget_exceeded:turn_tool_calls', 'DONE']);

    const tokens = await createHarness(fakeProvider, 'turn-tokens', {
      TOKENS_PER_TURN: '250',
      TOOL_CALLS_PER_TURN: '0',
    });
    const { manager } = budgetsOn({ REDIS_KEY_PREFIX: tokens.config.redis.keyPrefix });
    const request = { ...chat('count me'), max_tokens: 150 };
    const worst = countMessageTokens(request.messages) + 150;
    const predictions = await tokens.run(async () => {
      const seen: Array<{ predicted: boolean; refused: boolean }> = [];
      for (let i = 0; i < 10; i++) {
        const turn = (await manager.show({ runId: 'agent', turn: 'turn-1' })).scopes.find(
          (s) => s.scope === 'turn_tokens',
        )!;
        const predicted = turn.spent + worst > 250;
        const refused = await tokens.client
          .execute(request, { idempotencyKey: `${tokens.name}-${i}`, runId: 'agent', turn: 'turn-1' })
          .then(
            () => false,
            (error: TaskFailedError) => error.refusal?.scope === 'turn_tokens',
          );
        seen.push({ predicted, refused });
        if (refused) break;
      }
      return seen;
    });
    expect(
      predictions.every((p) => p.predicted === p.refused),
      JSON.stringify(predictions),
    ).toBe(true);
    expect(predictions.at(-1)?.refused).toBe(true);
  });

  it('caps the provider calls of one task', async () => {
    const h = await createHarness(fakeProvider, 'task-calls', {
      RATE_LIMIT_CALLS_PER_TASK: '2',
      RETRY_MAXIMUM_ATTEMPTS: '4',
    });
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const error = await h.run(() => failureOf(h.client.execute(chat('loop'), { idempotencyKey: h.name })));
    expect(error.reason).toBe('rate_limited');
    expect(h.fake.stats.received).toBe(2);
  });
});

describe('shared rate limits (real Redis, real Temporal)', () => {
  it('requests per minute hold across 3 workers, and the waiting tasks end DONE', async () => {
    const rpm = 120;
    const burst = 2;
    const h = await createHarness(
      fakeProvider,
      'rate-limit',
      { RATE_LIMIT_RPM: String(rpm), RATE_LIMIT_BURST: String(burst) },
      { workers: 3 },
    );
    const results = await h.run(() =>
      Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.client.execute(chat(`r${i}`), { idempotencyKey: `${h.name}-${i}` }),
        ),
      ),
    );
    expect(results.every((result) => result.ledger.state === 'DONE')).toBe(true);
    expect(
      results.some((result) => result.ledger.entries.some((entry) => entry.reason === 'rate_limited')),
    ).toBe(true);
    const times = h.fake.stats.receivedAt;
    expect(times).toHaveLength(8);
    // Token bucket: any n consecutive calls span at least (n - burst) refill intervals.
    const intervalMs = 60_000 / rpm;
    for (let i = 0; i < times.length; i++) {
      for (let j = i + burst; j < times.length; j++) {
        expect(times[j]! - times[i]!, `calls ${i}..${j}`).toBeGreaterThanOrEqual(
          (j - i + 1 - burst) * intervalMs - 50,
        );
      }
    }
  });

  it('an operation (a tool) has a rate limit of its own, apart from other operations', async () => {
    const h = await createHarness(fakeProvider, 'operation-rate', {
      RATE_LIMIT_OPERATIONS: '{"search":{"rpm":30,"burst":1}}',
    });
    const waited = (result: TaskResult) =>
      result.ledger.entries.some((entry) => entry.reason === 'rate_limited');
    const results = await h.run(() =>
      Promise.all([
        h.client.execute(chat('s1'), { idempotencyKey: `${h.name}-s1`, operation: 'search' }),
        h.client.execute(chat('s2'), { idempotencyKey: `${h.name}-s2`, operation: 'search' }),
        h.client.execute(chat('w1'), { idempotencyKey: `${h.name}-w1`, operation: 'write' }),
        h.client.execute(chat('w2'), { idempotencyKey: `${h.name}-w2`, operation: 'write' }),
      ]),
    );
    expect(results.every((result) => result.ledger.state === 'DONE')).toBe(true);
    expect(results.slice(0, 2).filter(waited)).toHaveLength(1);
    expect(results.slice(2).filter(waited)).toHaveLength(0);
    // 30 per minute with a burst of 1: the second search call goes two seconds after the first.
    const doneAt = results.slice(0, 2).map((result) => Date.parse(result.ledger.entries.at(-1)!.at));
    expect(Math.abs(doneAt[1]! - doneAt[0]!)).toBeGreaterThanOrEqual(1900);
  });

  it('in refuse mode a limited task ends FAILED rate_limited', async () => {
    const h = await createHarness(fakeProvider, 'rate-refuse', {
      RATE_LIMIT_RPM: '1',
      RATE_LIMIT_BURST: '1',
      RATE_LIMIT_MODE: 'refuse',
    });
    const outcomes = await h.run(() =>
      Promise.all(
        [1, 2].map((i) =>
          h.client.execute(chat(`x${i}`), { idempotencyKey: `${h.name}-${i}` }).then(
            () => 'DONE',
            (error: TaskFailedError) => error.reason,
          ),
        ),
      ),
    );
    expect(outcomes.sort()).toEqual(['DONE', 'rate_limited']);
    expect(h.fake.stats.received).toBe(1);
  });
});
