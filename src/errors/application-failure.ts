/**
 * The one mapping from a Breakwater error to a Temporal `ApplicationFailure`. Imported by workflow
 * code: no Node built-ins, no I/O.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { BreakwaterError } from './breakwater-errors';
import { errorPolicyOf } from './error-policy';
import type { ErrorContext } from './error-types';

/** Details attached to every Breakwater `ApplicationFailure`, readable by workflows and clients. */
export interface FailureDetails {
  context: ErrorContext;
  retryAfterMs?: number;
  nextRetryDelayMs?: number;
  [key: string]: unknown;
}

/**
 * The failure of `error`: its type, retryability and details; waits are BENIGN (they are expected).
 *
 * `nextRetryDelayMs` is used for retryable errors: the caller passes the provider's `Retry-After`
 * when there is one, else a jittered backoff (see `backoff.ts`).
 */
export function toApplicationFailure(error: BreakwaterError, nextRetryDelayMs?: number): ApplicationFailure {
  const details: FailureDetails = { ...error.details(), context: error.context };
  const delay = error.retryable ? nextRetryDelayMs : undefined;
  if (delay !== undefined) details.nextRetryDelayMs = delay;
  return ApplicationFailure.create({
    message: error.message,
    type: error.type,
    nonRetryable: !error.retryable,
    details: [details],
    nextRetryDelay: delay,
    category: errorPolicyOf(error.type).wait ? ApplicationFailureCategory.BENIGN : undefined,
  });
}

/** The provider's requested wait, for errors that carry one. */
export function retryAfterOf(error: BreakwaterError): number | undefined {
  const value = error.details().retryAfterMs;
  return typeof value === 'number' ? value : undefined;
}
