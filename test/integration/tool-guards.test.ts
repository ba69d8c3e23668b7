/**
 * Guarded tools (`TOOL_GUARDS`) on a real Temporal dev server and a real Redis: a shared breaker and
 * a shared rate limit across workers, the cap on calls per task, the ledger's BLOCKED wait for a
 * tool, and activities not named there running without a Redis call.
 */
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import Redis from 'ioredis';
import { Registry, type Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import { functionLibrary } from '../../src/redis/function-library';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace, toolBreakerName } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { createWorker } from '../../src/worker/create-worker';
import { TASK_FAILED_TYPE, type TaskFailureDetails } from '../../src/task';
import type { callTool, toolLoop, ToolCallInput, ToolLoopInput } from '../support/tool-workflows';
import { getMetrics } from '../../src/observability/metrics';
import {
  connectStackRedis,
  counterValue,
  createHarness,
  eventually,
  startFakeProvider,
  testLogger,
  type Harness,
} from '../support/harness';
import { workflowBundleOf } from '../support/workflow-bundle';

let fakeProvider: FakeProvider;
let bundle: { codePath: string };
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  bundle = await workflowBundleOf(join(__dirname, '..', 'support', 'tool-workflows.ts'));
});
afterAll(async () => {
  await fakeProvider.stop();
});

/** A tool that counts its runs and fails while `failing` is set. */
function countingTool() {
  const tool = {
    runs: 0,
    failing: false,
    run: async (arg: string): Promise<string> => {
      tool.runs += 1;
      if (tool.failing) throw new Error('search backend down');
      return `result of ${arg}`;
    },
  };
  return tool;
}

function callOf(h: Harness, input: ToolCallInput, suffix: string) {
  return h.temporal.workflow.execute<typeof callTool>('callTool', {
    taskQueue: h.config.temporal.taskQueue,
    workflowId: `${h.name}-${suffix}`,
    args: [input],
  });
}

function loopOf(h: Harness, input: Omit<ToolLoopInput, 'policy'>, suffix: string) {
  return h.temporal.workflow.execute<typeof toolLoop>('toolLoop', {
    taskQueue: h.config.temporal.taskQueue,
    workflowId: `${h.name}-${suffix}`,
    args: [{ ...input, policy: h.config.policy }],
  });
}

/** The shared breaker of `tool`, as an operator reads and operates it. */
async function withToolBreaker<T>(h: Harness, work: (breaker: RedisBreaker, name: string) => Promise<T>) {
  const redis = await connectStackRedis();
  try {
    const scripts = new GuardScripts(redis, new KeySpace(h.config.redis.keyPrefix));
    const breaker = new RedisBreaker({
      scripts,
      settings: h.config.toolGuards.search!.breaker,
      workerId: 'test',
    });
    return await work(breaker, toolBreakerName('search'));
  } finally {
    await redis.quit();
  }
}

