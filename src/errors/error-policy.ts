/**
 * What each error type means, in one table keyed by type: whether Temporal may retry it, whether the
 * task waits (BLOCKED) instead of failing, how the call counts against the provider's circuit
 * breaker, its metric outcome, why the task fails, and which dead-letter stream takes the task. The
 * activity, the guarded call, the task workflow and the failure routing all read it here, so a new
 * error type is one row (and its class in `breakwater-errors.ts`).
 *
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import type { BreakerOutcome, BreakerStateName } from '../breaker/types';
import type { FailureReason } from '../task';
import { ErrorType } from './error-types';

/** The `outcome` label of `ai_llm_calls_total` (`success` and `cancelled` are set by the activity itself). */
export type MetricOutcome =
  | 'success'
  | 'retryable'
  | 'rate_limited'
  | 'input'
  | 'configuration'
  | 'content_policy'
  | 'refused'
  | 'unexpected'
  | 'cancelled';

/** A wait instead of a failure: the guard refused the call before it reached the provider. */
export interface WaitPolicy {
  /** The ledger's reason for the BLOCKED entry; for a breaker refusal, by the breaker's state. */
  reason: string | Readonly<Record<BreakerStateName, string>>;
  /** The provider's own wait (its breaker, its rate limit): a fallback provider may avoid it. */
  perProvider: boolean;
}

export interface ErrorPolicy {
  /** Temporal may retry the attempt; the others are every RetryPolicy's `nonRetryableErrorTypes`. */
  retryable: boolean;
  /** Set when the task waits BLOCKED (burning no attempt) instead of failing. */
  wait?: WaitPolicy;
  /** How the call counts against its provider's circuit breaker. */
  breaker: BreakerOutcome;
  /** The call's outcome in `ai_llm_calls_total`. */
  metric: MetricOutcome;
  /** Why the task fails: at once, or, for a wait, once it waited longer than it may. */
  failureReason: FailureReason;
  /** Where the failed task goes: `dlq` (a replay may succeed) or `dead` (no replay can fix it). */
  dlq: 'dlq' | 'dead';
}

const BREAKER_WAIT: WaitPolicy = {
  reason: { OPEN: 'circuit_open', HALF_OPEN: 'circuit_half_open', CLOSED: 'circuit_saturated' },
  perProvider: true,
};

const TOOL_BREAKER_WAIT: WaitPolicy = {
  reason: {
    OPEN: 'tool_circuit_open',
    HALF_OPEN: 'tool_circuit_half_open',
    CLOSED: 'tool_circuit_saturated',
  },
  perProvider: false,
};

