/**
 * Breakwater's error classes: one per error type, each with a stable `type` and a type guard that also
 * recognises an error thrown by another copy of this package. What a type means (retried? a wait?)
 * is its row in `error-policy.ts`.
 *
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import type { Usage } from '../llm/response';
import type { BudgetRefusal } from '../task';
import { budgetRefusal } from './budget-refusal';
import { errorPolicyOf } from './error-policy';
import { ErrorType, type ErrorContext } from './error-types';

const BRAND = Symbol.for('breakwater.error');

/** The base's own fields, which `details()` leaves out. */
const BASE_FIELDS = new Set(['type', 'context', 'name']);

/** Base class of every Breakwater error: a stable `type`, retryability and context. */
export abstract class BreakwaterError extends Error {
  /** The Temporal failure type. */
  abstract readonly type: ErrorType;
  readonly context: ErrorContext;
  readonly [BRAND] = true;

  protected constructor(message: string, context: Partial<ErrorContext> = {}) {
    super(message);
    this.name = new.target.name;
    this.context = { ...context, timestamp: context.timestamp ?? new Date().toISOString() };
  }

  /** Whether a retry of the same call may succeed (the type's row in the error policy). */
  get retryable(): boolean {
    return errorPolicyOf(this.type).retryable;
  }

  /**
   * Extra, prompt-free fields carried into the Temporal failure's details: the fields a subclass
   * declares (its constructor's `readonly` parameters).
   */
  details(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this).filter(([key]) => !BASE_FIELDS.has(key)));
  }
}

/** A refusal that makes the task wait (BLOCKED) for `retryAfterMs`, then ask again. */
export abstract class WaitError extends BreakwaterError {
  constructor(
    message: string,
    /** How long to wait before asking again. */
    readonly retryAfterMs: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
}

/** A provider or network failure that may pass: 408, 409, 5xx, resets, timeouts, malformed bodies. */
export class RetryableExternalError extends BreakwaterError {
  readonly type = ErrorType.RetryableExternal;
  constructor(
    message: string,
    /** What went wrong, as a short stable code (`http_503`, `timeout`, `connection_reset`, `malformed_body`, …). */
    readonly reason: string,
    context: Partial<ErrorContext> = {},
    /** The provider's `Retry-After`, when it sent one (503 may carry it). */
    readonly retryAfterMs?: number,
  ) {
    super(message, context);
  }
}

/** The provider answered 429: a rate signal, retried after its `Retry-After`. */
export class RateLimitedError extends BreakwaterError {
  readonly type = ErrorType.RateLimited;
  constructor(
    message: string,
    context: Partial<ErrorContext> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message, context);
  }
}