describe('a tool guarded by TOOL_GUARDS', () => {
  it('opens its shared breaker for every worker after 5 failures, refuses without running, and closes after 2 probe successes', async () => {
    const search = countingTool();
    const registries = [new Registry(), new Registry()];
    const h = await createHarness(
      fakeProvider,
      'tool-breaker',
      { TOOL_GUARDS: JSON.stringify({ search: { breaker: { resetTimeoutMs: 4000 } } }) },
      {
        workerOptions: () => ({
          workflowBundle: bundle,
          activities: { search: search.run },
          registry: registries[0]!,
        }),
      },
    );
    const otherQueue = `${h.name}-b`;
    const other = await createWorker(
      { ...h.config, temporal: { ...h.config.temporal, taskQueue: otherQueue } },
      {
        logger: testLogger,
        workflowBundle: bundle,
        activities: { search: search.run },
        registry: registries[1]!,
      },
    );
    /** A counter's value summed over both workers. */
    const counted = async (
      pick: (metrics: ReturnType<typeof getMetrics>) => Counter<string>,
      labels: Record<string, string>,
    ) => {
      const values = await Promise.all(
        registries.map((registry) => counterValue(pick(getMetrics(registry)), labels)),
      );
      return values.reduce((sum, value) => sum + value, 0);
    };
    const queues = [h.config.temporal.taskQueue, otherQueue];
    await h.run(() =>
      other.runUntil(async () => {
        search.failing = true;
        for (let i = 0; i < 5; i++) {
          const result = await callOf(
            h,
            { tool: 'search', arg: `${i}`, taskQueue: queues[i % 2] },
            `fail-${i}`,
          );
          expect(result.errorType).toBe('Error');
        }
        expect(search.runs).toBe(5);
        expect((await withToolBreaker(h, (breaker, name) => breaker.status(name))).state).toBe('OPEN');

        search.failing = false;
        for (const [index, taskQueue] of queues.entries()) {
          const refused = await callOf(h, { tool: 'search', arg: 'x', taskQueue }, `refused-${index}`);
          expect(refused.errorType).toBe('ToolCircuitOpenError');
        }
        expect(search.runs).toBe(5);

        // Past the reset timeout, one probe at a time; the second success closes the breaker.
        await eventually(async () => {
          const result = await callOf(
            h,
            { tool: 'search', arg: 'probe', taskQueue: queues[0] },
            `probe-${Date.now()}`,
          );
          return result.value;
        }, 20_000);
        expect((await withToolBreaker(h, (breaker, name) => breaker.status(name))).state).toBe('HALF_OPEN');
        const second = await callOf(
          h,
          { tool: 'search', arg: 'probe', taskQueue: queues[1] },
          'probe-second',
        );
        expect(second.value).toBe('result of probe');
        expect((await withToolBreaker(h, (breaker, name) => breaker.status(name))).state).toBe('CLOSED');
      }),
    );
    const transitions = (from: string, to: string) =>
      counted((metrics) => metrics.breakerTransitions, { tool: 'search', from, to });
    expect(await transitions('CLOSED', 'OPEN')).toBe(1);
    expect(await transitions('OPEN', 'HALF_OPEN')).toBe(1);
    expect(await transitions('HALF_OPEN', 'CLOSED')).toBe(1);
    expect(
      await counted((metrics) => metrics.breakerRejections, { tool: 'search', state: 'OPEN' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('holds its per-minute rate limit across three workers: calls in any window stay within the rate plus the burst', async () => {
    const runs: number[] = [];
    const rated = async (arg: string) => {
      runs.push(Date.now());
      return arg;
    };
    const rate = { maxCallsPerMinute: 60, burstSize: 3 };
    const h = await createHarness(
      fakeProvider,
      'tool-rate',
      { TOOL_GUARDS: JSON.stringify({ rated: { rateLimit: rate } }) },
      { workers: 3, workerOptions: () => ({ workflowBundle: bundle, activities: { rated } }) },
    );
    const { results } = await h.run(() => loopOf(h, { tool: 'rated', calls: 10, parallel: true }, 'loop'));
    expect(results).toHaveLength(10);
    expect(runs).toHaveLength(10);
    runs.sort((a, b) => a - b);
    // A token bucket lets through at most `burst` calls plus one per 1000 ms between the first and the last.
    const perMs = rate.maxCallsPerMinute / 60_000;
    const slackMs = 250;
    for (let first = 0; first < runs.length; first++) {
      for (let last = first; last < runs.length; last++) {
        const allowed = rate.burstSize + Math.floor((runs[last]! - runs[first]! + slackMs) * perMs);
        expect(last - first + 1).toBeLessThanOrEqual(allowed);
      }
    }
  });

  it('refuses a call past its rate limit in refuse mode, without running the tool', async () => {
    const rated = countingTool();
    const h = await createHarness(
      fakeProvider,
      'tool-refuse',
      { TOOL_GUARDS: JSON.stringify({ rated: { rateLimit: { maxCallsPerMinute: 1, onLimit: 'refuse' } } }) },
      { workerOptions: () => ({ workflowBundle: bundle, activities: { rated: rated.run } }) },
    );
    const [first, second] = await h.run(async () => [
      await callOf(h, { tool: 'rated', arg: 'a' }, 'first'),
      await callOf(h, { tool: 'rated', arg: 'b' }, 'second'),
    ]);
    expect(first).toEqual({ value: 'result of a' });
    expect(second).toEqual({ errorType: 'ToolRateLimitExceededError' });
    expect(rated.runs).toBe(1);
  });

  it('stops a looping agent at its cap of calls per task with a clear failure reason', async () => {
    const looped = countingTool();
    const h = await createHarness(
      fakeProvider,
      'tool-cap',
      { TOOL_GUARDS: JSON.stringify({ looped: { maxCallsPerTask: 3 } }) },
      { workerOptions: () => ({ workflowBundle: bundle, activities: { looped: looped.run } }) },
    );
    const error = await h.run(() =>
      loopOf(h, { tool: 'looped', calls: 10 }, 'loop').then(
        () => undefined,
        (reason: unknown) => reason,
      ),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(TASK_FAILED_TYPE);
    const details = (cause as ApplicationFailure).details?.[0] as TaskFailureDetails;
    expect(details).toMatchObject({ reason: 'tool_call_cap', errorType: 'ToolCallCapError' });
    expect(details.lastError).toMatch(/cap of 3 calls of tool looped/);
    expect(looped.runs).toBe(3);
  });

  it('shows BLOCKED for the tool in the ledger while its breaker is open, then the resume; the gauge shows it OPEN', async () => {
    const search = countingTool();
    const registry = new Registry();
    const h = await createHarness(
      fakeProvider,
      'tool-ledger',
      { TOOL_GUARDS: JSON.stringify({ search: {} }) },
      { workerOptions: () => ({ workflowBundle: bundle, activities: { search: search.run }, registry }) },
    );
    await withToolBreaker(h, (breaker, name) => breaker.forceOpen(name, 5000));
    const states = (await registry.getSingleMetric('ai_circuit_breaker_state')!.get()).values;
    expect(states.find((value) => value.labels.tool === 'search')?.value).toBe(1);
    const { results, ledger } = await h.run(() => loopOf(h, { tool: 'search', calls: 1 }, 'loop'));
    expect(results).toEqual(['result of call-0']);
    expect(search.runs).toBe(1);
    const moves = ledger.entries.map(({ to, reason, tool }) => ({ to, reason, tool }));
    expect(moves).toEqual([
      { to: 'QUEUED', reason: 'submitted', tool: undefined },
      { to: 'RUNNING', reason: 'started', tool: undefined },
      { to: 'BLOCKED', reason: 'tool_circuit_open', tool: 'search' },
      { to: 'RUNNING', reason: 'resumed', tool: 'search' },
      { to: 'DONE', reason: 'completed', tool: undefined },
    ]);
    const blocked = ledger.entries[2]!;
    expect(blocked.errorType).toBe('ToolCircuitOpenError');
    expect(blocked.nextDelayMs).toBeGreaterThan(0);
    expect(blocked.nextDelayMs).toBeLessThanOrEqual(5000);
  });
});

describe('an activity TOOL_GUARDS does not name', () => {
  it('runs unchanged, without a Redis call', async () => {
    const guarded = countingTool();
    const plain = countingTool();
    const h = await createHarness(
      fakeProvider,
      'tool-unguarded',
      { TOOL_GUARDS: JSON.stringify({ guarded: {} }) },
      {
        workerOptions: () => ({
          workflowBundle: bundle,
          activities: { guarded: guarded.run, plainTool: plain.run },
        }),
      },
    );
    const slot = new KeySpace(h.config.redis.keyPrefix).slot();
    const { functions } = functionLibrary();
    const base = new Redis(inject('stack').redisUrl, { lazyConnect: true });
    const monitor = await base.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(slot) || args.some((arg) => arg.includes('plainTool'))) commands.push(args);
    });
    try {
      const results = await h.run(async () => [
        ...(await Promise.all(
          [0, 1, 2, 3, 4].map((i) => callOf(h, { tool: 'plainTool', arg: `${i}` }, `plain-${i}`)),
        )),
        await callOf(h, { tool: 'guarded', arg: 'g' }, 'guarded'),
      ]);
      expect(results.map((result) => result.value)).toEqual([
        'result of 0',
        'result of 1',
        'result of 2',
        'result of 3',
        'result of 4',
        'result of g',
      ]);
      expect(plain.runs).toBe(5);
      // The guarded tool's admit and settle show the monitor sees this test's calls.
      await eventually(() =>
        commands.some((args) => args.includes(functions.toolSettle)) ? true : undefined,
      );
      expect(commands.filter((args) => args.includes(functions.toolAdmit))).toHaveLength(1);
      expect(commands.filter((args) => args.some((arg) => arg.includes('plainTool')))).toEqual([]);
    } finally {
      monitor.disconnect();
      base.disconnect();
    }
  });
});
