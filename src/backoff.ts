/**
 * Jittered exponential backoff. Temporal's `RetryPolicy` has no jitter, so the activity computes
 * each delay itself and hands it to Temporal as `nextRetryDelay`.
 */

/** The retry knobs shared by Temporal's `RetryPolicy` and Breakwater's backoff. */
export interface RetrySettings {
  /** Delay before the first retry, in ms (default 1000). */
  initialIntervalMs: number;
  /** Growth factor per attempt (default 2). */
  backoffCoefficient: number;
  /** Largest delay between attempts, in ms (default 30000). */
  maximumIntervalMs: number;
  /** Attempts in all, the first included (default 4 = 1 + 3 retries). */
  maximumAttempts: number;
  /** Largest provider `Retry-After` honoured, in ms; longer requests are clipped to it. */
  retryAfterCapMs: number;
}

/** The knobs of a backoff alone (no attempt limit). */
export type BackoffSettings = Pick<
  RetrySettings,
  'initialIntervalMs' | 'backoffCoefficient' | 'maximumIntervalMs'
>;

/**
 * Delay before the retry that follows failed attempt `attempt` (1-based), with "equal jitter":
 * uniformly drawn from [ceiling / 2, ceiling], where ceiling = min(max, initial × coefficient^(attempt-1)).
 * So every delay stays within the policy's maximum and no two workers retry in lockstep, also at the cap.
 */
export function jitteredBackoffMs(
  attempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(
    settings.maximumIntervalMs,
    settings.initialIntervalMs * Math.pow(settings.backoffCoefficient, exponent),
  );
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delay to hand to Temporal: the provider's `Retry-After` when it sent one, else jittered backoff. */
export function nextRetryDelayMs(
  attempt: number,
  settings: RetrySettings,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0)
    return Math.min(retryAfterMs, settings.retryAfterCapMs);
  return jitteredBackoffMs(attempt, settings, random);
}
