/**
 * The guarded LLM call, for use inside any workflow: the `llmCall` activity under a bounded
 * retry policy, waits (`BLOCKED`) that burn no attempts while the guard refuses, and a deadline.
 *
 * A call that cannot succeed throws an `ApplicationFailure` of type `BreakwaterTaskFailed`
 * whose details are a `TaskFailureDetails`.
 */
import { ActivityCancellationType, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { BreakwaterActivities, LlmCallResult } from '../activities';
import {
  budgetRefusal,
  ErrorType,
  errorPolicyOf,
  NON_RETRYABLE_ERROR_TYPES,
  waitReasonOf,
} from '../src/errors';
import type { LlmRequest } from '../src/llm/request';
import type { FailureReason, FallbackProvider, TaskMeta, TaskPolicy } from '../src/task';
import { callFailureOf } from './call-failure';
import type { LedgerTracker } from './ledger-tracker';
import { taskFailure } from './task-failure';

export interface GuardedCallOptions {
  meta: TaskMeta;
  policy: TaskPolicy;
  /** Absolute deadline (ISO-8601). */
  deadline?: string;
  /** When given, every wait, resume and reported retry is recorded in this ledger. */
  ledger?: LedgerTracker;
  /** Providers to switch to, in order, while the breaker of the one before refuses. */
  fallbacks?: FallbackProvider[];
}

/**
 * The `llmCall` activity for the attempts left. The deadline is the schedule-to-close timeout of the
 * schedule (`remainingMs`), so it costs no timer: Temporal ends the attempt that runs past it and
 * retries none after it.
 */
function activitiesFor(policy: TaskPolicy, consumed: number, remainingMs: number | undefined) {
  return proxyActivities<BreakwaterActivities>({
    startToCloseTimeout: policy.attemptTimeoutMs,
    ...(remainingMs !== undefined ? { scheduleToCloseTimeout: remainingMs } : {}),
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
}

/**
 * Runs one guarded LLM call to completion, or throws a `BreakwaterTaskFailed` failure: with reason
 * `deadline_exceeded` once the deadline passes during an attempt or its retry delay, or with the
 * wait's reason when it passes during a wait.
 */
export async function guardedLlmCall(
  request: LlmRequest,
  options: GuardedCallOptions,
): Promise<LlmCallResult> {
  const { policy, meta, ledger } = options;
  const deadlineAt = options.deadline === undefined ? undefined : Date.parse(options.deadline);
  const remaining = () => (deadlineAt === undefined ? Number.POSITIVE_INFINITY : deadlineAt - Date.now());
  const fail = (reason: FailureReason) =>
    taskFailure({ reason, attempts: ledger?.ledger.attempts ?? 0 }, meta.idempotencyKey);
  const candidates: LlmRequest[] = [
    request,
    ...(options.fallbacks ?? []).map((fallback) => ({
      ...request,
      provider: fallback.provider,
      model: fallback.model ?? request.model,
    })),
  ];
  let index = 0;
  let consumed = 0;
  let blockedMs = 0;
  let roundWaitMs = Number.POSITIVE_INFINITY;
  for (;;) {
    const current = candidates[index]!;
    const remainingMs = remaining();
    if (remainingMs <= 0) throw fail('deadline_exceeded');
    try {
      return await activitiesFor(
        policy,
        consumed,
        deadlineAt === undefined ? undefined : remainingMs,
      ).llmCall({
        request: current,
        meta,
        policy,
        attemptOffset: consumed,
        reportAttempts: ledger !== undefined,
      });
    } catch (error) {
      const failure = isCancellation(error) ? undefined : callFailureOf(error);
      if (!failure) throw error;
      if (failure.deadlineExceeded) throw fail('deadline_exceeded');
      const attempt = failure.attempt ?? policy.retry.maximumAttempts;
      const { wait, failureReason } = errorPolicyOf(failure.errorType);
      if (!wait) {
        throw taskFailure(
          {
            reason: failureReason,
            errorType: failure.errorType,
            attempts: attempt,
            ...(failure.errorType === ErrorType.BudgetExceeded && failure.scope !== undefined
              ? { refusal: budgetRefusal(failure.scope, failure.retryAfterSec) }
              : {}),
            ...(failure.message !== undefined ? { lastError: failure.message } : {}),
          },
          meta.idempotencyKey,
        );
      }
      // The refused attempt never reached the provider: it does not count.
      consumed = attempt - 1;
      const blocked = {
        reason: waitReasonOf(wait, failure.breakerState),
        attempt: consumed,
        errorType: failure.errorType,
        provider: current.provider,
      };
      const retryAfterMs = failure.retryAfterMs ?? 1000;
      roundWaitMs = Math.min(roundWaitMs, retryAfterMs);
      if (wait.perProvider && index + 1 < candidates.length) {
        index += 1;
        ledger?.move('BLOCKED', { ...blocked, nextDelayMs: 0 });
        ledger?.move('RUNNING', {
          reason: 'fallback',
          attempt: consumed + 1,
          provider: candidates[index]!.provider,
        });
        continue;
      }
      if (remaining() <= 0) throw fail('deadline_exceeded');
      // A deadline that passes during the wait ends the task with the wait's reason.
      const waitMs = Math.min(roundWaitMs, policy.maxBlockedMs - blockedMs, remaining());
      if (waitMs <= 0)
        throw taskFailure(
          { reason: failureReason, errorType: failure.errorType, attempts: consumed },
          meta.idempotencyKey,
        );
      ledger?.move('BLOCKED', { ...blocked, nextDelayMs: waitMs });
      await sleep(waitMs);
      blockedMs += waitMs;
      if (remaining() <= 0) throw fail(failureReason);
      index = 0;
      roundWaitMs = Number.POSITIVE_INFINITY;
      ledger?.move('RUNNING', { reason: 'resumed', attempt: consumed + 1, provider: request.provider });
    }
  }
}
