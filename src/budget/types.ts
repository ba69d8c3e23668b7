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

/** A configured price (`MODEL_PRICES`), USD per million tokens. */
export interface ConfiguredPrice {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
  /** Input read from the provider's prompt cache; absent: the input price. */
  cachedInputPerMTokUsd?: number;
  /** Input written to the provider's prompt cache; absent: the input price. */
  cacheWritePerMTokUsd?: number;
}

/** The budgets' settings (`BUDGET_*`, `TOKENS_PER_TURN`, `TOOL_CALLS_PER_TURN`, `MODEL_PRICES`). */
export interface BudgetSettings {
  /** Reserve and settle every call against the budgets (default true). Off: no price is needed either. */
  enabled: boolean;
  /** Default ceilings; `breakwater budget set` overrides them in Redis. */
  ceilings: BudgetCeilings;
  /** How long a call waits (BLOCKED) when only reservations in flight are in the way. */
  busyRetryMs: number;
  /** How long a run's and a turn's budgets live after their last charge. */
  ttlMs: number;
  /** Configured prices, USD per million tokens, by `provider/model` or `model`. */
  modelPrices: Record<string, ConfiguredPrice>;
}
