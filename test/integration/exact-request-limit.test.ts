/**
 * The request limit is exact per minute (`lua/_requestring.lua`): at most `rpm` admissions in any
 * 60 s, for a provider, an operation and a tool, while the steady rate still reaches `rpm`. Driven
 * over simulated time (the scripts' test clock) on a redis-server of this file's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config';
import type { RateLimit } from '../../src/ratelimit/types';
import { createRedis, waitUntilReady, type RedisConnection } from '../../src/redis/connection';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import { ToolScripts } from '../../src/redis/tool-scripts';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import { uniqueName } from '../support/harness';

const MINUTE_MS = 60_000;
const START = 1_800_000_000_000;
const breaker = defaultConfig().breaker;

let dir: string;
let server: RedisDevServer;
let redis: RedisConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-request-limit-'));
  server = await RedisDevServer.start({ dir });
  redis = createRedis({ url: server.url, commandTimeoutMs: 5000 });
  await waitUntilReady(redis);
});
afterAll(async () => {
  await redis.quit();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One admission (settled at once when admitted) at `now` under `rate`: admitted, or the wait it was told. */
type Admit = (
  rate: RateLimit,
  now: number,
) => Promise<{ admitted: true } | { admitted: false; retryAfterMs: number }>;

const limited = (rate: RateLimit) => ({ rpm: rate.rpm, tpm: 0, burst: rate.burst, tokenBurst: 1 });

function providerLimit(): Admit {
  const scripts = new GuardScripts(redis, new KeySpace(uniqueName('provider')));
  let attempt = 0;
  return async (rate, now) => {
    const attemptId = `a${attempt++}`;
    const outcome = await scripts.admit({
      provider: 'fake',
      attemptId,
      leaseMs: 30_000,
      breaker,
      rate,
      random: 0,
      clock: now,
    });
    if (outcome.code === 'rate_limited') return { admitted: false, retryAfterMs: outcome.retryAfterMs };
    expect(outcome.code).toBe('admitted');
    await scripts.settle({
      provider: 'fake',
      attemptId,
      outcome: 'success',
      workerId: 'w',
      breaker,
      rate,
      clock: now,
    });
    return { admitted: true };
  };
}

function operationLimit(): Admit {
  const scripts = new GuardScripts(redis, new KeySpace(uniqueName('operation')));
  let attempt = 0;
  return async (operationRate, now) => {
    const attemptId = `a${attempt++}`;
    const call = {
      provider: 'fake',
      attemptId,
      operation: 'search',
      operationRate,
      breaker,
      random: 0,
      clock: now,
    };
    const outcome = await scripts.admit({ ...call, leaseMs: 30_000 });
    if (outcome.code === 'rate_limited') {
      expect(outcome.bucket).toBe('op:search');
      return { admitted: false, retryAfterMs: outcome.retryAfterMs };
    }
    expect(outcome.code).toBe('admitted');
    await scripts.settle({ ...call, outcome: 'success', workerId: 'w' });
    return { admitted: true };
  };
}

function toolLimit(): Admit {
  const scripts = new ToolScripts(redis, new KeySpace(uniqueName('tool')));
  let attempt = 0;
  return async (rate, now) => {
    const attemptId = `a${attempt++}`;
    const settings = { breaker, rate };
    const outcome = await scripts.admit({
      tool: 'search',
      attemptId,
      leaseMs: 30_000,
      settings,
      workflowId: '',
      maxCallsPerTask: 0,
      random: 0,
      clock: now,
    });
    if (outcome.code === 'rate_limited') return { admitted: false, retryAfterMs: outcome.retryAfterMs };
    expect(outcome.code).toBe('admitted');
    await scripts.settle({
      tool: 'search',
      attemptId,
      outcome: 'success',
      workerId: 'w',
      settings,
      clock: now,
    });
    return { admitted: true };
  };
}

/**
 * A caller that always has work: admits as much as it may from `from` until `to`, and when refused
 * tries again after the wait it was told, which must then admit it. Returns the admission times.
 */
