/** The task workflow: one guarded LLM call with its ledger, deadline and failure routing. */
import { CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BreakwaterActivities } from '../activities';
import type { TaskFailureDetails, TaskInput, TaskResult } from '../src/task';
import { guardedLlmCall } from './guarded-call';
import { LedgerTracker } from './ledger-tracker';
import { taskFailure, taskFailureDetailsOf } from './task-failure';

const { routeFailedTask } = proxyActivities<BreakwaterActivities>({
  startToCloseTimeout: '30 seconds',
  // Routing must not be lost: it retries until the store is back.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

export async function llmTask(input: TaskInput): Promise<TaskResult> {
  const { request, meta } = input;
  const tracker = new LedgerTracker(meta, request.provider).install();
  tracker.move('RUNNING', { reason: 'started', attempt: 1, provider: request.provider });
  try {
    const result = await guardedLlmCall(request, {
      meta,
      policy: input.policy,
      deadline: input.deadline,
      ledger: tracker,
      fallbacks: input.fallbacks,
    });
    tracker.move('DONE', {
      reason: 'completed',
      attempt: result.attempt,
      provider: result.response.provider,
      ...(result.recovered ? { recovered: true } : {}),
    });
    return {
      idempotencyKey: meta.idempotencyKey,
      response: result.response,
      attempts: result.attempt,
      ledger: tracker.snapshot(),
    };
  } catch (error) {
    if (isCancellation(error)) {
      tracker.move('FAILED', { reason: 'cancelled', attempt: tracker.ledger.attempts });
      throw error;
    }
    const failure = taskFailureDetailsOf(error);
    if (!failure) throw error;
    return await fail(input, tracker, failure);
  }
}

async function fail(input: TaskInput, tracker: LedgerTracker, failure: TaskFailureDetails): Promise<never> {
  const lastFailureAt = new Date().toISOString();
  tracker.move('FAILED', { reason: failure.reason, attempt: failure.attempts, errorType: failure.errorType });
  const firstFailure = tracker.ledger.entries.find((entry) => entry.to === 'RETRY' || entry.to === 'BLOCKED');
  await CancellationScope.nonCancellable(() =>
    routeFailedTask({
      input,
      ...(input.deadline !== undefined
        ? { deadlineMs: Date.parse(input.deadline) - workflowInfo().runStartTime.getTime() }
        : {}),
      reason: failure.reason,
      errorType: failure.errorType,
      lastError: failure.lastError,
      attempts: tracker.ledger.attempts,
      firstFailureAt: firstFailure?.at ?? lastFailureAt,
      lastFailureAt,
    }),
  );
  const details: TaskFailureDetails = {
    ...failure,
    attempts: tracker.ledger.attempts,
    ledger: tracker.snapshot(),
  };
  throw taskFailure(details, input.meta.idempotencyKey);
}
