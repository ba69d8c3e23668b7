/**
 * Health transitions on a real worker: `/health` turns `degraded` (200) while a breaker is open or
 * the dead-letter queue grows, `unhealthy` (503) while Redis is down and the guard fails closed
 * (`degraded` when it fails open), and recovers by itself. The worker has a Redis of its own that
 * the test stops and starts again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import { chat, createHarness, eventually, startFakeProvider } from '../support/harness';

interface HealthBody {
  status: string;
  components: Record<string, { status: string; detail: string }>;
}

const COMPONENTS = ['temporal', 'pollers', 'redis', 'breakers', 'budgets', 'dlq', 'degraded', 'resilience'];

async function getHealth(url: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

/** Polls `/health` until it reports `status`. */
function healthBecomes(url: string, status: string): Promise<{ status: number; body: HealthBody }> {
  return eventually(async () => {
    const probe = await getHealth(url);
    return probe.body.status === status ? probe : undefined;
  }, 15_000);
}

/** The components that are not healthy, with their status. */
function unhealthyComponents(body: HealthBody): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body.components)
      .filter(([, component]) => component.status !== 'healthy')
      .map(([name, component]) => [name, component.status]),
  );
}

let fakeProvider: FakeProvider;
let redisDir: string;
let redis: RedisDevServer;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redisDir = mkdtempSync(join(tmpdir(), 'breakwater-health-redis-'));
  redis = await RedisDevServer.start({ dir: redisDir });
});

afterAll(async () => {
  await redis?.stop();
  await fakeProvider?.stop();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
});

function harness(label: string, env: Record<string, string> = {}) {
  return createHarness(
    fakeProvider,
    label,
    { HTTP_PORT: '0', RETRY_MAXIMUM_ATTEMPTS: '2', HEALTH_DLQ_GROWTH_SEC: '3', ...env },
    { redisUrl: redis.url, workerOptions: () => ({ registry: new Registry() }) },
  );
}

describe('health transitions', () => {
  it('is degraded while a breaker is open or the DLQ grows, unhealthy while Redis is down failing closed, and recovers by itself', async () => {
    const h = await harness('health');
    const url = `${h.worker.httpUrl}/health`;
    await h.run(async () => {
      await h.client.execute(chat('hello'), { idempotencyKey: `${h.name}-ok` });
      const healthy = await getHealth(url);
      expect(healthy.status).toBe(200);
      expect(healthy.body.status).toBe('healthy');
      expect(Object.keys(healthy.body.components)).toEqual(COMPONENTS);
      expect(healthy.body.components.breakers?.detail).toBe('fake CLOSED, fake-anthropic CLOSED');
      expect(healthy.body.components.degraded).toEqual({ status: 'healthy', detail: 'off' });
      expect(healthy.body.components.redis?.detail).toBe('answers; the guard is fail-closed');

      // A breaker forced open: degraded, 200, and healthy again once it may half-open.
      await h.worker.breaker.forceOpen('fake', 3000);
      const open = await getHealth(url);
      expect(open.status).toBe(200);
      expect(open.body.status).toBe('degraded');
      expect(unhealthyComponents(open.body)).toEqual({ breakers: 'degraded' });
      expect(open.body.components.breakers?.detail).toMatch(/^OPEN: fake \(half-open in [1-3]s\)$/);
      const halfOpen = await healthBecomes(url, 'healthy');
      expect(halfOpen.status).toBe(200);
      expect(halfOpen.body.components.breakers?.detail).toBe('fake HALF_OPEN, fake-anthropic CLOSED');
      await h.worker.breaker.reset('fake');

      // A task routed to the DLQ: degraded while the DLQ grew within HEALTH_DLQ_GROWTH_SEC.
      h.fake.inject({ fault: { kind: 'status', status: 503 } });
      await expect(h.client.execute(chat('doomed'), { idempotencyKey: `${h.name}-bad` })).rejects.toThrow();
      h.fake.reset();
      const growing = await getHealth(url);
      expect(growing.status).toBe(200);
      expect(unhealthyComponents(growing.body)).toEqual({ dlq: 'degraded' });
      expect(growing.body.components.dlq?.detail).toMatch(
        /^ai:dlq holds 1; growing: the newest was added \d+(ms|s) ago$/,
      );
      const drained = await healthBecomes(url, 'healthy');
      expect(drained.body.components.dlq?.detail).toBe('ai:dlq holds 1');

      // Redis down while the guard fails closed: unhealthy, 503; healthy again once it is back.
      await redis.stop();
      const down = await getHealth(url);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unhealthy');
      expect(down.body.components.redis?.status).toBe('unhealthy');
      expect(down.body.components.redis?.detail).toMatch(/fail-closed: every call waits BLOCKED$/);
      expect(down.body.components.pollers?.status).toBe('healthy');
      await redis.restart();
      const back = await healthBecomes(url, 'healthy');
      expect(back.status).toBe(200);
    });
  });

  it('is degraded, not unhealthy, while Redis is down and the guard fails open', async () => {
    const h = await harness('health-open', { GUARD_FAIL_OPEN: 'true' });
    const url = `${h.worker.httpUrl}/health`;
    await h.run(async () => {
      expect((await healthBecomes(url, 'healthy')).status).toBe(200);
      await redis.stop();
      try {
        const down = await getHealth(url);
        expect(down.status).toBe(200);
        expect(down.body.status).toBe('degraded');
        expect(down.body.components.redis?.status).toBe('degraded');
        expect(down.body.components.redis?.detail).toMatch(/fail-open: calls run without the guard$/);
      } finally {
        await redis.restart();
      }
      expect((await healthBecomes(url, 'healthy')).status).toBe(200);
    });
  });
});
