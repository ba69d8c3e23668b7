/** The one derivation of a task's workflow id from its idempotency key (shared by submit and replay). */
export const TASK_WORKFLOW_ID_PREFIX = 'bw-task-';

export function taskWorkflowId(idempotencyKey: string): string {
  return `${TASK_WORKFLOW_ID_PREFIX}${idempotencyKey}`;
}
