/**
 * Slow-call detection: a provider call that takes longer than `LLM_SLOW_CALL_MS` is logged (with
 * identifiers only, never the prompt), counted in `ai_llm_slow_calls_total{provider}` and reported
 * to the worker's `onSlowCall` hook.
 */
import type { Logger } from '../src/observability/logger';
import type { BreakwaterMetrics } from '../src/observability/metrics';

/** One slow provider call, as `onSlowCall` receives it. */
export interface SlowCall {
  provider: string;
  model: string;
  operation: string;
  /** The task-wide attempt number. */
  attempt: number;
  /** How long the provider call took, in ms (until its answer, its error or its timeout). */
  durationMs: number;
  /** `LLM_SLOW_CALL_MS`. */
  thresholdMs: number;
  /** `success`, or the failed call's outcome as `ai_llm_calls_total` counts it (`retryable`, …). */
  outcome: string;
}

/** Called once per slow call, on the worker that made it. */
export type SlowCallHook = (call: SlowCall) => void;

export interface SlowCallDeps {
  /** `LLM_SLOW_CALL_MS` (0 = no detection). */
  thresholdMs: number;
  logger: Logger;
  metrics: BreakwaterMetrics;
  onSlowCall?: SlowCallHook;
}

/** Whether a call of `durationMs` is slow under `LLM_SLOW_CALL_MS` = `thresholdMs` (0 = none is). */
export function isSlow(thresholdMs: number, durationMs: number): boolean {
  return thresholdMs > 0 && durationMs > thresholdMs;
}

/** Reports the call when it was slow; a hook that throws is logged, never the call's failure. */
export function reportIfSlow(deps: SlowCallDeps, call: Omit<SlowCall, 'thresholdMs'>): void {
  const { thresholdMs } = deps;
  if (!isSlow(thresholdMs, call.durationMs)) return;
  const slow: SlowCall = { ...call, durationMs: Math.round(call.durationMs), thresholdMs };
  deps.metrics.llmSlowCalls.inc({ provider: call.provider });
  deps.logger.warn(slow, 'slow llm call');
  try {
    deps.onSlowCall?.(slow);
  } catch (error) {
    deps.logger.error({ provider: call.provider, err: error }, 'onSlowCall hook failed');
  }
}
