/**
 * `BreakwaterPlugin` on a worker the application creates itself: its own options win, Breakwater's
 * activities sit beside its own, the task runs to DONE, the plugin's connections close with the
 * worker, a replay worker finds Breakwater’s workflows by itself, and a Redis that refuses the
 * credentials stops the worker naming the variable.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { ConfigError } from '../../src/config';
import { BreakwaterPlugin } from '../../src/plugin/breakwater-plugin';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, startFakeProvider, testLogger } from '../support/harness';

let fakeProvider: FakeProvider;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});

afterAll(async () => {
  await fakeProvider.stop();
});

describe('BreakwaterPlugin on an application’s own Worker.create', () => {
  it('adds the activities beside the application’s, keeps its options, runs a task to DONE and closes Redis with the worker', async () => {
    const stack = inject('stack');
    const h = await createHarness(
      fakeProvider,
      'plugin',
      { WORKER_SHUTDOWN_GRACE_MS: '2500' },
      { workers: 0 },
    );
    const plugin = new BreakwaterPlugin({ config: h.config, logger: testLogger, registry: new Registry() });
    const connection = await NativeConnection.connect({ address: stack.temporalAddress });
    try {
      const worker = await Worker.create({
        connection,
        namespace: stack.namespace,
        taskQueue: h.config.temporal.taskQueue,
        workflowBundle: { codePath: stack.workflowBundlePath },
        activities: { greet: async (name: string) => `hello ${name}` },
        maxConcurrentActivityTaskExecutions: 3,
        plugins: [plugin],
      });
      expect([...worker.options.activities.keys()].sort()).toEqual(['greet', 'llmCall', 'routeFailedTask']);
      expect(worker.options.tuner.activityTaskSlotSupplier).toMatchObject({ numSlots: 3 });
      expect(worker.options.shutdownGraceTimeMs).toBe(2500);

      const result = await worker.runUntil(
        h.client.execute(chat('hello'), { idempotencyKey: h.name, operation: 'chat', agent: 'app' }),
      );
      expect(result.ledger.state).toBe('DONE');
      expect(h.fake.stats.succeeded).toBe(1);
      await expect(plugin.workerServices.breaker.status('fake')).rejects.toThrow();

      const history = await h.client.temporal.workflow.getHandle(taskWorkflowId(h.name)).fetchHistory();
      await Worker.runReplayHistory(
        {
          plugins: [new BreakwaterPlugin({ config: h.config, logger: testLogger, registry: new Registry() })],
        },
        history,
      );
    } finally {
      await connection.close().catch(() => undefined);
      await h.temporal.connection.close();
    }
  });

  it('leaves the slot counts to a tuner of the application’s own', async () => {
    const stack = inject('stack');
    const h = await createHarness(fakeProvider, 'plugin-tuner', {}, { workers: 0 });
    const connection = await NativeConnection.connect({ address: stack.temporalAddress });
    const slots = { type: 'fixed-size', numSlots: 2 } as const;
    try {
      const worker = await Worker.create({
        connection,
        namespace: stack.namespace,
        taskQueue: h.config.temporal.taskQueue,
        workflowBundle: { codePath: stack.workflowBundlePath },
        tuner: {
          workflowTaskSlotSupplier: slots,
          activityTaskSlotSupplier: slots,
          localActivityTaskSlotSupplier: slots,
          nexusTaskSlotSupplier: slots,
        },
        plugins: [new BreakwaterPlugin({ config: h.config, logger: testLogger, registry: new Registry() })],
      });
      expect(worker.options.tuner.activityTaskSlotSupplier).toMatchObject({ numSlots: 2 });
      await worker.runUntil(Promise.resolve());
    } finally {
      await connection.close().catch(() => undefined);
      await h.temporal.connection.close();
    }
  });

  it('stops the worker with a ConfigError naming REDIS_PASSWORD when Redis refuses the credentials', async () => {
    const stack = inject('stack');
    const h = await createHarness(
      fakeProvider,
      'plugin-auth',
      { REDIS_USERNAME: 'nobody', REDIS_PASSWORD: 'not-the-password' },
      { workers: 0 },
    );
    const connection = await NativeConnection.connect({ address: stack.temporalAddress });
    try {
      const worker = await Worker.create({
        connection,
        namespace: stack.namespace,
        taskQueue: h.config.temporal.taskQueue,
        workflowBundle: { codePath: stack.workflowBundlePath },
        plugins: [new BreakwaterPlugin({ config: h.config, logger: testLogger, registry: new Registry() })],
      });
      const stopped = await worker.run().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(stopped).toBeInstanceOf(ConfigError);
      expect((stopped as Error).message).toMatch(/^REDIS_PASSWORD: Redis refused user 'nobody'/);
      expect((stopped as Error).message).not.toContain('not-the-password');
      expect(worker.getState()).toBe('STOPPED');
    } finally {
      await connection.close().catch(() => undefined);
      await h.temporal.connection.close();
    }
  });
});
