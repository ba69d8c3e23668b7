import type { BudgetRefusal } from '../task';

/** The 429-style body of a budget refusal, which an API in front of Breakwater can return as is. */
export function budgetRefusal(scope: string, retryAfterSec: number | undefined): BudgetRefusal {
  return { error: 'budget_exceeded', scope, retry_after_sec: retryAfterSec ?? null };
}
