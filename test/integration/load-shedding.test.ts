/**
 * Load shedding on a real Temporal dev server, a real Redis and the fake provider: past
 * DEGRADED_QUEUE_LIMIT waiting tasks, low and normal submits are refused with OverloadedError while
 * high and critical pass; the count recovers as tasks finish; and it survives a worker killed with
 * SIGKILL, the reconciliation with Temporal visibility repairing the drift.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import type { TaskHandle } from '../../src/client/breakwater-client';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { loadConfig } from '../../src/config';
import { SubmitGate } from '../../src/degraded/submit-gate';
import { isOverloadedError, type OverloadedError } from '../../src/errors';
import type { RedisConnection } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import type { Priority } from '../../src/task';
import { createWorker } from '../../src/worker/create-worker';
import { killRunning } from '../support/cli';
import { degradedModeOf, degradedScripts, gatedClient } from '../support/degraded';
import {
  chat,
  connectStackRedis,
  createHarness,
  eventually,
  startFakeProvider,
  testLogger,
  uniqueName,
} from '../support/harness';
import { mainEnv, startMain, untilHealthy } from '../support/worker-main';

let fakeProvider: FakeProvider;
let redis: RedisConnection;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = await connectStackRedis(2000);
});
afterAll(async () => {
  await fakeProvider.stop();
  await redis.quit();
});
afterEach(() => {
  killRunning();
});

describe('load shedding', () => {
  it('refuses low and normal submits past the limit, lets high and critical pass, and recovers as tasks finish', async () => {
    const registry = new Registry();
    const h = await createHarness(
      fakeProvider,
      'shedding',
      { DEGRADED_QUEUE_LIMIT: '5', DEGRADED_RETRY_AFTER_SEC: '12', WORKER_MAX_CONCURRENT_ACTIVITIES: '1' },
      { workerOptions: () => ({ registry }) },
    );
    h.fake.inject({ fault: { kind: 'latency', latencyMs: 200 } });
    const client = gatedClient(h.config, h.temporal, redis);
    const mode = degradedModeOf(h, redis);
    const submit = (id: string, priority: Priority) =>
      client.submit(chat(`task ${id}`), { idempotencyKey: `${h.name}-${id}`, priority });
    const refusalOf = async (id: string, priority: Priority) => {
      const error = await submit(id, priority).catch((e: unknown) => e);
      expect(isOverloadedError(error), String(error)).toBe(true);
      return error as OverloadedError;
    };

    // The workers do not poll yet: every accepted task waits QUEUED.
    const accepted: TaskHandle[] = [];
    for (let i = 0; i < 5; i += 1) accepted.push(await submit(`t${i}`, i % 2 === 0 ? 'low' : 'normal'));
    expect(accepted.map((handle) => handle.accepted)).toEqual(Array(5).fill('started'));
    expect((await mode.status()).waiting).toEqual({ QUEUED: 5, BLOCKED: 0 });

    const low = await refusalOf('shed-low', 'low');
    expect(low).toMatchObject({ waiting: 5, limit: 5, retryAfterSec: 12 });
    expect(low.toResponse()).toEqual({ error: 'overloaded', reason: 'queue_limit', retry_after_sec: 12 });
    expect(low.message).toContain('DEGRADED_QUEUE_LIMIT');
    await refusalOf('shed-normal', 'normal');
    for (const id of ['shed-low', 'shed-normal']) {
      await expect(
        h.temporal.workflow.getHandle(taskWorkflowId(`${h.name}-${id}`)).describe(),
      ).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    const critical = await submit('critical', 'critical');
    const high = await submit('high', 'high');
    expect([critical.accepted, high.accepted]).toEqual(['started', 'started']);
    expect((await mode.status()).waiting).toEqual({ QUEUED: 7, BLOCKED: 0 });

    await h.run(async () => {
      const results = await Promise.all(
        [...accepted, critical, high].map((handle) => client.result(handle.idempotencyKey)),
      );
      expect(results.every((result) => result.ledger.state === 'DONE')).toBe(true);
      expect((await mode.status()).waiting).toEqual({ QUEUED: 0, BLOCKED: 0 });
      const again = await submit('after', 'low');
      expect(again.accepted).toBe('started');
      await client.result(again.idempotencyKey);

      const metrics = await registry.metrics();
      expect(metrics).toContain('ai_submits_shed_total{priority="low"} 1');
      expect(metrics).toContain('ai_submits_shed_total{priority="normal"} 1');
      expect(metrics).toContain('ai_submits_shed_total{priority="critical"} 0');
      expect(metrics).toContain('ai_tasks_waiting{state="QUEUED"} 0');
      expect(metrics).toContain('ai_degraded_active 0');
    });
  });

  it('keeps the count through a worker killed with SIGKILL; the reconciliation with visibility repairs drift', async () => {
    const stack = inject('stack');
    const name = uniqueName('shed-kill');
    const { env, port } = await mainEnv(name, fakeProvider.scenario(name), {
      DEGRADED_RECONCILE_SEC: '1',
      BREAKER_SUCCESS_THRESHOLD: '1',
      MAX_BLOCKED_MS: '60000',
    });
    const config = loadConfig(env);
    const keys = new KeySpace(config.redis.keyPrefix);
    const breaker = new RedisBreaker({
      scripts: new GuardScripts(redis, keys),
      settings: config.breaker,
      workerId: 'test',
    });
    const scripts = degradedScripts(config, redis);
    const counts = async () => (await scripts.degradedControl('status', { taskQueue: name })).waiting;

    const first = startMain(env);
    await untilHealthy(first, port, 30_000);
    await eventually(async () => ((await breaker.knownProviders()).includes('fake') ? true : undefined));
    await breaker.forceOpen('fake', 15_000);

    const connection = await Connection.connect({ address: stack.temporalAddress });
    const temporal = new Client({ connection, namespace: stack.namespace });
    try {
      const client = gatedClient(config, temporal, redis);
      const keysOf = Array.from({ length: 6 }, (_, i) => `${name}-${i}`);
      const handles: TaskHandle[] = [];
      for (const key of keysOf)
        handles.push(await client.submit(chat(`parked ${key}`), { idempotencyKey: key }));
      expect(handles.every((handle) => handle.accepted === 'parked')).toBe(true);
      await eventually(async () => ((await counts()).BLOCKED === 6 ? true : undefined), 15_000);

      process.kill(-first.child.pid!, 'SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(await counts()).toEqual({ QUEUED: 0, BLOCKED: 6 });

      // Drift: two tasks terminated by an operator while they waited, and a submit whose start was lost.
      for (const key of keysOf.slice(0, 2)) {
        await temporal.workflow.getHandle(taskWorkflowId(key)).terminate('operator');
      }
      const gate = new SubmitGate({ scripts, settings: config.degraded });
      const lost = {
        taskQueue: name,
        workflowId: `${name}-lost`,
        priority: 'low' as const,
        providers: ['fake'],
      };
      expect(await gate.admit(lost)).toBe('parked');
      expect(await counts()).toEqual({ QUEUED: 1, BLOCKED: 6 });

      const second = await createWorker(
        { ...config, worker: { ...config.worker, httpPort: -1 } },
        { logger: testLogger, workflowBundle: { codePath: stack.workflowBundlePath } },
      );
      await second.runUntil(async () => {
        await eventually(async () => {
          const now = await counts();
          return now.QUEUED === 0 && now.BLOCKED === 4 ? now : undefined;
        }, 12_000);
        const results = await Promise.all(keysOf.slice(2).map((key) => client.result(key)));
        expect(results.every((result) => result.ledger.state === 'DONE')).toBe(true);
        // A reconciliation that read visibility before it caught up may count a resumed task again
        // for a moment: the next one, past the grace, removes it.
        await eventually(async () => {
          const now = await counts();
          return now.QUEUED === 0 && now.BLOCKED === 0 ? now : undefined;
        }, 15_000);
      });
    } finally {
      await connection.close();
    }
  });
});
