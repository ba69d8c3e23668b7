/** Reads what went wrong out of a failed LLM activity, inside workflow code. */
import { RetryState, TimeoutType } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { FailureDetails } from '../src/errors';

export interface CallFailure {
  errorType: string;
  /** Task-wide attempt number of the failed attempt, when the activity reported it. */
  attempt?: number;
  retryAfterMs?: number;
  /** For a breaker refusal: the breaker's state (OPEN, HALF_OPEN or CLOSED). */
  breakerState?: string;
  /** For a budget refusal: the scope, and when it resets. */
  scope?: string;
  retryAfterSec?: number;
  /** The failure's message (Breakwater messages carry no prompt text). */
  message?: string;
  /**
   * Set when the schedule-to-close timeout (the deadline) ended the call: during an attempt, or
   * before a retry that would have started past it.
   */
  deadlineExceeded?: true;
}

/** The failure carried by an `ActivityFailure`, or undefined for any other error. */
export function callFailureOf(error: unknown): CallFailure | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const failure = failureOfCause(error.cause);
  const deadline =
    error.retryState === RetryState.TIMEOUT ||
    (error.cause instanceof TimeoutFailure && error.cause.timeoutType === TimeoutType.SCHEDULE_TO_CLOSE);
  return deadline ? { ...failure, deadlineExceeded: true } : failure;
}

function failureOfCause(cause: Error | undefined): CallFailure {
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? undefined) as FailureDetails | undefined;
    const failure: CallFailure = { errorType: cause.type ?? 'Error', message: cause.message };
    if (typeof details?.context?.attempt === 'number') failure.attempt = details.context.attempt;
    if (typeof details?.retryAfterMs === 'number') failure.retryAfterMs = details.retryAfterMs;
    if (typeof details?.breakerState === 'string') failure.breakerState = details.breakerState;
    if (typeof details?.scope === 'string') failure.scope = details.scope;
    if (typeof details?.retryAfterSec === 'number') failure.retryAfterSec = details.retryAfterSec;
    return failure;
  }
  if (cause instanceof TimeoutFailure) {
    return { errorType: `ActivityTimeout:${cause.timeoutType}`, message: cause.message };
  }
  return { errorType: cause?.name ?? 'Error', message: cause?.message };
}
