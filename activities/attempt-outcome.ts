/**
 * What every guarded call attempt does once it has an outcome, whichever client made the call
 * (`llmCall`'s provider adapters, or an AI SDK model on the activity side): count it in the
 * metrics, and turn a failure into the `ApplicationFailure` Temporal acts on.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { nextRetryDelayMs, type RetrySettings } from '../src/backoff';
import { errorPolicyOf, isBreakwaterError, retryAfterOf, toApplicationFailure } from '../src/errors';
import { microsToUsd } from '../src/money';
import type { Usage } from '../src/llm/response';
import type { Logger } from '../src/observability/logger';
import type { BreakwaterMetrics } from '../src/observability/metrics';
import { redactText } from '../src/observability/redaction';
import type { AttemptReporter } from './attempt-reporter';

/** The error type of a failed call: a Breakwater error's, else the error's name. */
export function errorTypeOf(error: unknown): string {
  if (isBreakwaterError(error)) return error.type;
  return error instanceof Error ? error.name : 'Error';
}

export interface AttemptSuccess {
  provider: string;
  operation: string;
  /** What the call cost, as settled with the guard. */
  actual: { micros: number; tokens: number };
  usage: Usage;
  latencyMs: number;
}

/** Counts a call that answered: its outcome, latency, tokens and cost. */
export function recordSuccess(metrics: BreakwaterMetrics, success: AttemptSuccess): void {
  const { provider, operation, actual, usage } = success;
  metrics.budgetTokensUsed.inc({ operation }, actual.tokens);
  metrics.budgetCostUsd.inc({ operation }, microsToUsd(actual.micros));
  metrics.llmCalls.inc({ provider, outcome: 'success' });
  metrics.llmCallDuration.observe({ provider, outcome: 'success' }, success.latencyMs / 1000);
  metrics.llmTokens.inc({ provider, kind: 'prompt' }, usage.promptTokens);
  metrics.llmTokens.inc({ provider, kind: 'completion' }, usage.completionTokens);
}

/** Counts a call that reached its provider and failed (or was cancelled). */
export function recordFailure(
  metrics: BreakwaterMetrics,
  failure: { provider: string; outcome: string; latencyMs: number },
): void {
  const { provider, outcome } = failure;
  metrics.llmCalls.inc({ provider, outcome });
  metrics.llmCallDuration.observe({ provider, outcome }, failure.latencyMs / 1000);
}

export interface AttemptFailureOptions {
  /** The failed attempt's number (1-based). */
  attempt: number;
  retry: RetrySettings;
  provider: string;
  operation: string;
  logger: Logger;
  /** Told about a failure that Temporal will retry, when the calling workflow keeps a ledger. */
  reporter?: AttemptReporter;
  /**
   * Make the failure non-retryable once `retry.maximumAttempts` is reached, for callers whose
   * workflow does not set Breakwater's retry policy (Temporal's default retries forever).
   */
  nonRetryableWhenExhausted?: boolean;
  random: () => number;
}

/**
 * The `ApplicationFailure` of a failed attempt: its error type, retryability from the error
 * policy and, when retried, `nextRetryDelay` (the provider's `Retry-After`, else jittered backoff).
 * Logs the failure (without the prompt) and reports a retry to the calling workflow.
 */
export async function attemptFailure(
  error: unknown,
  options: AttemptFailureOptions,
): Promise<ApplicationFailure> {
  const { attempt, retry, provider } = options;
  const errorType = errorTypeOf(error);
  const exhausted = attempt >= retry.maximumAttempts;
  const retryable = errorPolicyOf(errorType).retryable && !(exhausted && options.nonRetryableWhenExhausted);
  const delayMs = retryable
    ? nextRetryDelayMs(
        attempt,
        retry,
        isBreakwaterError(error) ? retryAfterOf(error) : undefined,
        options.random,
      )
    : undefined;
  options.logger.warn(
    { provider, operation: options.operation, attempt, errorType, nextDelayMs: delayMs },
    'llm call attempt failed',
  );
  if (delayMs !== undefined && !exhausted) {
    await options.reporter?.failed({ attempt, errorType, nextDelayMs: delayMs, provider });
  }
  const failure = isBreakwaterError(error)
    ? toApplicationFailure(error, delayMs)
    : ApplicationFailure.create({
        message: error instanceof Error ? redactText(error.message) : 'unexpected failure',
        type: errorType,
        nextRetryDelay: delayMs,
      });
  if (retryable || failure.nonRetryable) return failure;
  return retried(failure, {
    message: `${failure.message} (attempt ${attempt} of ${retry.maximumAttempts}: no retry left)`,
    nonRetryable: true,
  });
}

/** `failure` with another message and retry decision; its type, details and category kept. */
export function retried(
  failure: ApplicationFailure,
  decision: { message: string; nonRetryable: boolean; nextRetryDelay?: number },
): ApplicationFailure {
  return ApplicationFailure.create({
    ...decision,
    type: failure.type ?? undefined,
    details: failure.details ?? undefined,
    category: failure.category ?? undefined,
  });
}
