/**
 * The guarded LLM call, for use inside any workflow: the `llmCall` activity under a bounded
 * retry policy, waits (`BLOCKED`) that burn no attempts while the guard refuses, and a deadline.
 *
 * A call that cannot succeed throws an `ApplicationFailure` of type `BreakwaterTaskFailed`
 * whose details are a `TaskFailureDetails`.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  proxyActivities,
  sleep,
} from '@temporalio/workflow';
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
import { taskFailure, taskFailureDetailsOf } from './task-failure';

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

const DEADLINE = Symbol('deadline');

/** What the call loop is waiting on, so a deadline that passes during a wait names the wait. */
interface CallProgress {
  waitingOn?: FailureReason;
}

/** Runs one guarded LLM call to completion, or throws a `BreakwaterTaskFailed` failure. */
export async function guardedLlmCall(
  request: LlmRequest,
  options: GuardedCallOptions,
): Promise<LlmCallResult> {
  const progress: CallProgress = {};
  if (options.deadline === undefined) return callUntilDone(request, options, progress);
  const remainingMs = Date.parse(options.deadline) - Date.now();
  const attempts = () => options.ledger?.ledger.attempts ?? 0;
  if (remainingMs <= 0)
    throw taskFailure({ reason: 'deadline_exceeded', attempts: attempts() }, options.meta.idempotencyKey);

  const callScope = new CancellationScope();
  const timerScope = new CancellationScope();
  const call = callScope.run(() => callUntilDone(request, options, progress));
  const timer = timerScope.run(() => sleep(remainingMs));
  call.catch(() => undefined);
  timer.catch(() => undefined);
  try {
    const winner = await Promise.race([call, timer.then(() => DEADLINE)]);
    if (winner !== DEADLINE) return winner as LlmCallResult;
  } finally {
    timerScope.cancel();
  }
  const reason = progress.waitingOn ?? 'deadline_exceeded';
  callScope.cancel();
  try {
    await call;
  } catch (error) {
    if (!isCancellation(error) && taskFailureDetailsOf(error) === undefined) throw error;
  }
  throw taskFailure({ reason, attempts: attempts() }, options.meta.idempotencyKey);
}

function activitiesFor(policy: TaskPolicy, consumed: number) {
  return proxyActivities<BreakwaterActivities>({
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
}

async function callUntilDone(
  request: LlmRequest,
  options: GuardedCallOptions,
  progress: CallProgress,
): Promise<LlmCallResult> {
  const { policy, meta, ledger } = options;
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
    try {
      return await activitiesFor(policy, consumed).llmCall({
        request: current,
        meta,
        policy,
        attemptOffset: consumed,
        reportAttempts: ledger !== undefined,
      });
    } catch (error) {
      const failure = isCancellation(error) ? undefined : callFailureOf(error);
      if (!failure) throw error;
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
      const waitMs = Math.min(roundWaitMs, policy.maxBlockedMs - blockedMs);
      if (waitMs <= 0)
        throw taskFailure(
          { reason: failureReason, errorType: failure.errorType, attempts: consumed },
          meta.idempotencyKey,
        );
      ledger?.move('BLOCKED', { ...blocked, nextDelayMs: waitMs });
      progress.waitingOn = failureReason;
      await sleep(waitMs);
      progress.waitingOn = undefined;
      blockedMs += waitMs;
      index = 0;
      roundWaitMs = Number.POSITIVE_INFINITY;
      ledger?.move('RUNNING', { reason: 'resumed', attempt: consumed + 1, provider: request.provider });
    }
  }
}
