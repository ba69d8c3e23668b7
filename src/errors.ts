/**
 * Breakwater's error taxonomy and its single mapping onto Temporal failures.
 *
 * This module is imported by workflow code: it must stay free of Node built-ins and I/O.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

/** Where an error happened. Never holds prompt text, responses or secrets. */
export interface ErrorContext {
  operation?: string;
  runId?: string;
  provider?: string;
  attempt?: number;
  /** ISO-8601 time the error was raised. */
  timestamp: string;
}

/** The stable `type` strings, used as Temporal `ApplicationFailure.type`. */
export const ErrorType = {
  RetryableExternal: 'RetryableExternalError',
  RateLimited: 'RateLimitedError',
  NonRetryableInput: 'NonRetryableInputError',
  ProviderConfiguration: 'ProviderConfigurationError',
  CircuitBreakerOpen: 'CircuitBreakerOpenError',
  GuardUnavailable: 'GuardUnavailableError',
  BudgetExceeded: 'BudgetExceededError',
  BudgetBusy: 'BudgetBusyError',
  RateLimitWait: 'RateLimitWaitError',
  RateLimitExceeded: 'RateLimitExceededError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Error types that Temporal must never retry: listed in every Breakwater `RetryPolicy`. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.NonRetryableInput,
  ErrorType.ProviderConfiguration,
  ErrorType.CircuitBreakerOpen,
  ErrorType.GuardUnavailable,
  ErrorType.BudgetExceeded,
  ErrorType.BudgetBusy,
  ErrorType.RateLimitWait,
  ErrorType.RateLimitExceeded,
];

/** Error types that make a task wait (`BLOCKED`) instead of failing. */
export const BLOCKING_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.CircuitBreakerOpen,
  ErrorType.GuardUnavailable,
  ErrorType.BudgetBusy,
  ErrorType.RateLimitWait,
];

const BRAND = Symbol.for('breakwater.error');

/** Base class of every Breakwater error: a stable `type`, retryability and context. */
export abstract class BreakwaterError extends Error {
  /** The Temporal failure type. */
  abstract readonly type: ErrorType;
  /** Whether a retry of the same call may succeed. */
  abstract readonly retryable: boolean;
  readonly context: ErrorContext;
  readonly [BRAND] = true;

  protected constructor(message: string, context: Partial<ErrorContext> = {}) {
    super(message);
    this.name = new.target.name;
    this.context = { ...context, timestamp: context.timestamp ?? new Date().toISOString() };
  }

  /** Extra, prompt-free fields carried into the Temporal failure's details. */
  details(): Record<string, unknown> {
    return {};
  }
}

/** A provider or network failure that may pass: 408, 409, 5xx, resets, timeouts, malformed bodies. */
export class RetryableExternalError extends BreakwaterError {
  readonly type = ErrorType.RetryableExternal;
  readonly retryable = true;
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
  override details() {
    return { reason: this.reason, retryAfterMs: this.retryAfterMs };
  }
}

/** The provider answered 429: a rate signal, retried after its `Retry-After`. */
export class RateLimitedError extends BreakwaterError {
  readonly type = ErrorType.RateLimited;
  readonly retryable = true;
  constructor(
    message: string,
    context: Partial<ErrorContext> = {},
    readonly retryAfterMs?: number,
  ) {
    super(message, context);
  }
  override details() {
    return { retryAfterMs: this.retryAfterMs };
  }
}

