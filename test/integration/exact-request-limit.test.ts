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
/** The ring's window (_requestring.lua): a minute and a margin for the requests' transit time. */
const RING_WINDOW_MS = 60_250;
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

/** A limited thing: how to admit one of its calls, and the key of its ring of admission times. */
interface Limit {
  admit: Admit;
  ringKey: string;
}

const limited = (rate: RateLimit) => ({ rpm: rate.rpm, tpm: 0, burst: rate.burst, tokenBurst: 1 });

function providerLimit(): Limit {
  const keys = new KeySpace(uniqueName('provider'));
  const scripts = new GuardScripts(redis, keys);
  let attempt = 0;
  const admit: Admit = async (rate, now) => {
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
  return { admit, ringKey: keys.key('breakerRequests', 'fake') };
}

function operationLimit(): Limit {
  const keys = new KeySpace(uniqueName('operation'));
  const scripts = new GuardScripts(redis, keys);
  let attempt = 0;
  const admit: Admit = async (operationRate, now) => {
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
  return { admit, ringKey: keys.key('rateRequests', 'op:search') };
}

function toolLimit(): Limit {
  const keys = new KeySpace(uniqueName('tool'));
  const scripts = new ToolScripts(redis, keys);
  let attempt = 0;
  const admit: Admit = async (rate, now) => {
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
  return { admit, ringKey: keys.key('breakerRequests', 'tool:search') };
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

/** The slots of a ring of admission times (6 bytes each). */
const ringSlots = async (key: string) => (await redis.strlen(key)) / 6;

/** A deterministic draw in [0, 1) (a linear congruential generator): the same calls on every run. */
function draws(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const KINDS = [
  ['a provider', providerLimit],
  ['an operation', operationLimit],
  ['a tool', toolLimit],
] as const;

describe('exact request limit per minute (real Redis, simulated time)', () => {
  const rate = limited({ rpm: 60, tpm: 0, burst: 10, tokenBurst: 1 });

  it.each(KINDS)(
    '%s: no 60 s holds more than rpm, the burst goes at once, the steady rate is rpm per 60.25 s',
    async (_, limit) => {
      const { admit, ringKey } = limit();
      const times = await saturate(admit, rate, START, START + 5 * MINUTE_MS);
      expect(peakPerMinute(times)).toBe(rate.rpm);
      expect(count(times, START, START + 1)).toBe(rate.burst);
      for (let minute = 1; minute < 5; minute++) {
        const from = START + minute * RING_WINDOW_MS;
        expect(count(times, from, from + RING_WINDOW_MS), `window ${minute}`).toBe(rate.rpm);
      }
      // Full, the ring holds the last rpm times, and no more.
      expect(await ringSlots(ringKey)).toBe(rate.rpm);
    },
  );

  it.each(KINDS)(
    '%s: admits exactly while fewer than rpm went in the last 60.25 s, and tells the exact wait, as rpm changes',
    async (_, limit) => {
      const { admit } = limit();
      // The bucket out of the way: only the per-minute limit refuses.
      // [rpm, until (ms after START)]: up and down, some changes within the same minute.
      const schedule = [
        [20, 45_000],
        [60, 55_000],
        [20, 100_000],
        [90, 145_000],
        [35, 190_000],
        [10, 220_000],
        [120, 265_000],
        [60, 310_000],
      ] as const;
      const draw = draws(7);
      const admitted: number[] = [];
      let refused = 0;
      for (let now = START; now < START + schedule.at(-1)![1]; now += Math.floor(draw() * 1500)) {
        const rpm = schedule.find(([, until]) => now - START < until)![0];
        const recent = admitted.filter((at) => at > now - RING_WINDOW_MS);
        const outcome = await admit(limited({ rpm, tpm: 0, burst: 1_000_000, tokenBurst: 1 }), now);
        const expected =
          recent.length < rpm
            ? { admitted: true }
            : { admitted: false, retryAfterMs: recent[recent.length - rpm]! + RING_WINDOW_MS - now };
        expect(outcome, `at ${now - START} ms under ${rpm} rpm`).toEqual(expected);
        if (outcome.admitted) admitted.push(now);
        else refused += 1;
      }
      expect(refused).toBeGreaterThan(100);
      expect(admitted.length).toBeGreaterThan(200);
    },
  );

  it('keeps the times of the last 60 s only: a huge rpm at a low rate holds a small ring', async () => {
    const { admit, ringKey } = providerLimit();
    const huge = limited({ rpm: 1_000_000_000, tpm: 0, burst: 1, tokenBurst: 1 });
    const perMinute = 30;
    for (let at = START; at < START + 10 * MINUTE_MS; at += MINUTE_MS / perMinute) {
      expect(await admit(huge, at)).toEqual({ admitted: true });
    }
    const slots = await ringSlots(ringKey);
    expect(slots).toBeGreaterThan(perMinute);
    expect(slots).toBeLessThanOrEqual(2 * (perMinute + 1));
  });
});
