/** How many history events one workflow run writes, read back from Temporal. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;
const WORKFLOW_TASK_EVENTS: ReadonlySet<number> = new Set([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
]);

/**
 * The events of `workflowId`'s latest run, counting three (scheduled, started, completed) per workflow
 * task that completed and none for the attempts of one that timed out or failed: those come from a
 * loaded worker, not from the workflow's code.
 */
export async function historyEventsOf(client: Client, workflowId: string): Promise<number> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const own = events.filter((event) => !WORKFLOW_TASK_EVENTS.has(event.eventType ?? 0)).length;
  const completed = events.filter(
    (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  ).length;
  return own + 3 * completed;
}

/** The event types of `workflowId`'s latest run, in order (for a failure message). */
export async function historyEventTypesOf(client: Client, workflowId: string): Promise<string[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.map((event) => EventType[event.eventType ?? 0] ?? String(event.eventType));
}
