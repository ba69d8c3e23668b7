/**
 * The guarded LLM call, for use inside any workflow: the `llmCall` activity under a bounded
 * retry policy, waits (`BLOCKED`) that burn no attempts while the guard refuses, and a deadline.
 *
 * A call that cannot succeed throws an `ApplicationFailure` of type `BreakwaterTaskFailed`
 * whose details are a `TaskFailureDetails`.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
import type { BreakwaterActivities, LlmCallResult } from '../activities';
import { BLOCKING_ERROR_TYPES, ErrorType, NON_RETRYABLE_ERROR_TYPES } from '../src/errors';
import {
  TASK_FAILED_TYPE,
  type FailureReason,
  type LlmRequest,
  type TaskFailureDetails,
  type TaskMeta,
  type TaskPolicy,
} from '../src/task';
import { callFailureOf, failureReasonOf } from './call-failure';
import type { LedgerTracker } from './ledger-tracker';

export interface GuardedCallOptions {
  meta: TaskMeta;
  policy: TaskPolicy;
  /** Absolute deadline (ISO-8601). */
  deadline?: string;
  /** When given, every wait, resume and reported retry is recorded in this ledger. */
  ledger?: LedgerTracker;
}

/** Thrown (as an `ApplicationFailure`) when a guarded call cannot succeed. */
export function taskFailure(details: TaskFailureDetails, key: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: TASK_FAILED_TYPE,
    nonRetryable: true,
    message: `task ${key} failed: ${details.reason}${details.errorType ? ` (${details.errorType})` : ''}`,
    details: [details],
  });
}

/** The failure details of a `BreakwaterTaskFailed` failure, or undefined for any other error. */
export function taskFailureDetailsOf(error: unknown): TaskFailureDetails | undefined {
  if (error instanceof ApplicationFailure && error.type === TASK_FAILED_TYPE) {
    return error.details?.[0] as TaskFailureDetails;
  }
  return undefined;
}

const DEADLINE = Symbol('deadline');

/** Runs one guarded LLM call to completion, or throws a `BreakwaterTaskFailed` failure. */
export async function guardedLlmCall(
  request: LlmRequest,
  options: GuardedCallOptions,
): Promise<LlmCallResult> {
  if (options.deadline === undefined) return callUntilDone(request, options);
  const remainingMs = Date.parse(options.deadline) - Date.now();
  const attempts = options.ledger?.ledger.attempts ?? 0;
  if (remainingMs <= 0)
    throw taskFailure({ reason: 'deadline_exceeded', attempts }, options.meta.idempotencyKey);

  const callScope = new CancellationScope();
  const timerScope = new CancellationScope();
  const call = callScope.run(() => callUntilDone(request, options));
  const timer = timerScope.run(() => sleep(remainingMs));
  call.catch(() => undefined);
  timer.catch(() => undefined);
  try {
    const winner = await Promise.race([call, timer.then(() => DEADLINE)]);
    if (winner !== DEADLINE) return winner as LlmCallResult;
  } finally {
    timerScope.cancel();
  }
  callScope.cancel();
  try {
    await call;
  } catch (error) {
    if (!isCancellation(error) && taskFailureDetailsOf(error) === undefined) throw error;
  }
  throw taskFailure(
    { reason: 'deadline_exceeded', attempts: options.ledger?.ledger.attempts ?? attempts },
    options.meta.idempotencyKey,
  );
}

async function callUntilDone(request: LlmRequest, options: GuardedCallOptions): Promise<LlmCallResult> {
  const { policy, meta, ledger } = options;
  let consumed = 0;
  let blockedMs = 0;
  for (;;) {
    const { llmCall } = proxyActivities<BreakwaterActivities>({
      startToCloseTimeout: policy.attemptTimeoutMs,
      heartbeatTimeout: policy.heartbeatTimeoutMs,
      cancellationType: ActivityCancellationType.TRY_CANCEL,
      retry: {
        initialInterval: policy.retry.initialIntervalMs,
        backoffCoefficient: policy.retry.backoffCoefficient,
        maximumInterval: policy.retry.maximumIntervalMs,
        maximumAttempts: Math.max(1, policy.retry.maximumAttempts - consumed),
        nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
      },
    });
    try {
      return await llmCall({
        request,
        meta,
        policy,
        attemptOffset: consumed,
        reportAttempts: ledger !== undefined,
      });
    } catch (error) {
      const failure = isCancellation(error) ? undefined : callFailureOf(error);
      if (!failure) throw error;
      const attempt = failure.attempt ?? policy.retry.maximumAttempts;
      if (!(BLOCKING_ERROR_TYPES as readonly string[]).includes(failure.errorType)) {
        throw taskFailure(
          { reason: failureReasonOf(failure.errorType), errorType: failure.errorType, attempts: attempt },
          meta.idempotencyKey,
        );
      }
      // The refused attempt never reached the provider: it does not count.
      consumed = attempt - 1;
      const waitMs = Math.min(failure.retryAfterMs ?? 1000, policy.maxBlockedMs - blockedMs);
      if (waitMs <= 0) {
        const reason: FailureReason =
          failure.errorType === ErrorType.CircuitBreakerOpen
            ? 'circuit_open_timeout'
            : 'guard_unavailable_timeout';
        throw taskFailure({ reason, errorType: failure.errorType, attempts: consumed }, meta.idempotencyKey);
      }
      ledger?.move('BLOCKED', {
        reason: failure.errorType === ErrorType.CircuitBreakerOpen ? 'circuit_open' : 'guard_unavailable',
        attempt: consumed,
        errorType: failure.errorType,
        nextDelayMs: waitMs,
        provider: request.provider,
      });
      await sleep(waitMs);
      blockedMs += waitMs;
      ledger?.move('RUNNING', { reason: 'resumed', attempt: consumed + 1, provider: request.provider });
    }
  }
}
