/** What the worker's scrape-time metrics read: task counts from Temporal, today's budget from Redis. */
import type { Client } from '@temporalio/client';
import type { TokenManager } from '../budget/token-manager';
import type { DailyBudgetSource, TaskCountSource } from '../observability/metrics';
import { countTasksByState } from '../status/task-queries';

/** Counts `taskQueue`'s tasks in every ledger state when scraped (one visibility count per state). */
export function taskCountSource(client: Client, taskQueue: string): TaskCountSource {
  return () => countTasksByState(client, taskQueue);
}

/** Today's daily budget scope, as the budget API shows it (operator overrides included). */
export function dailyBudgetSource(tokens: TokenManager): DailyBudgetSource {
  return async () => {
    const daily = (await tokens.show({})).scopes.find((scope) => scope.scope === 'daily');
    if (!daily) throw new Error('the budget status has no daily scope');
    return { spentMicros: daily.spent, reservedMicros: daily.reserved, limitMicros: daily.limit };
  };
}
