import { Context } from '@temporalio/activity';
import { callingWorkflow } from './calling-workflow';
import type { Logger } from '../src/observability/logger';
import type { BreakwaterMetrics } from '../src/observability/metrics';
import type { FailureReason, LlmRequest, TaskMeta } from '../src/task';

/** Everything known about a task that ended FAILED, for routing (and, later, replay). */
export interface FailedTask {
  meta: TaskMeta;
  request: LlmRequest;
  reason: FailureReason;
  errorType?: string;
  attempts: number;
  replayCount: number;
  firstFailureAt?: string;
  lastFailureAt: string;
}

export interface RouteFailedTaskDeps {
  logger: Logger;
  metrics: BreakwaterMetrics;
}

/**
 * The one routing function for FAILED tasks, run before the workflow ends as a failure. It records
 * the failure for operators (structured log and `ai_tasks_failed_routed_total{reason}`).
 */
export function createRouteFailedTask(deps: RouteFailedTaskDeps) {
  return async function routeFailedTask(task: FailedTask): Promise<void> {
    const workflowExecution = callingWorkflow(Context.current().info);
    deps.metrics.tasksRouted.inc({ reason: task.reason });
    deps.logger.warn(
      {
        idempotencyKey: task.meta.idempotencyKey,
        workflowId: workflowExecution.workflowId,
        runId: workflowExecution.runId,
        operation: task.meta.operation,
        agent: task.meta.agent,
        provider: task.request.provider,
        reason: task.reason,
        errorType: task.errorType,
        attempts: task.attempts,
        replayCount: task.replayCount,
      },
      'task failed',
    );
  };
}
