import { Context } from '@temporalio/activity';
import { payloadChecksum, type DlqEntry, type ReplayPayload } from '../src/dlq/dlq-entry';
import type { DlqStore } from '../src/dlq/dlq-store';
import type { DegradedScripts } from '../src/redis/degraded-scripts';
import { errorPolicyOf } from '../src/errors';
import type { Logger } from '../src/observability/logger';
import type { BreakwaterMetrics } from '../src/observability/metrics';
import { redactText } from '../src/observability/redaction';
import type { FailureReason, TaskInput } from '../src/task';
import { callingWorkflow } from './calling-workflow';

/** Everything known about a task that ended FAILED: why, and what a replay needs. */
export interface FailedTask {
  input: TaskInput;
  /** The task's deadline as a duration from its start, so a replay gets as long again. */
  deadlineMs?: number;
  reason: FailureReason;
  errorType?: string;
  /** The last error's message (redacted before it is stored). */
  lastError?: string;
  attempts: number;
  firstFailureAt: string;
  lastFailureAt: string;
}

export interface RouteFailedTaskDeps {
  dlq: DlqStore;
  /** Where the waiting tasks are counted: a task that failed while waiting no longer counts. */
  waiting: Pick<DegradedScripts, 'forgetWaiting'>;
  logger: Logger;
  metrics: BreakwaterMetrics;
}

/**
 * The one routing function for FAILED tasks, run before the workflow ends as a failure: the task
 * goes to `ai:dlq` (or `ai:dead` when no replay can fix it), once per failure. Retried until Redis
 * takes it, so nothing is lost.
 */
export function createRouteFailedTask(deps: RouteFailedTaskDeps) {
  return async function routeFailedTask(task: FailedTask): Promise<{ stream: string; entryId: string }> {
    const { info } = Context.current();
    const execution = callingWorkflow(info);
    // The absolute deadline has passed for a replay: it gets `deadlineMs` again instead.
    const input: ReplayPayload['input'] = { ...task.input };
    delete (input as Partial<TaskInput>).deadline;
    const payload: ReplayPayload = {
      input,
      ...(task.deadlineMs !== undefined ? { deadlineMs: task.deadlineMs } : {}),
    };
    const entry: DlqEntry = {
      jobId: input.meta.idempotencyKey,
      idempotencyKey: input.meta.idempotencyKey,
      workflowId: execution.workflowId,
      runId: execution.runId,
      taskQueue: info.taskQueue,
      reason: task.reason,
      attempts: task.attempts,
      replayCount: input.replayCount,
      checksum: payloadChecksum(payload),
      provider: input.request.provider,
      operation: input.meta.operation,
      agent: input.meta.agent,
      firstFailureAt: task.firstFailureAt,
      lastFailureAt: task.lastFailureAt,
      payload,
    };
    if (task.errorType !== undefined) entry.errorType = task.errorType;
    if (task.lastError !== undefined) entry.lastError = redactText(task.lastError).slice(0, 500);
    // Failures no replay can fix (input errors) go straight to `ai:dead`.
    const stream = errorPolicyOf(task.errorType).dlq;
    const result = await deps.dlq.enqueue(
      entry,
      stream,
      stream === 'dead' ? { deadReason: task.reason } : {},
    );
    deps.metrics.tasksRouted.inc({ reason: task.reason });
    await deps.waiting.forgetWaiting(info.taskQueue, execution.workflowId).catch((error: unknown) => {
      // The reconciliation with visibility repairs the count.
      deps.logger.warn({ workflowId: execution.workflowId, err: error }, 'waiting count not updated');
    });
    deps.logger.warn(
      {
        idempotencyKey: entry.idempotencyKey,
        workflowId: entry.workflowId,
        runId: entry.runId,
        operation: entry.operation,
        agent: entry.agent,
        provider: entry.provider,
        reason: entry.reason,
        errorType: entry.errorType,
        attempts: entry.attempts,
        replayCount: entry.replayCount,
        stream: result.stream,
        duplicate: !result.added,
      },
      'task failed',
    );
    return { stream: result.stream, entryId: result.entryId };
  };
}
