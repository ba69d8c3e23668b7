/**
 * The guard seam: one admission call before each provider call and one settle call after it,
 * each a single Redis round trip. The breaker, budgets and rate limits live behind it.
 */
import type { ErrorContext } from '../errors';

/** How a settled call counts: against the breaker (`failure`), apart (`rate_limited`), or not at all. */
export type SettleOutcome = 'success' | 'failure' | 'rate_limited' | 'neutral';

export interface AdmitRequest {
  provider: string;
  /** Unique per activity attempt: admitting or settling it twice is harmless. */
  attemptId: string;
  /** How long the admission holds if its worker dies before settling. */
  leaseMs: number;
  context: Partial<ErrorContext>;
}

export interface Admission {
  provider: string;
  attemptId: string;
  /** False when the guard was unreachable and failed open. */
  guarded: boolean;
}

export interface SettleRequest {
  admission: Admission;
  outcome: SettleOutcome;
}

export interface Guard {
  /**
   * Admits the call, or throws `CircuitBreakerOpenError`, `BudgetExceededError` or, when the shared
   * state is unreachable and the guard fails closed, `GuardUnavailableError`.
   */
  admit(request: AdmitRequest): Promise<Admission>;
  /** Records the outcome and releases what the admission held. Never throws. */
  settle(request: SettleRequest): Promise<void>;
}
