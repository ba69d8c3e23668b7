/**
 * The circuit breaker's vocabulary: its settings, states, counts, transitions and status. Types and
 * constants only (no I/O), so every layer may use them, workflow code included.
 *
 * The breaker's transitions run in Redis (`src/redis/lua/_breaker.lua`); `reference-model.ts`
 * implements the same rules in process.
 */

export type BreakerMode = 'consecutive' | 'rate';

/** The circuit breaker's knobs (`BREAKER_*`; defaults in the configuration table). */
export interface BreakerSettings {
  /** How the breaker decides to open: consecutive counted failures, or a failure rate over a window. */
  mode: BreakerMode;
  /** Consecutive counted failures that open the breaker (`BREAKER_FAILS`). */
  failureThreshold: number;
  /** Time OPEN before the breaker may half-open (`BREAKER_RESET_SEC`). */
  resetMs: number;
  /** Probes admitted at once while HALF_OPEN, cluster-wide (`BREAKER_HALF_OPEN_PROBES`). */
  halfOpenProbes: number;
  /** Chance that a free probe slot admits a call (`BREAKER_HALF_OPEN_PROB`). */
  halfOpenProbability: number;
  /** Probe successes that close the breaker (`BREAKER_SUCCESS_THRESHOLD`). */
  successThreshold: number;
  /** How long a call refused while HALF_OPEN waits before asking again (`BREAKER_HALF_OPEN_RETRY_MS`). */
  halfOpenRetryMs: number;
  /** Rate mode: the sliding window (`BREAKER_WINDOW_SEC`). */
  windowMs: number;
  /** Rate mode: failure share that opens the breaker (`BREAKER_FAILURE_RATE`). */
  failureRate: number;
  /** Rate mode: calls in the window before the rate counts (`BREAKER_MIN_VOLUME`). */
  minimumVolume: number;
  /** Distinct workers whose failures are needed to open (`BREAKER_MIN_WORKERS`). */
  minDistinctWorkers: number;
  /**
   * Rate mode: share of slow calls (slower than `LLM_SLOW_CALL_MS`, whatever their outcome) in the
   * window that opens the breaker, as resilience4j's slow-call rate threshold (`BREAKER_SLOW_CALL_RATE`; 0 = off).
   */
  slowCallRate: number;
}

export const BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/**
 * How a settled call counts against its provider's breaker: a `failure`, a `success`, apart as a
 * rate signal (`rate_limited`, a 429), or not at all (`neutral`). The error-policy table says which
 * error counts how.
 */
export type BreakerOutcome = 'success' | 'failure' | 'rate_limited' | 'neutral';

export interface BreakerCounts {
  consecutiveFailures: number;
  halfOpenSuccesses: number;
  windowCalls: number;
  windowFailures: number;
  distinctFailingWorkers: number;
}

export interface BreakerTransition {
  from: BreakerStateName;
  to: BreakerStateName;
  /** `failure_threshold`, `failure_rate`, `slow_call_rate`, `reset_timeout`, `probe_failed`, `probe_successes`, `forced_open`, `manual_reset`. */
  reason: string;
  at: number;
  counts: BreakerCounts;
}

/** A breaker's answer to one attempt. */
export type AdmitDecision =
  | { admitted: true; probe: boolean; transition?: BreakerTransition }
  | { admitted: false; state: BreakerStateName; retryAfterMs: number; transition?: BreakerTransition };

export interface BreakerSettleResult {
  /** False when the attempt was already settled (or its lease expired): nothing was counted. */
  settled: boolean;
  transition?: BreakerTransition;
}

/** A provider's shared rate limit (0: that bucket is off) and what its two buckets hold now. */
export interface RateLimitLevel {
  rpm: number;
  tpm: number;
  burst: number;
  tokenBurst: number;
  /** Requests the request bucket holds (of `burst`). */
  requests: number;
  /** Tokens the token bucket holds (of `tokenBurst`). */
  tokens: number;
}

export interface BreakerStatus {
  provider: string;
  /** The effective state: an OPEN breaker past its reset time reports HALF_OPEN. */
  state: BreakerStateName;
  /** When OPEN: epoch ms at which it may half-open. */
  openUntil?: number;
  /** When OPEN: ms until it may half-open. */
  retryAfterMs: number;
  inFlight: number;
  probesInFlight: number;
  counts: BreakerCounts;
  /** Cluster-wide counters: admitted, probes, success, failure, rate_limited, neutral, rejected_*, transitions, … */
  stats: Record<string, number>;
  /**
   * The provider's shared rate limit and what its buckets hold now, as the last admission that used a
   * limit left them (refilled to now); absent until one did.
   */
  rateLimit?: RateLimitLevel;
  /** The transition an operator action caused, if any. */
  transition?: BreakerTransition;
}
