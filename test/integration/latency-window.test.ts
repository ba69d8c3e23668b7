/** The rolling latency in the function library (`lua/_latency.lua`): recorded by settle, read by admit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config';
import { percentile } from '../../src/percentiles';
import type { RedisConnection } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { LatencySample } from '../../src/redis/script-arguments';
import { connectStackRedis, uniqueName } from '../support/harness';

const breaker = defaultConfig().breaker;
let redis: RedisConnection;
let other: RedisConnection;

beforeAll(async () => {
  [redis, other] = await Promise.all([connectStackRedis(), connectStackRedis()]);
});
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit()]);
});

let attempts = 0;

/** Admits one call to `model` and returns its admission. */
async function admit(scripts: GuardScripts, model: string | undefined, attemptId = `a-${++attempts}`) {
  const outcome = await scripts.admit({
    provider: 'fake',
    attemptId,
    leaseMs: 30_000,
    breaker,
    random: 0,
    ...(model === undefined ? {} : { model }),
  });
  if (outcome.code !== 'admitted') throw new Error(`not admitted: ${outcome.code}`);
  return { attemptId, outcome };
}

/** One successful call to `model` that took `totalMs` (and `firstTokenMs`, for a stream). */
async function succeed(scripts: GuardScripts, sample: LatencySample) {
  const { attemptId } = await admit(scripts, sample.model);
  await scripts.settle({
    provider: 'fake',
    attemptId,
    outcome: 'success',
    workerId: 'w1',
    breaker,
    latency: sample,
  });
}

describe('rolling latency', () => {
  it("gives an admission its model's p95 by nearest rank, as src/percentiles.ts computes it", async () => {
    const scripts = new GuardScripts(redis, new KeySpace(uniqueName('lat')));
    const samples = Array.from({ length: 37 }, (_, index) => 100 + ((index * 7919) % 1000));
    for (const totalMs of samples) await succeed(scripts, { model: 'm', totalMs });
    const { outcome } = await admit(scripts, 'm');
    expect(outcome.latency).toEqual({
      total: { p95Ms: percentile(samples, 95), samples: 37 },
      firstToken: { p95Ms: 0, samples: 0 },
    });
    expect((await admit(scripts, undefined)).outcome.latency).toBeUndefined();
    expect((await admit(scripts, 'other-model')).outcome.latency).toEqual({
      total: { p95Ms: 0, samples: 0 },
      firstToken: { p95Ms: 0, samples: 0 },
    });
  });

  it('keeps the last 100 samples only: a model that got faster is judged by its recent calls', async () => {
    const keys = new KeySpace(uniqueName('lat'));
    const scripts = new GuardScripts(redis, keys);
    for (let i = 0; i < 30; i++) await succeed(scripts, { model: 'm', totalMs: 50_000 });
    for (let i = 0; i < 100; i++) await succeed(scripts, { model: 'm', totalMs: 200 + i });
    const { outcome } = await admit(scripts, 'm');
    expect(outcome.latency?.total).toEqual({ p95Ms: 294, samples: 100 });
    expect(await redis.llen(keys.key('latencySamples', 'total', 'fake', 'm'))).toBe(100);
    expect(await redis.pttl(keys.key('latencySummary', 'fake', 'm'))).toBeGreaterThan(0);
  });

  it('once the window is full, computes the p95 again every 10th sample', async () => {
    const scripts = new GuardScripts(redis, new KeySpace(uniqueName('lat')));
    for (let i = 0; i < 100; i++) await succeed(scripts, { model: 'm', totalMs: 100 });
    for (let i = 0; i < 9; i++) await succeed(scripts, { model: 'm', totalMs: 9000 });
    expect((await admit(scripts, 'm')).outcome.latency?.total).toEqual({ p95Ms: 100, samples: 100 });
    await succeed(scripts, { model: 'm', totalMs: 9000 });
    expect((await admit(scripts, 'm')).outcome.latency?.total).toEqual({ p95Ms: 9000, samples: 100 });
  });

  it("keeps a stream's time to first token apart from its total time", async () => {
    const scripts = new GuardScripts(redis, new KeySpace(uniqueName('lat')));
    for (let i = 1; i <= 20; i++)
      await succeed(scripts, { model: 'm', totalMs: 2000 + i, firstTokenMs: 300 + i });
    await succeed(scripts, { model: 'm', totalMs: 900 });
    const { outcome } = await admit(scripts, 'm');
    expect(outcome.latency).toEqual({
      total: { p95Ms: 2019, samples: 21 },
      firstToken: { p95Ms: 319, samples: 20 },
    });
  });

  it('records a sample once per attempt, however often its settle is delivered', async () => {
    const scripts = new GuardScripts(redis, new KeySpace(uniqueName('lat')));
    const { attemptId } = await admit(scripts, 'm');
    const settle = { provider: 'fake', attemptId, outcome: 'success' as const, workerId: 'w1', breaker };
    await scripts.settle({ ...settle, latency: { model: 'm', totalMs: 500 } });
    await scripts.settle({ ...settle, latency: { model: 'm', totalMs: 500 } });
    expect((await admit(scripts, 'm')).outcome.latency?.total.samples).toBe(1);
  });

  it('is shared: what one connection records, another reads on its next admission', async () => {
    const prefix = uniqueName('lat');
    const recorder = new GuardScripts(redis, new KeySpace(prefix));
    const reader = new GuardScripts(other, new KeySpace(prefix));
    for (let i = 0; i < 5; i++) await succeed(recorder, { model: 'm', totalMs: 700 });
    expect((await admit(reader, 'm')).outcome.latency?.total).toEqual({ p95Ms: 700, samples: 5 });
  });
});
