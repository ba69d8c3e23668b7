/** Reads what went wrong out of a failed LLM activity, inside workflow code. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { ErrorType, type FailureDetails } from '../src/errors';
import type { FailureReason } from '../src/task';

export interface CallFailure {
  errorType: string;
  /** Task-wide attempt number of the failed attempt, when the activity reported it. */
  attempt?: number;
  retryAfterMs?: number;
  /** For a breaker refusal: the breaker's state (OPEN, HALF_OPEN or CLOSED). */
  breakerState?: string;
}

/** The failure carried by an `ActivityFailure`, or undefined for any other error. */
export function callFailureOf(error: unknown): CallFailure | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? undefined) as FailureDetails | undefined;
    const failure: CallFailure = { errorType: cause.type ?? 'Error' };
    if (typeof details?.context?.attempt === 'number') failure.attempt = details.context.attempt;
    if (typeof details?.retryAfterMs === 'number') failure.retryAfterMs = details.retryAfterMs;
    if (typeof details?.breakerState === 'string') failure.breakerState = details.breakerState;
    return failure;
  }
  if (cause instanceof TimeoutFailure) return { errorType: `ActivityTimeout:${cause.timeoutType}` };
  return { errorType: cause?.name ?? 'Error' };
}

/** The ledger reason of a wait: `circuit_open`, `circuit_half_open`, `circuit_saturated` or `guard_unavailable`. */
export function blockedReasonOf(failure: CallFailure): string {
  if (failure.errorType !== ErrorType.CircuitBreakerOpen) return 'guard_unavailable';
  if (failure.breakerState === 'HALF_OPEN') return 'circuit_half_open';
  if (failure.breakerState === 'CLOSED') return 'circuit_saturated';
  return 'circuit_open';
}

/** Why a task fails for an activity failure that is not a wait. */
export function failureReasonOf(errorType: string): FailureReason {
  switch (errorType) {
    case ErrorType.NonRetryableInput:
      return 'invalid_input';
    case ErrorType.ProviderConfiguration:
      return 'provider_configuration';
    case ErrorType.BudgetExceeded:
      return 'budget_exceeded';
    default:
      return 'retries_exhausted';
  }
}
