/**
 * The worker's operator endpoints (/metrics, /health, /ready) on a real worker, with a Redis of its
 * own that the test stops and starts again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import { stackConfig } from '../../src/testing/stack-config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { createWorker } from '../../src/worker/create-worker';
import {
  chat,
  eventually,
  FAST_POLICY_ENV,
  startFakeProvider,
  testLogger,
  uniqueName,
} from '../support/harness';

interface ReadyBody {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

interface HealthBody {
  status: string;
  components: Record<string, { status: string; detail: string }>;
}

async function getJson<Body>(url: string): Promise<{ status: number; body: Body }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Body };
}

const getHealth = (url: string) => getJson<HealthBody>(url);
const getReady = (url: string) => getJson<ReadyBody>(url);

let fakeProvider: FakeProvider;
let redisDir: string;
let redis: RedisDevServer;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redisDir = mkdtempSync(join(tmpdir(), 'breakwater-endpoints-redis-'));
  redis = await RedisDevServer.start({ dir: redisDir });
});

afterAll(async () => {
  await redis?.stop();
  await fakeProvider?.stop();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

describe('worker endpoints', () => {
  it('serves metrics, health and readiness, and follows a Redis outage', async () => {
    const stack = inject('stack');
    const name = uniqueName('endpoints');
    const fake = fakeProvider.scenario(name);
    const config = stackConfig(
      { temporalAddress: stack.temporalAddress, namespace: stack.namespace, redisUrl: redis.url, fake },
      {
        ...FAST_POLICY_ENV,
        HTTP_PORT: '0',
        TEMPORAL_TASK_QUEUE: name,
        REDIS_KEY_PREFIX: `t:${name}`,
      },
    );
    const worker = await createWorker(config, {
      logger: testLogger,
      workflowBundle: { codePath: stack.workflowBundlePath },
      registry: new Registry(),
    });
    const httpUrl = worker.httpUrl;
    expect(httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = BreakwaterClient.fromClient({
      client: new Client({ connection, namespace: stack.namespace }),
      taskQueue: config.temporal.taskQueue,
      policy: config.policy,
      taskDeadlineMs: config.taskDeadlineMs,
    });

    try {
      await worker.runUntil(async () => {
        const result = await client.execute(chat('metrics please'), { idempotencyKey: name });
        expect(result.ledger.state).toBe('DONE');

        const metrics = await fetch(`${httpUrl}/metrics`);
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get('content-type')).toContain('text/plain');
        const text = await metrics.text();
        expect(text).toContain('# TYPE ai_llm_calls_total counter');
        expect(text).toMatch(/^ai_llm_calls_total\{provider="fake",outcome="success"\} 1$/m);
        expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);

        const health = await getHealth(`${httpUrl}/health`);
        expect(health.status).toBe(200);
        expect(health.body.status).toBe('healthy');
        expect(health.body.components.pollers?.status).toBe('healthy');
        expect(health.body.components.redis?.status).toBe('healthy');
        const ready = await getReady(`${httpUrl}/ready`);
        expect(ready.status).toBe(200);
        expect(ready.body.status).toBe('ok');

        expect((await fetch(`${httpUrl}/nowhere`)).status).toBe(404);
        expect((await fetch(`${httpUrl}/health`, { method: 'POST' })).status).toBe(405);

        await redis.stop();
        const withoutRedis = await getHealth(`${httpUrl}/health`);
        expect(withoutRedis.status).toBe(503);
        expect(withoutRedis.body.status).toBe('unhealthy');
        expect(withoutRedis.body.components.redis?.status).toBe('unhealthy');
        const notReady = await getReady(`${httpUrl}/ready`);
        expect(notReady.status).toBe(503);
        expect(notReady.body.status).toBe('degraded');
        expect(notReady.body.checks.redis?.ok).toBe(false);
        expect(notReady.body.checks.redis?.detail).toEqual(expect.any(String));
        expect(notReady.body.checks.worker?.ok).toBe(true);

        await redis.restart();
        const recovered = await eventually(async () => {
          const probe = await getReady(`${httpUrl}/ready`);
          return probe.status === 200 ? probe : undefined;
        });
        expect(recovered.body).toMatchObject({ status: 'ok', checks: { redis: { ok: true } } });
      });
    } finally {
      await connection.close();
    }
    // The HTTP server goes away with the worker.
    await expect(fetch(`${httpUrl}/health`)).rejects.toThrow();
  });
});
