/**
 * The adaptive call timeout: `clamp(p95 × LLM_TIMEOUT_P95_FACTOR, LLM_TIMEOUT_MIN_MS, fixed)`, from
 * the model's rolling latency that its admission carried back. Below `LLM_TIMEOUT_MIN_SAMPLES`
 * samples, or with the factor 0, the fixed timeout applies.
 */
import type { AdaptiveTimeoutSettings } from '../config';
import { isRetryableExternalError, type RetryableExternalError } from '../errors';
import type { LatencyDistribution, ModelLatency } from '../redis/types';

/** Where a call's timeout came from. */
export type TimeoutSource = 'adaptive' | 'fixed';

export interface DerivedTimeout {
  ms: number;
  source: TimeoutSource;
}

/** The timeouts of one call: the whole call's, and a stream's wait for its first token. */
export interface CallTimeouts {
  call: DerivedTimeout;
  firstToken: DerivedTimeout;
}

/**
 * The timeout one distribution gives: its p95 times the factor, clamped to `[minMs, fixedMs]`
 * (`fixedMs` wins when it is the smaller), or `fixedMs` when the distribution is too thin to trust.
 */
export function derivedTimeout(
  distribution: LatencyDistribution | undefined,
  settings: AdaptiveTimeoutSettings,
  fixedMs: number,
): DerivedTimeout {
  if (settings.p95Factor === 0 || !distribution || distribution.samples < settings.minSamples) {
    return { ms: fixedMs, source: 'fixed' };
  }
  const scaled = Math.ceil(distribution.p95Ms * settings.p95Factor);
  return { ms: Math.min(fixedMs, Math.max(settings.minMs, scaled)), source: 'adaptive' };
}

/**
 * A call's timeouts from its model's rolling latency (undefined: none known, the fixed ones apply).
 * `fixed.firstTokenTimeoutMs` defaults to the call timeout, as a stream's clock does.
 */
export function callTimeouts(
  latency: ModelLatency | undefined,
  settings: AdaptiveTimeoutSettings,
  fixed: { callTimeoutMs: number; firstTokenTimeoutMs?: number },
): CallTimeouts {
  return {
    call: derivedTimeout(latency?.total, settings, fixed.callTimeoutMs),
    firstToken: derivedTimeout(
      latency?.firstToken,
      settings,
      fixed.firstTokenTimeoutMs ?? fixed.callTimeoutMs,
    ),
  };
}

/** Whether `error` is a call (or a stream's first token) timing out under an adaptive timeout. */
export function isAdaptiveTimeout(error: unknown, timeouts: CallTimeouts): error is RetryableExternalError {
  if (!isRetryableExternalError(error)) return false;
  if (error.reason === 'timeout') return timeouts.call.source === 'adaptive';
  return error.reason === 'first_token_timeout' && timeouts.firstToken.source === 'adaptive';
}
