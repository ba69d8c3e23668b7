/**
 * The budgets' vocabulary. Types only: the atomic reserve and settle run in Redis
 * (`src/redis/lua/_budget.lua`); `call-costing.ts` works out what a call claims and what it cost.
 * Money is integer micro-dollars (see `src/money.ts`).
 */

/** What one call asks of the budgets: its worst case, in every scope it belongs to. */
export interface BudgetClaim {
  runId?: string;
  turn?: string;
  operation: string;
  /** Worst-case cost, integer micro-dollars. */
  micros: number;
  /** Worst-case tokens (prompt + maximum output). */
  tokens: number;
}

/** Default ceilings (0 = no limit); operators may override them in Redis (`breakwater budget set`). */
export interface BudgetCeilings {
  runMicros: number;
  operationMicros: number;
  dailyMicros: number;
  turnTokens: number;
  turnToolCalls: number;
}