/** The request itself is wrong: no retry can fix it. `field` names what is wrong when known. */
export class NonRetryableInputError extends BreakwaterError {
  readonly type = ErrorType.NonRetryableInput;
  readonly retryable = false;
  constructor(
    message: string,
    readonly field?: string,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  override details() {
    return { field: this.field };
  }
}

/** The provider refused our credentials (401/403) or is not configured: an operator must act. */
export class ProviderConfigurationError extends BreakwaterError {
  readonly type = ErrorType.ProviderConfiguration;
  readonly retryable = false;
  constructor(message: string, context: Partial<ErrorContext> = {}) {
    super(message, context);
  }
}

/**
 * The provider's circuit breaker refused the call: it was not made. `breakerState` says why:
 * `OPEN` (cooling down), `HALF_OPEN` (its probes are in flight) or `CLOSED` (failures are
 * accruing and enough calls that may fail are already in flight).
 */
export class CircuitBreakerOpenError extends BreakwaterError {
  readonly type = ErrorType.CircuitBreakerOpen;
  readonly retryable = false;
  constructor(
    message: string,
    /** Time until the breaker may admit this call (for OPEN: until it may half-open). */
    readonly retryAfterMs: number,
    context: Partial<ErrorContext> = {},
    readonly breakerState: 'OPEN' | 'HALF_OPEN' | 'CLOSED' = 'OPEN',
  ) {
    super(message, context);
  }
  override details() {
    return { retryAfterMs: this.retryAfterMs, breakerState: this.breakerState };
  }
}

/** The shared guard state (Redis) cannot be reached and the guard fails closed. */
export class GuardUnavailableError extends BreakwaterError {
  readonly type = ErrorType.GuardUnavailable;
  readonly retryable = false;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  override details() {
    return { retryAfterMs: this.retryAfterMs };
  }
}

/** A budget scope refused the call: its spend plus this call's worst case passes its ceiling. */
export class BudgetExceededError extends BreakwaterError {
  readonly type = ErrorType.BudgetExceeded;
  readonly retryable = false;
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
  override details() {
    return { scope: this.scope, retryAfterSec: this.retryAfterSec };
  }
  /** The 429-style body an API in front of Breakwater can return as is. */
  toResponse(): { error: 'budget_exceeded'; scope: string; retry_after_sec: number | null } {
    return { error: 'budget_exceeded', scope: this.scope, retry_after_sec: this.retryAfterSec ?? null };
  }
}

/** A budget scope has room, but reservations in flight hold it: the call waits for them to settle. */
export class BudgetBusyError extends BreakwaterError {
  readonly type = ErrorType.BudgetBusy;
  readonly retryable = false;
  constructor(
    message: string,
    readonly scope: string,
    readonly retryAfterMs: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  override details() {
    return { scope: this.scope, retryAfterMs: this.retryAfterMs };
  }
}

/** The provider's shared rate limit has no room now: the call waits (rate-limit mode `wait`). */
export class RateLimitWaitError extends BreakwaterError {
  readonly type = ErrorType.RateLimitWait;
  readonly retryable = false;
  constructor(
    message: string,
    readonly retryAfterMs: number,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  override details() {
    return { retryAfterMs: this.retryAfterMs };
  }
}

/** A rate limit refused the call: the shared limit in mode `refuse`, or the cap on calls per task. */
export class RateLimitExceededError extends BreakwaterError {
  readonly type = ErrorType.RateLimitExceeded;
  readonly retryable = false;
  constructor(
    message: string,
    /** `provider_rate` or `task_calls`. */
    readonly scope: string,
    readonly retryAfterMs: number | undefined,
    context: Partial<ErrorContext> = {},
  ) {
    super(message, context);
  }
  override details() {
    return { scope: this.scope, retryAfterMs: this.retryAfterMs };
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

/** Details attached to every Breakwater `ApplicationFailure`, readable by workflows and clients. */
export interface FailureDetails {
  context: ErrorContext;
  retryAfterMs?: number;
  nextRetryDelayMs?: number;
  [key: string]: unknown;
}

/**
 * The one mapping from a Breakwater error to a Temporal failure.
 *
 * `nextRetryDelayMs` is used for retryable errors: the caller passes the provider's `Retry-After`
 * when there is one, else a jittered backoff (see `backoff.ts`).
 */
export function toApplicationFailure(error: BreakwaterError, nextRetryDelayMs?: number): ApplicationFailure {
  const details: FailureDetails = { ...error.details(), context: error.context };
  if (error.retryable && nextRetryDelayMs !== undefined) details.nextRetryDelayMs = nextRetryDelayMs;
  return ApplicationFailure.create({
    message: error.message,
    type: error.type,
    nonRetryable: !error.retryable,
    details: [details],
    nextRetryDelay: error.retryable && nextRetryDelayMs !== undefined ? nextRetryDelayMs : undefined,
    category: BLOCKING_ERROR_TYPES.includes(error.type) ? ApplicationFailureCategory.BENIGN : undefined,
  });
}

/** The provider's requested wait, for errors that carry one. */
export function retryAfterOf(error: BreakwaterError): number | undefined {
  const value = error.details().retryAfterMs;
  return typeof value === 'number' ? value : undefined;
}
