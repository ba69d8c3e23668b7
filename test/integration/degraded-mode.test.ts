/**
 * Degraded mode, cluster-wide in Redis, on a real Temporal dev server, a real Redis and the fake
 * provider: parking while every breaker is open, refusing when read-only is off, a task whose own
 * providers are all open, the operator's switch, Redis unreachable, and clearing by itself.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskWorkflowId } from '../../src/client/workflow-id';
import { DegradedMode } from '../../src/degraded/degraded-mode';
import { SubmitGate } from '../../src/degraded/submit-gate';
import { isServiceDegradedError, ServiceDegradedError } from '../../src/errors';
import { createRedis, type RedisConnection } from '../../src/redis/connection';
import { DegradedScripts } from '../../src/redis/degraded-scripts';
import { KeySpace } from '../../src/redis/keys';
import { freePort } from '../../src/free-port';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { FAKE_ANTHROPIC, FAKE_OPENAI } from '../../src/testing/stack-config';
import { json, runCli } from '../support/cli';
import { degradedModeOf, gatedClient } from '../support/degraded';
import {
  chat,
  connectStackRedis,
  createHarness,
  eventually,
  logCapture,
  startFakeProvider,
  type Harness,
} from '../support/harness';

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

/** One probe success closes a breaker, so degraded mode clears with the first task that gets through. */
const ENV = { BREAKER_SUCCESS_THRESHOLD: '1', MAX_BLOCKED_MS: '30000' };

/** Waits until the worker registered every configured provider's breaker, then opens them all for `ms`. */
async function openEveryBreaker(h: Harness, ms: number): Promise<void> {
  const breaker = h.worker.breaker;
  await eventually(async () => ((await breaker.knownProviders()).length === 2 ? true : undefined));
  await breaker.forceOpen(FAKE_OPENAI, ms);
  await breaker.forceOpen(FAKE_ANTHROPIC, ms);
}

/** The alert events raised on the harness's prefix, oldest first. */
async function alertEvents(h: Harness): Promise<Array<Record<string, unknown>>> {
  const entries = await redis.xrange(new KeySpace(h.config.redis.keyPrefix).key('alertStream'), '-', '+');
  return entries.map(
    ([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]!) as Record<string, unknown>,
  );
}

/** The CLI's environment for the harness's Redis, prefix and task queue. */
function cliEnv(h: Harness): Record<string, string> {
  return {
    REDIS_URL: h.config.redis.url,
    REDIS_KEY_PREFIX: h.config.redis.keyPrefix,
    TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
    LOG_LEVEL: 'warn',
  };
}

