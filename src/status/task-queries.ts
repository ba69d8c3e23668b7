/**
 * The visibility queries that count and list a task queue's Breakwater tasks. Temporal's counts
 * group by execution status only, so a count by ledger state or priority is one query per value.
 */
import type { Client } from '@temporalio/client';
import { visibilityText } from '../search-attributes';
import { LEDGER_STATES, type LedgerState } from '../task';

const CLOSED_STATES: ReadonlySet<LedgerState> = new Set(['DONE', 'FAILED']);

/**
 * The visibility query that counts `taskQueue`'s tasks in `state`. An open state counts running
 * workflows only: a workflow terminated from outside keeps the last state it upserted.
 */
export function taskCountQuery(taskQueue: string, state: LedgerState): string {
  const query = `TaskQueue = ${visibilityText(taskQueue)} AND LedgerState = '${state}'`;
  return CLOSED_STATES.has(state) ? query : `${query} AND ExecutionStatus = 'Running'`;
}

/** Counts `taskQueue`'s tasks in every ledger state (one visibility count per state). */
export async function countTasksByState(
  client: Client,
  taskQueue: string,
): Promise<Record<LedgerState, number>> {
  const counts = await Promise.all(
    LEDGER_STATES.map(async (state) => (await client.workflow.count(taskCountQuery(taskQueue, state))).count),
  );
  return Object.fromEntries(LEDGER_STATES.map((state, index) => [state, counts[index]!])) as Record<
    LedgerState,
    number
  >;
}

/**
 * The tasks of `taskQueue` that are open now or closed since `since`: the population of the ledger
 * statistics' recent window.
 */
export function recentTasksQuery(taskQueue: string, since: Date): string {
  const states = LEDGER_STATES.map((state) => `'${state}'`).join(', ');
  return (
    `TaskQueue = ${visibilityText(taskQueue)} AND LedgerState IN (${states}) AND ` +
    `(ExecutionStatus = 'Running' OR CloseTime >= '${since.toISOString()}')`
  );
}

/** The tasks of `taskQueue` that closed since `since`. */
export function closedTasksQuery(taskQueue: string, since: Date): string {
  return (
    `TaskQueue = ${visibilityText(taskQueue)} AND LedgerState IN ('DONE', 'FAILED') AND ` +
    `CloseTime >= '${since.toISOString()}'`
  );
}
