/**
 * The visibility queries that count and list a task queue's Breakwater tasks. Temporal's counts
 * group by execution status only, so a count by ledger state or priority is one query per value.
 *
 * A task does not mirror `DONE` to `LedgerState` (it saves a history event per task): a `DONE`
 * task is a Breakwater task whose workflow completed, `ExecutionStatus = 'Completed'`.
 */
import type { Client } from '@temporalio/client';
import { visibilityText } from '../search-attributes';
import { LEDGER_STATES, type LedgerState } from '../task';

/** The filter that holds Breakwater's tasks on `taskQueue` whose `LedgerState` is one of `states`. */
function tasksOf(taskQueue: string, states: readonly LedgerState[] = LEDGER_STATES): string {
  const list = states.map((state) => `'${state}'`).join(', ');
  return `TaskQueue = ${visibilityText(taskQueue)} AND LedgerState IN (${list})`;
}

/**
 * The visibility query that counts `taskQueue`'s tasks in `state`. An open state counts running
 * workflows only: a workflow terminated from outside keeps the last state it upserted.
 */
export function taskCountQuery(taskQueue: string, state: LedgerState): string {
  if (state === 'DONE') {
    const notFailed = LEDGER_STATES.filter((other) => other !== 'FAILED');
    return `${tasksOf(taskQueue, notFailed)} AND ExecutionStatus = 'Completed'`;
  }
  const query = `TaskQueue = ${visibilityText(taskQueue)} AND LedgerState = '${state}'`;
  return state === 'FAILED' ? query : `${query} AND ExecutionStatus = 'Running'`;
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
  return `${tasksOf(taskQueue)} AND (ExecutionStatus = 'Running' OR CloseTime >= '${since.toISOString()}')`;
}
