/** Which budget scopes are nearest their ceilings: the budgets part of the status and of `/health`. */
import type { ScopeStatus } from '../budget/token-manager';

/** A scope that keeps a running total under a ceiling, and how much of the ceiling it uses. */
export interface BudgetUsage {
  scope: ScopeStatus['scope'];
  unit: ScopeStatus['unit'];
  limit: number;
  /** Spent plus reserved by calls in flight. */
  used: number;
  /** `used / limit`. */
  share: number;
}

/**
 * The scopes of `scopes` with a ceiling and a running total, nearest their ceiling first. The
 * operation scope is left out: it is a per-call ceiling and keeps no total.
 */
export function budgetsNearCeiling(scopes: readonly ScopeStatus[]): BudgetUsage[] {
  return scopes
    .filter((status) => status.limit > 0 && status.scope !== 'operation')
    .map((status) => {
      const used = status.spent + status.reserved;
      return {
        scope: status.scope,
        unit: status.unit,
        limit: status.limit,
        used,
        share: used / status.limit,
      };
    })
    .sort((a, b) => b.share - a.share);
}
