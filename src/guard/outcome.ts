import { ErrorType, isBreakwaterError } from '../errors';
import type { SettleOutcome } from './guard';

/** How a call's outcome counts for the guard (the "counts against breaker" column of DESIGN.md). */
export function settleOutcomeOf(error: unknown): SettleOutcome {
  if (error === undefined) return 'success';
  if (!isBreakwaterError(error)) return 'neutral';
  if (error.type === ErrorType.RetryableExternal) return 'failure';
  if (error.type === ErrorType.RateLimited) return 'rate_limited';
  return 'neutral';
}
