/**
 * What the adaptive-timeout tests of `llmTask` and of AI SDK agents share: timeouts that cannot be
 * confused, the log line of an adaptive abort, and the check that a hanging call was aborted near
 * p95 × factor.
 */
import { expect } from 'vitest';
import type { CallTimeouts } from '../../src/guard/adaptive-timeouts';
import type { RedisConnection } from '../../src/redis/connection';
import { KeySpace } from '../../src/redis/keys';

/** The fixed timeouts: far above what the adaptive ones come to, so the two cannot be confused. */
export const FIXED_MS = 8000;
export const ADAPTIVE_ENV = {
  LLM_CALL_TIMEOUT_MS: String(FIXED_MS),
  LLM_FIRST_TOKEN_TIMEOUT_MS: String(FIXED_MS),
  ACTIVITY_START_TO_CLOSE_MS: '12000',
  LLM_TIMEOUT_P95_FACTOR: '2',
  LLM_TIMEOUT_MIN_MS: '500',
  LLM_TIMEOUT_MIN_SAMPLES: '10',
  // One attempt: a hanging call fails its task when its timeout aborts it.
  RETRY_MAXIMUM_ATTEMPTS: '1',
};
/** The latency of the warm-up's calls. */
export const WARM_UP_LATENCY_MS = 300;

/** The timeout `ADAPTIVE_ENV` derives from a p95 of `p95Ms`. */
export const adaptiveMs = (p95Ms: number): number => Math.min(FIXED_MS, Math.max(500, Math.ceil(p95Ms * 2)));

export interface AbortedCall {
  provider: string;
  model: string;
  reason: string;
  durationMs: number;
  timeouts: CallTimeouts;
}

/** The calls a worker's warning `lines` say its adaptive timeout aborted. */
export function abortedCalls(lines: string[]): AbortedCall[] {
  return lines
    .map((line) => JSON.parse(line) as AbortedCall & { msg: string })
    .filter((entry) => entry.msg === 'llm call aborted by its adaptive timeout');
}

/** The rolling latency `fake-model` of provider `fake` has under `keyPrefix`. */
export function latencySummaryOf(redis: RedisConnection, keyPrefix: string): Promise<Record<string, string>> {
  return redis.hgetall(new KeySpace(keyPrefix).key('latencySummary', 'fake', 'fake-model'));
}

/**
 * Checks that after a warm-up of `samples` calls (whose rolling latency is `summary`) the hanging
 * call was aborted near p95 × factor, its task failing after `elapsedMs`, not at the fixed timeout.
 */
export function expectAbortedNearP95(
  lines: string[],
  summary: Record<string, string>,
  samples: number,
  elapsedMs: number,
): void {
  expect(Number(summary.totalSamples)).toBe(samples);
  const p95 = Number(summary.totalP95);
  expect(p95).toBeGreaterThanOrEqual(WARM_UP_LATENCY_MS);
  const expected = adaptiveMs(p95);
  const [aborted] = abortedCalls(lines);
  expect(aborted).toMatchObject({ provider: 'fake', model: 'fake-model', reason: 'timeout' });
  expect(aborted!.timeouts.call).toEqual({ ms: expected, source: 'adaptive' });
  expect(aborted!.durationMs).toBeGreaterThanOrEqual(expected - 5);
  expect(aborted!.durationMs).toBeLessThan(expected + 3000);
  expect(elapsedMs).toBeLessThan(FIXED_MS);
}
