/** Reads what went wrong out of a failed LLM activity, inside workflow code. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { ErrorType, type FailureDetails } from '../src/errors';
import type { BudgetRefusal, FailureReason } from '../src/task';

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
}

/** The failure carried by an `ActivityFailure`, or undefined for any other error. */
export function callFailureOf(error: unknown): CallFailure | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const cause = error.cause;
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

/** Waits that a task's fallback providers can avoid: they are per provider. */
export const PROVIDER_WAITS: readonly string[] = [ErrorType.CircuitBreakerOpen, ErrorType.RateLimitWait];

/**
 * The ledger reason of a wait: `circuit_open`, `circuit_half_open`, `circuit_saturated`,
 * `rate_limited`, `budget_busy` or `guard_unavailable`.
 */
export function blockedReasonOf(failure: CallFailure): string {
  switch (failure.errorType) {
    case ErrorType.CircuitBreakerOpen:
      if (failure.breakerState === 'HALF_OPEN') return 'circuit_half_open';
      if (failure.breakerState === 'CLOSED') return 'circuit_saturated';
      return 'circuit_open';
    case ErrorType.RateLimitWait:
      return 'rate_limited';
    case ErrorType.BudgetBusy:
      return 'budget_busy';
    default:
      return 'guard_unavailable';
  }
}

/** Why a task fails when it waited longer than it may. */
export function waitTimeoutReasonOf(errorType: string): FailureReason {
  switch (errorType) {
    case ErrorType.CircuitBreakerOpen:
      return 'circuit_open_timeout';
    case ErrorType.RateLimitWait:
      return 'rate_limit_timeout';
    case ErrorType.BudgetBusy:
      return 'budget_busy_timeout';
    default:
      return 'guard_unavailable_timeout';
  }
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
    case ErrorType.RateLimitExceeded:
      return 'rate_limited';
    default:
      return 'retries_exhausted';
  }
}

/** The 429-style object of a budget refusal. */
export function budgetRefusalOf(failure: CallFailure): BudgetRefusal | undefined {
  if (failure.errorType !== ErrorType.BudgetExceeded || failure.scope === undefined) return undefined;
  return { error: 'budget_exceeded', scope: failure.scope, retry_after_sec: failure.retryAfterSec ?? null };
}
