import { describe, expect, it } from 'vitest';
import { jitteredBackoffMs, nextRetryDelayMs, type RetrySettings } from '../../src/backoff';
import { defaultConfig } from '../../src/config';

const LOW = () => 0;
const HIGH = () => 0.9999999999;
const MID = () => 0.5;

const SETTINGS: RetrySettings = {
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: 4,
  retryAfterCapMs: 60_000,
};

describe('default retry settings', () => {
  it('match the documented defaults: 1 s, ×2, 30 s cap, 4 attempts, 300 s Retry-After cap', () => {
    expect(defaultConfig().policy.retry).toEqual({
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maximumIntervalMs: 30_000,
      maximumAttempts: 4,
      retryAfterCapMs: 300_000,
    });
  });
});

describe('jitteredBackoffMs', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
  ])('draws from [ceiling/2, ceiling] after attempt %i (ceiling %i)', (attempt, ceiling) => {
    expect(jitteredBackoffMs(attempt, SETTINGS, LOW)).toBe(ceiling / 2);
    expect(jitteredBackoffMs(attempt, SETTINGS, HIGH)).toBe(ceiling);
    expect(jitteredBackoffMs(attempt, SETTINGS, MID)).toBe((ceiling * 3) / 4);
  });

  it('grows by the backoff coefficient', () => {
    const settings = { ...SETTINGS, initialIntervalMs: 100, backoffCoefficient: 3, maximumIntervalMs: 1e9 };
    const ceilings = [1, 2, 3, 4].map((attempt) => jitteredBackoffMs(attempt, settings, HIGH));
    expect(ceilings).toEqual([100, 300, 900, 2700]);
  });

  it('supports a fractional coefficient', () => {
    const settings = { ...SETTINGS, backoffCoefficient: 1.5 };
    expect(jitteredBackoffMs(3, settings, HIGH)).toBe(2250);
  });

  it('caps the ceiling at maximumIntervalMs, and keeps jitter at the cap', () => {
    for (const attempt of [6, 7, 10, 50]) {
      expect(jitteredBackoffMs(attempt, SETTINGS, LOW)).toBe(15_000);
      expect(jitteredBackoffMs(attempt, SETTINGS, HIGH)).toBe(30_000);
    }
  });

  it('never exceeds the cap for a long run of random draws', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    for (let attempt = 1; attempt <= 20; attempt++) {
      const ceiling = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const delay = jitteredBackoffMs(attempt, SETTINGS, random);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('treats attempt 0 and below like the first attempt', () => {
    expect(jitteredBackoffMs(0, SETTINGS, HIGH)).toBe(1000);
    expect(jitteredBackoffMs(-3, SETTINGS, LOW)).toBe(500);
  });

  it('returns whole milliseconds', () => {
    const settings = { ...SETTINGS, initialIntervalMs: 333 };
    expect(Number.isInteger(jitteredBackoffMs(1, settings, () => 0.123))).toBe(true);
  });
});

describe('nextRetryDelayMs', () => {
  it("prefers the provider's Retry-After over backoff", () => {
    expect(nextRetryDelayMs(1, SETTINGS, 7000, HIGH)).toBe(7000);
    expect(nextRetryDelayMs(4, SETTINGS, 250, HIGH)).toBe(250);
  });

  it('honours a Retry-After of zero', () => {
    expect(nextRetryDelayMs(3, SETTINGS, 0, HIGH)).toBe(0);
  });

  it('caps Retry-After at retryAfterCapMs', () => {
    expect(nextRetryDelayMs(1, SETTINGS, 60_000, HIGH)).toBe(60_000);
    expect(nextRetryDelayMs(1, SETTINGS, 600_000, HIGH)).toBe(60_000);
  });

  it('may exceed the backoff cap when the provider asks for it', () => {
    expect(nextRetryDelayMs(1, SETTINGS, 45_000, HIGH)).toBe(45_000);
  });

  it('falls back to jittered backoff without a Retry-After', () => {
    expect(nextRetryDelayMs(3, SETTINGS, undefined, LOW)).toBe(2000);
    expect(nextRetryDelayMs(3, SETTINGS, undefined, HIGH)).toBe(4000);
  });

  it('ignores a negative Retry-After', () => {
    expect(nextRetryDelayMs(2, SETTINGS, -5, HIGH)).toBe(2000);
  });
});
