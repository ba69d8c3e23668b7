/**
 * The history a task writes: a happy task at most one event more than a bare Temporal workflow and
 * activity on the same stack, and a deadline enforced without a timer, while the call runs, before a
 * retry and while the task waits BLOCKED.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { createBareActivities } from '../../bench/bare-activities';
import { historyEventsOf, historyEventTypesOf } from '../../bench/history-events';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { OpenAiCompatibleAdapter } from '../../src/providers/openai';
import { QueuedMsKey } from '../../src/search-attributes';
import { taskCountQuery } from '../../src/status/task-queries';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { FAKE_OPENAI } from '../../src/testing/stack-config';
import {
  chat,
  createHarness,
  eventually,
  failureOf,
  startFakeProvider,
  type Harness,
} from '../support/harness';
import { workflowBundleOf } from '../support/workflow-bundle';

let fakeProvider: FakeProvider;
let bundle: { codePath: string };
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  bundle = await workflowBundleOf(join(__dirname, '../../bench/agent-workflows.ts'));
});
afterAll(async () => {
  await fakeProvider.stop();
});

/** A harness whose worker also runs the bare baseline (`bareTask` and its `bareChat` activity). */
function harnessWithBare(label: string, env: Record<string, string> = {}): Promise<Harness> {
  return createHarness(fakeProvider, label, env, {
    workerOptions: (_, fake) => ({
      workflowBundle: bundle,
      activities: createBareActivities(
        new OpenAiCompatibleAdapter(FAKE_OPENAI, fake.openAiBaseUrl, 'sk-fake-local-key-000000000000'),
        5000,
      ),
    }),
  });
}

const TIMER_STARTED =
  temporal.api.enums.v1.EventType[temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED];

describe('history of a task', () => {
  it('a happy task writes at most one event more than a bare workflow and activity', async () => {
    const h = await harnessWithBare('history-happy');
    const taskQueue = h.config.temporal.taskQueue;
    const bareId = `${h.name}-bare`;
    const done = taskCountQuery(taskQueue, 'DONE');
    const { task, bare, types } = await h.run(async () => {
      const result = await h.client.execute(chat('hello'), { idempotencyKey: h.name });
      expect(result.ledger.state).toBe('DONE');
      // Visibility lists it as DONE (its workflow completed), and knows how long it waited for a worker.
      await eventually(async () => ((await h.temporal.workflow.count(done)).count === 1 ? true : undefined));
      for await (const info of h.temporal.workflow.list({ query: done })) {
        expect(info.workflowId).toBe(taskWorkflowId(h.name));
        expect(info.typedSearchAttributes.get(QueuedMsKey)).toBeGreaterThanOrEqual(0);
      }
      await h.temporal.workflow.execute('bareTask', { taskQueue, workflowId: bareId, args: [chat('hello')] });
      return {
        task: await historyEventsOf(h.temporal, taskWorkflowId(h.name)),
        bare: await historyEventsOf(h.temporal, bareId),
        types: await historyEventTypesOf(h.temporal, taskWorkflowId(h.name)),
      };
    });
    expect(bare).toBe(11);
    expect(task, types.join(' ')).toBeLessThanOrEqual(bare + 1);
    expect(types).not.toContain(TIMER_STARTED);
  });

  it('a deadline that passes while the call runs fails the task deadline_exceeded and aborts the call', async () => {
    const h = await harnessWithBare('history-deadline-call', {
      LLM_CALL_TIMEOUT_MS: '30000',
      ACTIVITY_START_TO_CLOSE_MS: '40000',
    });
    h.fake.inject({ fault: { kind: 'hang' } });
    const { error, types } = await h.run(async () => {
      const failed = await failureOf(
        h.client.execute(chat('hang'), { idempotencyKey: h.name, deadline: 2000 }),
      );
      await eventually(() => (h.fake.stats.aborted === 1 ? true : undefined));
      return { error: failed, types: await historyEventTypesOf(h.temporal, taskWorkflowId(h.name)) };
    });
    expect(error.reason).toBe('deadline_exceeded');
    expect(error.ledger?.entries.at(-1)).toMatchObject({ to: 'FAILED', reason: 'deadline_exceeded' });
    expect(types).not.toContain(TIMER_STARTED);
  });

  it('a deadline that passes before the next retry fails the task deadline_exceeded at once', async () => {
    const h = await harnessWithBare('history-deadline-retry', {
      RETRY_INITIAL_INTERVAL_MS: '20000',
      RETRY_MAXIMUM_INTERVAL_MS: '20000',
    });
    h.fake.inject({ fault: { kind: 'status', status: 503 } });
    const { error, elapsedMs } = await h.run(async () => {
      const startedAt = Date.now();
      const failed = await failureOf(
        h.client.execute(chat('flaky'), { idempotencyKey: h.name, deadline: 3000 }),
      );
      return { error: failed, elapsedMs: Date.now() - startedAt };
    });
    expect(error.reason).toBe('deadline_exceeded');
    expect(h.fake.stats.received).toBe(1);
    // Temporal gives up the retry it cannot start before the deadline: no 20 s backoff first.
    expect(elapsedMs).toBeLessThan(15_000);
  });

  it("a deadline that passes while BLOCKED fails the task with the wait's reason", async () => {
    const h = await harnessWithBare('history-deadline-blocked');
    const error = await h.run(async () => {
      await h.worker.breaker.forceOpen('fake', 60_000);
      return failureOf(h.client.execute(chat('waits'), { idempotencyKey: h.name, deadline: 1500 }));
    });
    expect(error.reason).toBe('circuit_open_timeout');
    const blocked = error.ledger?.entries.filter((entry) => entry.to === 'BLOCKED') ?? [];
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    expect(blocked[0]!.nextDelayMs).toBeLessThanOrEqual(1500);
    expect(h.fake.stats.received).toBe(0);
  });
});
