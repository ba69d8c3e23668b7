/** The guard around AI SDK model calls: what it is built from, and the models one call may try. */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Tracer } from '@opentelemetry/api';
import type { SlowCallHook } from '../../activities/slow-calls';
import type { CallCosting } from '../budget/call-costing';
import type { AdaptiveTimeoutSettings } from '../config/types';
import type { Guard } from '../guard/guard';
import type { Logger } from '../observability/logger';
import type { BreakwaterMetrics } from '../observability/metrics';
import type { TaskPolicy } from '../task';

/** What the guard around AI SDK model calls is built from (a worker's parts). */
export interface AiSdkGuardDeps {
  guard: Guard;
  costing: CallCosting;
  /** Retries, the fixed call timeouts, heartbeat cadence and the longest total wait (`MAX_BLOCKED_MS`). */
  policy: TaskPolicy;
  /** Adaptive call timeouts and slow-call detection (`LLM_TIMEOUT_*`, `LLM_SLOW_CALL_MS`). */
  timeouts: AdaptiveTimeoutSettings;
  /** Told about every call slower than `LLM_SLOW_CALL_MS`. */
  onSlowCall?: SlowCallHook;
  logger: Logger;
  metrics: BreakwaterMetrics;
  /** Where each generated call's `chat {model}` span goes (default: nowhere). */
  tracer?: Tracer;
  random?: () => number;
}

/** A model the call may be made with, and the Breakwater provider (breaker, limits, prices) it belongs to. */
export interface ModelCandidate {
  provider: string;
  model: LanguageModelV3;
}

/** One model call: the models to try, in order (the one asked for, then its fallbacks). */
export interface ModelCall {
  candidates: readonly ModelCandidate[];
  /** The operation of calls that name none (default: the calling workflow's type). */
  operation?: string;
}
