/**
 * What one AI SDK model call carries from one activity attempt to the next, in its heartbeat
 * details (Temporal keeps the last ones of a failed attempt for the next): the time it waited
 * blocked, and how many of its attempts were such waits, which reached no provider and so count
 * as no attempt.
 */
export interface CallProgress {
  /** Milliseconds waited on guard refusals so far, the wait being started included. */
  blockedMs: number;
  /** Activity attempts that ended as a wait. */
  waits: number;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** The progress in the heartbeat details of the previous attempt (none on a first attempt). */
export function progressOf(heartbeatDetails: unknown): CallProgress {
  const details = (heartbeatDetails ?? {}) as Partial<Record<keyof CallProgress, unknown>>;
  return { blockedMs: count(details.blockedMs), waits: count(details.waits) };
}

/**
 * The wait of a refused attempt: the guard's `retryAfterMs`, within what is left of
 * `maxBlockedMs`, recorded in `progress` as the wait to come. Undefined when nothing is left.
 */
export function nextWaitMs(
  progress: CallProgress,
  retryAfterMs: number,
  maxBlockedMs: number,
): number | undefined {
  const leftMs = maxBlockedMs - progress.blockedMs;
  if (leftMs <= 0) return undefined;
  // Temporal reads a zero `nextRetryDelay` as none (and backs off its own way): 1 ms is the shortest wait.
  const waitMs = Math.max(1, Math.min(retryAfterMs, leftMs));
  progress.blockedMs += waitMs;
  progress.waits += 1;
  return waitMs;
}