describe('degraded mode', () => {
  it('parks a submit while every breaker is open; the task completes after recovery and degraded mode clears by itself', async () => {
    const h = await createHarness(fakeProvider, 'degraded-park', ENV);
    const client = gatedClient(h.config, h.temporal, redis);
    const mode = degradedModeOf(h, redis);
    await h.run(async () => {
      expect((await mode.status()).active).toBe(false);
      await openEveryBreaker(h, 3000);
      const degraded = await mode.status();
      expect(degraded).toMatchObject({ active: true, reason: 'all_breakers_open', forced: false });

      const handle = await client.submit(chat('parked task'), { idempotencyKey: `${h.name}-1` });
      expect(handle.accepted).toBe('parked');
      const result = await client.result(handle.idempotencyKey);
      expect(result.ledger.state).toBe('DONE');
      expect(result.ledger.entries.map((entry) => entry.to)).toContain('BLOCKED');

      const cleared = await eventually(async () => {
        const status = await mode.status();
        return status.active ? undefined : status;
      });
      expect(cleared).toMatchObject({ active: false, reason: null, waiting: { QUEUED: 0, BLOCKED: 0 } });
      expect((await client.submit(chat('after recovery'), { idempotencyKey: `${h.name}-2` })).accepted).toBe(
        'started',
      );
      await client.result(`${h.name}-2`);
    });
    const degradedEvents = (await alertEvents(h)).filter((event) =>
      String(event.event).startsWith('degraded'),
    );
    expect(degradedEvents.map((event) => [event.event, event.reason])).toEqual([
      ['degraded_on', 'all_breakers_open'],
      ['degraded_off', 'all_breakers_open'],
    ]);
  });

  it('with read-only off, refuses the submit with ServiceDegradedError naming the reason, and starts nothing', async () => {
    const h = await createHarness(fakeProvider, 'degraded-refuse', {
      ...ENV,
      DEGRADED_READONLY_ENABLED: 'false',
    });
    const client = gatedClient(h.config, h.temporal, redis);
    await h.run(async () => {
      await openEveryBreaker(h, 20_000);
      const key = `${h.name}-refused`;
      const error = await client
        .submit(chat('refused task'), { idempotencyKey: key })
        .catch((e: unknown) => e);
      expect(isServiceDegradedError(error)).toBe(true);
      const refused = error as ServiceDegradedError;
      expect(refused.reason).toBe('all_breakers_open');
      expect(refused.message).toContain('all_breakers_open');
      expect(refused.retryAfterSec).toBeGreaterThan(0);
      expect(refused.retryAfterSec).toBeLessThanOrEqual(20);
      expect(refused.toResponse()).toEqual({
        error: 'service_degraded',
        reason: 'all_breakers_open',
        retry_after_sec: refused.retryAfterSec,
      });
      await expect(h.temporal.workflow.getHandle(taskWorkflowId(key)).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
      expect((await degradedModeOf(h, redis).status()).waiting).toEqual({ QUEUED: 0, BLOCKED: 0 });
    });
  });

  it('parks a task whose own provider and fallbacks are all open, while others serve', async () => {
    const h = await createHarness(fakeProvider, 'degraded-own', ENV);
    const client = gatedClient(h.config, h.temporal, redis);
    await h.run(async () => {
      await eventually(async () =>
        (await h.worker.breaker.knownProviders()).length === 2 ? true : undefined,
      );
      await h.worker.breaker.forceOpen(FAKE_OPENAI, 2000);
      expect((await degradedModeOf(h, redis).status()).active).toBe(false);
      const own = await client.submit(chat('own provider open'), { idempotencyKey: `${h.name}-own` });
      expect(own.accepted).toBe('parked');
      const other = await client.submit(chat('other provider', FAKE_ANTHROPIC), {
        idempotencyKey: `${h.name}-other`,
      });
      expect(other.accepted).toBe('started');
      const withFallback = await client.submit(chat('falls back'), {
        idempotencyKey: `${h.name}-fallback`,
        fallbacks: [{ provider: FAKE_ANTHROPIC }],
      });
      expect(withFallback.accepted).toBe('started');
      const results = await Promise.all(
        [own, other, withFallback].map((t) => client.result(t.idempotencyKey)),
      );
      expect(results.map((result) => result.ledger.state)).toEqual(['DONE', 'DONE', 'DONE']);
    });
  });

  it('is forced on and off by `breakwater degraded on|off`, audited, and refuses with reason forced meanwhile', async () => {
    const h = await createHarness(fakeProvider, 'degraded-forced', {
      ...ENV,
      DEGRADED_READONLY_ENABLED: 'false',
      DEGRADED_RETRY_AFTER_SEC: '17',
    });
    const client = gatedClient(h.config, h.temporal, redis);
    await h.run(async () => {
      const on = await runCli(['degraded', 'on'], cliEnv(h));
      expect(on.code, on.stderr).toBe(0);
      expect(on.stdout).toContain('degraded mode forced on');
      const audit = JSON.parse(on.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
      expect(audit).toMatchObject({ msg: 'degraded operator action', action: 'on', active: true });

      const error = await client
        .submit(chat('while forced'), { idempotencyKey: `${h.name}-forced` })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceDegradedError);
      expect(error).toMatchObject({ reason: 'forced', retryAfterSec: 17 });
      const status = await json<Record<string, unknown>>(runCli(['degraded', 'status', '--json'], cliEnv(h)));
      expect(status).toMatchObject({ active: true, reason: 'forced', forced: true });
      expect(status.submits).toMatchObject({ refusedDegraded: 1 });

      const off = await runCli(['degraded', 'off'], cliEnv(h));
      expect(off.code, off.stderr).toBe(0);
      expect(off.stdout).toContain('degraded mode off');
      const handle = await client.submit(chat('after off'), { idempotencyKey: `${h.name}-after` });
      expect(handle.accepted).toBe('started');
      await client.result(handle.idempotencyKey);
    });
    expect((await alertEvents(h)).map((event) => [event.event, event.reason])).toEqual([
      ['degraded_on', 'forced'],
      ['degraded_off', 'forced'],
    ]);
  });

  it('forced on, holds calls too: a parked task waits BLOCKED (degraded) until `degraded off`, then completes', async () => {
    const h = await createHarness(fakeProvider, 'degraded-hold', { ...ENV, DEGRADED_RETRY_AFTER_SEC: '1' });
    const client = gatedClient(h.config, h.temporal, redis);
    const mode = degradedModeOf(h, redis);
    await h.run(async () => {
      await mode.force(true, 'test');
      const handle = await client.submit(chat('held while forced'), { idempotencyKey: `${h.name}-held` });
      expect(handle.accepted).toBe('parked');
      await eventually(async () => ((await mode.status()).waiting?.BLOCKED === 1 ? true : undefined));
      const ledger = await client.getLedger(handle.idempotencyKey);
      expect(ledger.entries.find((entry) => entry.to === 'BLOCKED')?.reason).toBe('degraded');
      expect(h.fake.stats.received).toBe(0);
      await mode.force(false, 'test');
      const result = await client.result(handle.idempotencyKey);
      expect(result.ledger.state).toBe('DONE');
      expect(result.attempts).toBe(1);
    });
  });

  it('with RESILIENCE_ENABLED=false, runs calls without the guard and says so loudly at start', async () => {
    const { logger, lines } = logCapture();
    const h = await createHarness(
      fakeProvider,
      'resilience-off',
      { RESILIENCE_ENABLED: 'false' },
      { workerOptions: () => ({ logger }) },
    );
    expect(h.worker.resilienceEnabled).toBe(false);
    expect((await h.worker.degradedMode.status()).resilienceEnabled).toBe(false);
    await h.run(async () => {
      // An open breaker is not consulted: nothing guards the call.
      await h.worker.breaker.forceOpen(FAKE_OPENAI, 60_000);
      const result = await h.client.execute(chat('unguarded call'), { idempotencyKey: `${h.name}-1` });
      expect(result.ledger.entries.map((entry) => entry.to)).toEqual(['QUEUED', 'RUNNING', 'DONE']);
    });
    expect(h.fake.stats.succeeded).toBe(1);
    const warnings = lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(warnings).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: expect.stringContaining('RESILIENCE_ENABLED=false') }),
    );
  });

  it('is on with reason guard_unavailable while Redis cannot be reached', async () => {
    const unreachable = createRedis({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 500 });
    unreachable.on('error', () => undefined);
    try {
      const scripts = new DegradedScripts(unreachable, new KeySpace('t:unreachable'));
      const settings = { queueLimit: 10, readonly: true, retryAfterSec: 9, reconcileMs: 1000 };
      const task = { taskQueue: 'q', workflowId: 'w', priority: 'low' as const, providers: ['fake'] };
      expect(await new SubmitGate({ scripts, settings }).admit(task)).toBe('parked');
      const refused = await new SubmitGate({ scripts, settings: { ...settings, readonly: false } })
        .admit(task)
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({
        type: 'ServiceDegradedError',
        reason: 'guard_unavailable',
        retryAfterSec: 9,
      });
      const mode = new DegradedMode({ scripts, settings, resilienceEnabled: true, taskQueue: 'q' });
      expect(await mode.status()).toMatchObject({ active: true, reason: 'guard_unavailable' });
    } finally {
      unreachable.disconnect();
    }
  });
});
