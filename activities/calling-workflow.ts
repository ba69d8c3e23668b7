import { ApplicationFailure, type Info } from '@temporalio/activity';

/** The workflow execution that scheduled this activity; Breakwater activities run only inside workflows. */
export function callingWorkflow(info: Info): { workflowId: string; runId: string } {
  const execution = info.workflowExecution;
  if (!execution) {
    throw ApplicationFailure.nonRetryable(
      `${info.activityType} must be scheduled by a workflow`,
      'NotInWorkflow',
    );
  }
  return execution;
}
