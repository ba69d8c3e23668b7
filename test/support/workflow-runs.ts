/** The runs of a task's workflow id, as Temporal's visibility lists them. */
import { taskWorkflowId } from '../../src/client/workflow-id';
import { eventually, type Harness } from './harness';

/**
 * Every run of the task's workflow id, oldest first, as statuses, once visibility shows them all
 * closed: it lags a little behind a result the client already has.
 */
export function closedRunsOf(h: Harness, idempotencyKey: string): Promise<string[]> {
  return eventually(async () => {
    const runs: Array<{ start: number; status: string }> = [];
    for await (const run of h.temporal.workflow.list({
      query: `WorkflowId = '${taskWorkflowId(idempotencyKey)}'`,
    })) {
      runs.push({ start: run.startTime.getTime(), status: run.status.name });
    }
    if (runs.some((run) => run.status === 'RUNNING')) return undefined;
    return runs.sort((a, b) => a.start - b.start).map((run) => run.status);
  });
}