/** The request itself is wrong: no retry can fix it. `field` names what is wrong when known. */
export class NonRetryableInputError extends BreakwaterError {
  readonly type = ErrorType.NonRetryableInput;
  constructor(
    message: string,
    readonly field?: string,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
}

/** The provider refused our credentials (401/403) or is not configured: an operator must act. */
export class ProviderConfigurationError extends BreakwaterError {
  readonly type = ErrorType.ProviderConfiguration;
  constructor(message: string, context: Partial<ErrorContext> = {}) {
    super(message, context);
  }
}

/**
 * The provider's circuit breaker refused the call: it was not made. `breakerState` says why:
 * `OPEN` (cooling down), `HALF_OPEN` (its probes are in flight) or `CLOSED` (failures are
 * accruing and enough calls that may fail are already in flight).
 */
export class CircuitBreakerOpenError extends WaitError {
  readonly type = ErrorType.CircuitBreakerOpen;
  constructor(
    message: string,
    /** Time until the breaker may admit this call (for OPEN: until it may half-open). */
    retryAfterMs: number,
    context: Partial<ErrorContext> = {},
    readonly breakerState: 'OPEN' | 'HALF_OPEN' | 'CLOSED' = 'OPEN',
  ) {
    super(message, retryAfterMs, context);
  }
}

/** The shared guard state (Redis) cannot be reached and the guard fails closed. */
export class GuardUnavailableError extends WaitError {
  readonly type = ErrorType.GuardUnavailable;
}

/** A budget scope refused the call: its spend plus this call's worst case passes its ceiling. */
export class BudgetExceededError extends BreakwaterError {
  readonly type = ErrorType.BudgetExceeded;
  constructor(
    message: string,
    /** The scope that refused: `operation`, `run`, `daily`, `turn_tokens` or `turn_tool_calls`. */
    readonly scope: string,
    /** When the scope resets (the daily cap at midnight UTC); undefined when it never does. */
    readonly retryAfterSec: number | undefined,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  /** The 429-style body an API in front of Breakwater can return as is. */
  toResponse(): BudgetRefusal {
    return budgetRefusal(this.scope, this.retryAfterSec);
  }
}

/** A budget scope has room, but reservations in flight hold it: the call waits for them to settle. */
export class BudgetBusyError extends BreakwaterError {
  readonly type = ErrorType.BudgetBusy;
  constructor(
    message: string,
    readonly scope: string,
    readonly retryAfterMs: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
}

/** The provider's shared rate limit has no room now: the call waits (rate-limit mode `wait`). */
export class RateLimitWaitError extends WaitError {
  readonly type = ErrorType.RateLimitWait;
}

/** A rate limit refused the call: the shared limit in mode `refuse`, or the cap on calls per task. */
export class RateLimitExceededError extends BreakwaterError {
  readonly type = ErrorType.RateLimitExceeded;
  constructor(
    message: string,
    /** `provider_rate` or `task_calls`. */
    readonly scope: string,
    readonly retryAfterMs: number | undefined,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
}

/**
 * The model refused to answer, or the provider's content filter stopped the answer: a replay of
 * the same prompt gets the same refusal, so it is never retried. Carries no prompt or answer text.
 */
export class ContentPolicyError extends BreakwaterError {
  readonly type = ErrorType.ContentPolicy;
  constructor(
    message: string,
    /** The normalized finish reason: `content_filter` or `refusal`. */
    readonly finishReason: 'content_filter' | 'refusal',
    /** The provider's own reason (`content_filter`, `refusal`, `stop`, …), as it sent it. */
    readonly rawFinishReason: string | undefined,
    context: Partial<ErrorContext> = {},
    /** What the declined answer used: the provider bills it, so the budgets charge it. */
    readonly usage?: Usage,
  ) {
    super(message, context);
  }
}

/** Why a submit was parked or refused while degraded (see `docs/runbooks/degraded-mode.md`). */
export type DegradedReason = 'forced' | 'all_breakers_open' | 'task_providers_open' | 'guard_unavailable';

/** The 503-style body of a refused submit, as an API in front of Breakwater can return it. */
export interface SubmitRefusal {
  error: 'service_degraded' | 'overloaded';
  reason: string;
  retry_after_sec: number;
}

/**
 * Breakwater is degraded: a submit refused with `DEGRADED_READONLY_ENABLED=false` (nothing was
 * started), or a call refused while an operator forces degraded mode on (the task waits `BLOCKED`).
 * `reason` says why it is degraded.
 */
export class ServiceDegradedError extends WaitError {
  readonly type = ErrorType.ServiceDegraded;
  constructor(
    message: string,
    readonly reason: DegradedReason,
    /** When to submit (or call) again. */
    retryAfterMs: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, retryAfterMs, context);
  }
  /** `retryAfterMs` in whole seconds, rounded up. */
  get retryAfterSec(): number {
    return Math.ceil(this.retryAfterMs / 1000);
  }
  /** The 503-style body: `{ error: 'service_degraded', reason, retry_after_sec }`. */
  toResponse(): SubmitRefusal {
    return { error: 'service_degraded', reason: this.reason, retry_after_sec: this.retryAfterSec };
  }
}

/**
 * A `low` or `normal` submit refused because the waiting tasks (`QUEUED` + `BLOCKED`) reached
 * `DEGRADED_QUEUE_LIMIT`: nothing was started.
 */
export class OverloadedError extends BreakwaterError {
  readonly type = ErrorType.Overloaded;
  constructor(
    message: string,
    /** The waiting tasks when it was refused. */
    readonly waiting: number,
    readonly limit: number,
    /** When to submit again. */
    readonly retryAfterSec: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  /** The 503-style body: `{ error: 'overloaded', reason: 'queue_limit', retry_after_sec }`. */
  toResponse(): SubmitRefusal {
    return { error: 'overloaded', reason: 'queue_limit', retry_after_sec: this.retryAfterSec };
  }
}

/**
 * A guarded activity's breaker (`TOOL_GUARDS`) refused the call: the tool did not run. `breakerState`
 * says why, as for a provider's breaker (`CircuitBreakerOpenError`).
 */
export class ToolCircuitOpenError extends WaitError {
  readonly type = ErrorType.ToolCircuitOpen;
  constructor(
    message: string,
    retryAfterMs: number,
    /** The activity type. */
    readonly tool: string,
    readonly breakerState: 'OPEN' | 'HALF_OPEN' | 'CLOSED',
    context: Partial<ErrorContext> = {},
  ) {
    super(message, retryAfterMs, context);
  }
}

/** A guarded activity's shared rate limit has no room now (`onLimit: wait`): the caller waits, the tool did not run. */
export class ToolRateLimitWaitError extends WaitError {
  readonly type = ErrorType.ToolRateLimitWait;
  constructor(
    message: string,
    retryAfterMs: number,
    readonly tool: string,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, retryAfterMs, context);
  }
}

/** A guarded activity's shared rate limit refused the call (`onLimit: refuse`): the tool did not run. */
export class ToolRateLimitExceededError extends BreakwaterError {
  readonly type = ErrorType.ToolRateLimitExceeded;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly tool: string,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
}

/** The task reached a guarded activity's `maxCallsPerTask` (a looping agent): the tool did not run. */
export class ToolCallCapError extends BreakwaterError {
  readonly type = ErrorType.ToolCallCap;
  constructor(
    message: string,
    readonly tool: string,
    /** The calls of the tool the task made. */
    readonly calls: number,
    readonly maxCallsPerTask: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
}

/** True for any Breakwater error, also one thrown by another copy of this package. */
export function isBreakwaterError(error: unknown): error is BreakwaterError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

function guardFor<T extends BreakwaterError>(type: ErrorType) {
  return (error: unknown): error is T => isBreakwaterError(error) && error.type === type;
}

export const isRetryableExternalError = guardFor<RetryableExternalError>(ErrorType.RetryableExternal);
export const isRateLimitedError = guardFor<RateLimitedError>(ErrorType.RateLimited);
export const isNonRetryableInputError = guardFor<NonRetryableInputError>(ErrorType.NonRetryableInput);
export const isProviderConfigurationError = guardFor<ProviderConfigurationError>(
  ErrorType.ProviderConfiguration,
);
export const isCircuitBreakerOpenError = guardFor<CircuitBreakerOpenError>(ErrorType.CircuitBreakerOpen);
export const isGuardUnavailableError = guardFor<GuardUnavailableError>(ErrorType.GuardUnavailable);
export const isBudgetExceededError = guardFor<BudgetExceededError>(ErrorType.BudgetExceeded);
export const isBudgetBusyError = guardFor<BudgetBusyError>(ErrorType.BudgetBusy);
export const isRateLimitWaitError = guardFor<RateLimitWaitError>(ErrorType.RateLimitWait);
export const isRateLimitExceededError = guardFor<RateLimitExceededError>(ErrorType.RateLimitExceeded);
export const isContentPolicyError = guardFor<ContentPolicyError>(ErrorType.ContentPolicy);
export const isServiceDegradedError = guardFor<ServiceDegradedError>(ErrorType.ServiceDegraded);
export const isOverloadedError = guardFor<OverloadedError>(ErrorType.Overloaded);
export const isToolCircuitOpenError = guardFor<ToolCircuitOpenError>(ErrorType.ToolCircuitOpen);
export const isToolRateLimitWaitError = guardFor<ToolRateLimitWaitError>(ErrorType.ToolRateLimitWait);
export const isToolRateLimitExceededError = guardFor<ToolRateLimitExceededError>(
  ErrorType.ToolRateLimitExceeded,
);
export const isToolCallCapError = guardFor<ToolCallCapError>(ErrorType.ToolCallCap);
