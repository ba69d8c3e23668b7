/**
 * `BreakwaterPlugin` on a worker the application creates itself: its own options win, Breakwater's
 * activities sit beside its own, the task runs to DONE, `/metrics` serves the Temporal SDK's series
 * of the Runtime that `installTemporalRuntime` installed, the plugin's connections close with the
 * worker, a replay worker finds Breakwater’s workflows by itself, and a Redis that refuses the
 * credentials stops the worker naming the variable.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { ConfigError } from '../../src/config';
import { BreakwaterPlugin } from '../../src/plugin/breakwater-plugin';
import { installTemporalRuntime } from '../../src/plugin/temporal-runtime';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, startFakeProvider, testLogger, type Harness } from '../support/harness';

let fakeProvider: FakeProvider;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});

afterAll(async () => {
  await fakeProvider.stop();
});

/** The application's side: a connection and its own `Worker.create` with the plugin, on the harness's queue; closed after `use`. */
async function withAppWorker(
  h: Harness,
  options: Partial<WorkerOptions>,
  use: (worker: Worker, plugin: BreakwaterPlugin) => Promise<void>,
): Promise<void> {
  const stack = inject('stack');
  const plugin = new BreakwaterPlugin({ config: h.config, logger: testLogger, registry: new Registry() });
  await installTemporalRuntime(testLogger);
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  try {
    const worker = await Worker.create({
      connection,
      namespace: stack.namespace,
      taskQueue: h.config.temporal.taskQueue,
      workflowBundle: { codePath: stack.workflowBundlePath },
      ...options,
      plugins: [plugin],
    });
    await use(worker, plugin);
  } finally {
    await connection.close().catch(() => undefined);
    await h.temporal.connection.close();
  }
}

describe('BreakwaterPlugin on an application’s own Worker.create', () => {
  it('adds the activities beside the application’s, keeps its options, runs a task to DONE, serves the SDK’s temporal_* series on /metrics and closes Redis with the worker', async () => {
    const h = await createHarness(
      fakeProvider,
      'plugin',
      { WORKER_SHUTDOWN_GRACE_MS: '2500', HTTP_PORT: '0' },
      { workers: 0 },
    );
    const options = {
      activities: { greet: async (name: string) => `hello ${name}` },
      maxConcurrentActivityTaskExecutions: 3,
    };
    await withAppWorker(h, options, async (worker, plugin) => {
      expect([...worker.options.activities.keys()].sort()).toEqual(['greet', 'llmCall', 'routeFailedTask']);
      expect(worker.options.tuner.activityTaskSlotSupplier).toMatchObject({ numSlots: 3 });
      expect(worker.options.shutdownGraceTimeMs).toBe(2500);

      let metrics = '';
      const result = await worker.runUntil(async () => {
        const done = await h.client.execute(chat('hello'), {
          idempotencyKey: h.name,
          operation: 'chat',
          agent: 'app',
        });
        const httpUrl = await plugin.workerServices.serve(worker);
        metrics = await (await fetch(`${httpUrl!}/metrics`)).text();
        return done;
      });
      expect(result.ledger.state).toBe('DONE');
      expect(metrics).toMatch(new RegExp(`^temporal_num_pollers\\{[^}]*task_queue="${h.name}"`, 'm'));
      expect(metrics).toMatch(/^ai_llm_calls_total\{provider="fake",outcome="success"\} 1$/m);
      expect(h.fake.stats.succeeded).toBe(1);
      await expect(plugin.workerServices.breaker.status('fake')).rejects.toThrow();

      const history = await h.client.temporal.workflow.getHandle(taskWorkflowId(h.name)).fetchHistory();
      const replayPlugin = new BreakwaterPlugin({
        config: h.config,
        logger: testLogger,
        registry: new Registry(),
      });
      await Worker.runReplayHistory({ plugins: [replayPlugin] }, history);
    });
  });

  it('leaves the slot counts to a tuner of the application’s own', async () => {
    const h = await createHarness(fakeProvider, 'plugin-tuner', {}, { workers: 0 });
    const slots = { type: 'fixed-size', numSlots: 2 } as const;
    const tuner = {
      workflowTaskSlotSupplier: slots,
      activityTaskSlotSupplier: slots,
      localActivityTaskSlotSupplier: slots,
      nexusTaskSlotSupplier: slots,
    };
    await withAppWorker(h, { tuner }, async (worker) => {
      expect(worker.options.tuner.activityTaskSlotSupplier).toMatchObject({ numSlots: 2 });
      await worker.runUntil(Promise.resolve());
    });
  });

  it('stops the worker with a ConfigError naming REDIS_PASSWORD when Redis refuses the credentials', async () => {
    const env = { REDIS_USERNAME: 'nobody', REDIS_PASSWORD: 'not-the-password' };
    const h = await createHarness(fakeProvider, 'plugin-auth', env, { workers: 0 });
    await withAppWorker(h, {}, async (worker) => {
      const stopped = await worker.run().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(stopped).toBeInstanceOf(ConfigError);
      expect((stopped as Error).message).toMatch(/^REDIS_PASSWORD: Redis refused user 'nobody'/);
      expect((stopped as Error).message).not.toContain('not-the-password');
      expect(worker.getState()).toBe('STOPPED');
    });
  });
});
