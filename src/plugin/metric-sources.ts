/** What the worker's scrape-time metrics read: task counts from Temporal, today's budget from Redis. */
import type { Client } from '@temporalio/client';
import type { TokenManager } from '../budget/token-manager';
import type { DailyBudgetSource, TaskCountSource } from '../observability/metrics';
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
export function taskCountSource(client: Client, taskQueue: string): TaskCountSource {
  return async () => {
    const counts = await Promise.all(
      LEDGER_STATES.map(
        async (state) => (await client.workflow.count(taskCountQuery(taskQueue, state))).count,
      ),
    );
    return Object.fromEntries(LEDGER_STATES.map((state, index) => [state, counts[index]!])) as Record<
      LedgerState,
      number
    >;
  };
}

/** Today's daily budget scope, as the budget API shows it (operator overrides included). */
export function dailyBudgetSource(tokens: TokenManager): DailyBudgetSource {
  return async () => {
    const daily = (await tokens.show({})).scopes.find((scope) => scope.scope === 'daily');
    if (!daily) throw new Error('the budget status has no daily scope');
    return { spentMicros: daily.spent, reservedMicros: daily.reserved, limitMicros: daily.limit };
  };
}
