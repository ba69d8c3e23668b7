/** The circuit breaker's knobs (seed defaults). Shared by the Redis breaker and the in-process model. */
export type BreakerMode = 'consecutive' | 'rate';

export interface BreakerSettings {
  /** How the breaker decides to open: consecutive counted failures, or a failure rate over a window. */
  mode: BreakerMode;
  /** Consecutive counted failures that open the breaker (`BREAKER_FAILS`, default 5). */
  failureThreshold: number;
  /** Time OPEN before the breaker may half-open (`BREAKER_RESET_SEC`, default 60 s). */
  resetMs: number;
  /** Probes admitted at once while HALF_OPEN, cluster-wide (`BREAKER_HALF_OPEN_PROBES`, default 1). */
  halfOpenProbes: number;
  /** Chance that a free probe slot admits a call (`BREAKER_HALF_OPEN_PROB`, default 1: always). */
  halfOpenProbability: number;
  /** Probe successes that close the breaker (`BREAKER_SUCCESS_THRESHOLD`, default 2). */
  successThreshold: number;
  /** How long a call refused while HALF_OPEN waits before asking again. */
  halfOpenRetryMs: number;
  /** Rate mode: the sliding window (`BREAKER_WINDOW_SEC`, default 60 s). */
  windowMs: number;
  /** Rate mode: failure share that opens the breaker (`BREAKER_FAILURE_RATE`, default 0.5). */
  failureRate: number;
  /** Rate mode: calls in the window before the rate counts (`BREAKER_MIN_VOLUME`, default 10). */
  minimumVolume: number;
  /** Distinct workers whose failures are needed to open (`BREAKER_MIN_WORKERS`, default 1). */
  minDistinctWorkers: number;
}

export const BREAKER_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/** The value of `ai_circuit_breaker_state`: 0=CLOSED, 1=OPEN, 2=HALF_OPEN. */
export function breakerStateGaugeValue(state: BreakerStateName): number {
  return BREAKER_STATES.indexOf(state);
}