async function saturate(admit: Admit, rate: RateLimit, from: number, to: number): Promise<number[]> {
  const times: number[] = [];
  let now = from;
  let toldToWait = false;
  while (now < to) {
    const outcome = await admit(rate, now);
    if (outcome.admitted) {
      times.push(now);
      toldToWait = false;
      continue;
    }
    expect(toldToWait, `admitted after the wait it was told, at ${now - START} ms`).toBe(false);
    expect(outcome.retryAfterMs).toBeGreaterThan(0);
    toldToWait = true;
    now += outcome.retryAfterMs;
  }
  return times;
}

/** The most admissions in any 60 s, among those at or after `since`, counting every admission before them. */
function peakPerMinute(times: number[], since = -Infinity): number {
  let peak = 0;
  for (const at of times.filter((time) => time >= since)) {
    peak = Math.max(peak, times.filter((time) => time > at - MINUTE_MS && time <= at).length);
  }
  return peak;
}

const count = (times: number[], from: number, to: number) => times.filter((t) => t >= from && t < to).length;

describe('exact request limit per minute (real Redis, simulated time)', () => {
  const rate = limited({ rpm: 60, tpm: 0, burst: 10, tokenBurst: 1 });

  it.each([
    ['a provider', providerLimit],
    ['an operation', operationLimit],
    ['a tool', toolLimit],
  ])('%s: no 60 s holds more than rpm, the burst goes at once, the steady rate is rpm', async (_, limit) => {
    const times = await saturate(limit(), rate, START, START + 5 * MINUTE_MS);
    expect(peakPerMinute(times)).toBe(rate.rpm);
    expect(count(times, START, START + 1)).toBe(rate.burst);
    for (let minute = 1; minute < 5; minute++) {
      const from = START + minute * MINUTE_MS;
      expect(count(times, from, from + MINUTE_MS), `minute ${minute}`).toBe(rate.rpm);
    }
  });

  it.each([
    ['a provider', providerLimit],
    ['an operation', operationLimit],
    ['a tool', toolLimit],
  ])('%s: a lower rpm holds from the change on, counting the admissions before it', async (_, limit) => {
    const admit = limit();
    const changedAt = START + 2 * MINUTE_MS + 30_000;
    const before = await saturate(admit, rate, START, changedAt);
    const lower = { ...rate, rpm: 20 };
    const after = await saturate(admit, lower, changedAt, changedAt + 3 * MINUTE_MS);
    const times = [...before, ...after];
    expect(peakPerMinute(times, changedAt)).toBe(lower.rpm);
    // Nothing goes until the minute before the change holds fewer than 20.
    expect(after[0]! - changedAt).toBeGreaterThanOrEqual(
      MINUTE_MS - ((lower.rpm + 1) * MINUTE_MS) / rate.rpm,
    );
    const steady = changedAt + 2 * MINUTE_MS;
    expect(count(times, steady, steady + MINUTE_MS)).toBe(lower.rpm);
  });

  it.each([
    ['a provider', providerLimit],
    ['an operation', operationLimit],
    ['a tool', toolLimit],
  ])('%s: a higher rpm holds, and is reached, from the change on', async (_, limit) => {
    const admit = limit();
    const changedAt = START + 2 * MINUTE_MS + 30_000;
    const before = await saturate(admit, rate, START, changedAt);
    const higher = { ...rate, rpm: 120 };
    const after = await saturate(admit, higher, changedAt, changedAt + 3 * MINUTE_MS);
    const times = [...before, ...after];
    expect(peakPerMinute(times, changedAt)).toBe(higher.rpm);
    const steady = changedAt + MINUTE_MS;
    expect(count(times, steady, steady + MINUTE_MS)).toBe(higher.rpm);
    expect(count(times, steady + MINUTE_MS, steady + 2 * MINUTE_MS)).toBe(higher.rpm);
  });
});
