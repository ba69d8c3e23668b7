/**
 * The guard seam: one admission call before each provider call and one settle call after it, each
 * a single Redis round trip. The shared circuit breaker, the rate limits and the budgets live behind it.
 */
import type { BreakerOutcome } from '../breaker/types';
import type { BudgetClaim } from '../budget/types';
import type { ErrorContext } from '../errors';
import type { ModelLatency } from '../redis/types';

export interface AdmitRequest {
  provider: string;
  /** The call's operation (a tool may have a rate limit of its own). */
  operation: string;
  /** Unique per activity attempt: admitting or settling it twice is harmless. */
  attemptId: string;
  /** How long the admission holds if its worker dies before settling. */
  leaseMs: number;
  /** What the call may cost at worst, per budget scope (undefined when budgets are off). */
  claim?: BudgetClaim;
  /** Worst-case tokens, for the provider's tokens-per-minute limit. */
  tokens: number;
  context: Partial<ErrorContext>;
  /**
   * The Breakwater task this call is for: admitted, it no longer counts as waiting; refused with a
   * wait, it counts as `BLOCKED` (the counts load shedding reads).
   */
  task?: { taskQueue: string; workflowId: string };
  /** The model called: the admission carries its rolling latency (the adaptive timeout's input). */
  model?: string;
}

export interface Admission {
  provider: string;
  operation: string;
  attemptId: string;
  /** False when the guard was unreachable and failed open. */
  guarded: boolean;
  /** The provider's breaker when it admitted the call (`HALF_OPEN`: as a probe); unset when unguarded. */
  breakerState?: 'CLOSED' | 'HALF_OPEN';
  /** The budget reservation to settle ('' when none). */
  reservation: string;
  /** Worst-case tokens taken from the rate limit. */
  tokens: number;
  /**
   * When the admission's lease ends (epoch ms, this worker's clock, taken before the admission's
   * round trip so it never ends later than Redis's): a settle that cannot reach Redis is retried until then.
   */
  leaseEndsAt: number;
  /** The model called, when the request named it. */
  model?: string;
  /**
   * The model's rolling latency of successful calls, shared by every worker (absent when the
   * request named no model, or the guard is off or unreachable).
   */
  latency?: ModelLatency;
}

export interface SettleRequest {
  admission: Admission;
  /** How the call counts against its provider's breaker. */
  outcome: BreakerOutcome;
  /**
   * What the call actually cost (nothing when it failed before an answer), and the tool calls its
   * answer asked for: each counts against the turn's tool-call budget, as the call itself did.
   */
  actual?: { micros: number; tokens: number; toolCalls?: number };
  /**
   * A successful call's latency, in ms (and a stream's time to first token): a sample of its
   * model's rolling latency, recorded in the same round trip.
   */
  latency?: { totalMs: number; firstTokenMs?: number };
  /** The call was slower than `LLM_SLOW_CALL_MS` (counted by the breaker's slow-call rate). */
  slow?: boolean;
}

export interface Guard {
  /**
   * Admits the call, or throws: `BudgetExceededError` (a scope's ceiling would be passed),
   * `BudgetBusyError` (reservations in flight hold it: wait), `CircuitBreakerOpenError`,
   * `RateLimitWaitError` / `RateLimitExceededError`, or, when the shared state is unreachable and
   * the guard fails closed, `GuardUnavailableError`.
   */
  admit(request: AdmitRequest): Promise<Admission>;
  /**
   * Records the outcome, charges the actual cost and releases what the admission held. Never throws:
   * a settle that cannot reach Redis is delivered later, until the admission's lease ends.
   */
  settle(request: SettleRequest): Promise<void>;
}