// prettier-ignore
export const ERROR_POLICY: Readonly<Record<ErrorType, ErrorPolicy>> = {
  [ErrorType.RetryableExternal]:     { retryable: true,  breaker: 'failure',      metric: 'retryable',     failureReason: 'retries_exhausted',         dlq: 'dlq' },
  [ErrorType.RateLimited]:           { retryable: true,  breaker: 'rate_limited', metric: 'rate_limited',  failureReason: 'retries_exhausted',         dlq: 'dlq' },
  [ErrorType.NonRetryableInput]:     { retryable: false, breaker: 'neutral',      metric: 'input',         failureReason: 'invalid_input',             dlq: 'dead' },
  [ErrorType.ProviderConfiguration]: { retryable: false, breaker: 'neutral',      metric: 'configuration', failureReason: 'provider_configuration',    dlq: 'dlq' },
  [ErrorType.ContentPolicy]:         { retryable: false, breaker: 'neutral',      metric: 'content_policy', failureReason: 'content_policy',           dlq: 'dead' },
  [ErrorType.BudgetExceeded]:        { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'budget_exceeded',           dlq: 'dlq' },
  [ErrorType.RateLimitExceeded]:     { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'rate_limited',              dlq: 'dlq' },
  [ErrorType.CircuitBreakerOpen]:    { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'circuit_open_timeout',      dlq: 'dlq', wait: BREAKER_WAIT },
  [ErrorType.RateLimitWait]:         { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'rate_limit_timeout',        dlq: 'dlq', wait: { reason: 'rate_limited', perProvider: true } },
  [ErrorType.BudgetBusy]:            { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'budget_busy_timeout',       dlq: 'dlq', wait: { reason: 'budget_busy', perProvider: false } },
  [ErrorType.UnknownEncryptionKey]:  { retryable: false, breaker: 'neutral',      metric: 'configuration', failureReason: 'undecryptable_payload',     dlq: 'dlq' },
  [ErrorType.PayloadDecryptionFailed]: { retryable: false, breaker: 'neutral',    metric: 'configuration', failureReason: 'undecryptable_payload',     dlq: 'dlq' },
  [ErrorType.GuardUnavailable]:      { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'guard_unavailable_timeout', dlq: 'dlq', wait: { reason: 'guard_unavailable', perProvider: false } },
  // Degraded mode: a submit refused (read-only off), or, while an operator forces it on, a call that waits.
  [ErrorType.ServiceDegraded]:       { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'degraded_timeout',          dlq: 'dlq', wait: { reason: 'degraded', perProvider: false } },
  // A submit refused past DEGRADED_QUEUE_LIMIT, before any workflow starts: never a Temporal failure.
  [ErrorType.Overloaded]:            { retryable: true,  breaker: 'neutral',      metric: 'refused',       failureReason: 'retries_exhausted',         dlq: 'dlq' },
  // A guarded activity (a tool, TOOL_GUARDS) refused before it ran: by its breaker or its rate limit (`wait`: BLOCKED), by its cap per task.
  [ErrorType.ToolCircuitOpen]:       { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'circuit_open_timeout',      dlq: 'dlq', wait: TOOL_BREAKER_WAIT },
  [ErrorType.ToolRateLimitWait]:     { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'rate_limit_timeout',        dlq: 'dlq', wait: { reason: 'tool_rate_limited', perProvider: false } },
  [ErrorType.ToolRateLimitExceeded]: { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'rate_limited',              dlq: 'dlq' },
  [ErrorType.ToolCallCap]:           { retryable: false, breaker: 'neutral',      metric: 'refused',       failureReason: 'tool_call_cap',             dlq: 'dlq' },
};

/** Any other error (an unexpected exception, an attempt's timeout): retried, and counted against nothing. */
export const UNEXPECTED_ERROR_POLICY: ErrorPolicy = {
  retryable: true,
  breaker: 'neutral',
  metric: 'unexpected',
  failureReason: 'retries_exhausted',
  dlq: 'dlq',
};

/** The policy of the error type `type` (any string a failure may carry). */
export function errorPolicyOf(type: string | undefined): ErrorPolicy {
  return type !== undefined && Object.hasOwn(ERROR_POLICY, type)
    ? ERROR_POLICY[type as ErrorType]
    : UNEXPECTED_ERROR_POLICY;
}

const TYPES = Object.keys(ERROR_POLICY) as ErrorType[];

/** Error types that Temporal must never retry: listed in every Breakwater `RetryPolicy`. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = TYPES.filter(
  (type) => !ERROR_POLICY[type].retryable,
);

/** Error types that make a task wait (`BLOCKED`) instead of failing. */
export const BLOCKING_ERROR_TYPES: readonly ErrorType[] = TYPES.filter(
  (type) => ERROR_POLICY[type].wait !== undefined,
);

/** The ledger reason of a wait for `wait` (`breakerState`: the refusing breaker's state, if any). */
export function waitReasonOf(wait: WaitPolicy, breakerState: string | undefined): string {
  if (typeof wait.reason === 'string') return wait.reason;
  return wait.reason[breakerState as BreakerStateName] ?? wait.reason.OPEN;
}
