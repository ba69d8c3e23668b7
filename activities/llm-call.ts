import type { Tracer } from '@opentelemetry/api';
import { Context } from '@temporalio/activity';
import type { KeptAnswers } from '../src/answers/kept-answers';
import type { CallCosting, WorstCase } from '../src/budget/call-costing';
import type { AdaptiveTimeoutSettings } from '../src/config';
import type { DeltaWriters } from '../src/deltas/delta-writer';
import {
  errorPolicyOf,
  isContentPolicyError,
  RateLimitExceededError,
  type ErrorContext,
} from '../src/errors';
import { callTimeouts, isAdaptiveTimeout, type CallTimeouts } from '../src/guard/adaptive-timeouts';
import type { Admission, Guard } from '../src/guard/guard';
import type { Logger } from '../src/observability/logger';
import type { BreakwaterMetrics } from '../src/observability/metrics';
import { llmResponseOutcome, traceProviderCall } from '../src/observability/provider-span';
import { NO_TRACER } from '../src/observability/tracing';
import type { ProviderRegistry } from '../src/providers/registry';
import type { LlmRequest } from '../src/llm/request';
import type { LlmResponse } from '../src/llm/response';
import type { TaskMeta, TaskPolicy } from '../src/task';
import { attemptFailure, errorTypeOf, recordFailure, recordSuccess } from './attempt-outcome';
import { AttemptReporter } from './attempt-reporter';
import { callingWorkflow } from './calling-workflow';
import { callProvider } from './provider-call';
import { isSlow, reportIfSlow, type SlowCallHook } from './slow-calls';

export interface LlmCallInput {
  request: LlmRequest;
  meta: TaskMeta;
  policy: TaskPolicy;
  /** Attempts consumed by earlier schedules of this call: a BLOCKED wait reschedules it without burning any. */
  attemptOffset: number;
  /** Signal each retryable failure and retry start to the calling workflow (for its ledger). */
  reportAttempts: boolean;
}

export interface LlmCallResult {
  response: LlmResponse;
  /** The task-wide number of the attempt that succeeded. */
  attempt: number;
  latencyMs: number;
  /**
   * Set when a retry returned the answer an earlier attempt of this call received (kept in Redis)
   * because that attempt's completion never reached Temporal: the provider was not called again.
   */
  recovered?: true;
}

export interface LlmCallDeps {
  providers: ProviderRegistry;
  guard: Guard;
  costing: CallCosting;
  /** The most provider calls one task may make (`RATE_LIMIT_CALLS_PER_TASK`). */
  callsPerTask: number;
  /** Where streamed answers' deltas go, live. */
  deltaWriters: DeltaWriters;
  /** Where each answer is kept for a retry whose completion was lost. */
  keptAnswers: KeptAnswers;
  /** Adaptive call timeouts and slow-call detection (`LLM_TIMEOUT_*`, `LLM_SLOW_CALL_MS`). */
  timeouts: AdaptiveTimeoutSettings;
  /** Told about every call slower than `LLM_SLOW_CALL_MS`. */
  onSlowCall?: SlowCallHook;
  logger: Logger;
  metrics: BreakwaterMetrics;
  /** Where the provider call's span goes, a child of the activity's (default: nowhere). */
  tracer?: Tracer;
  random?: () => number;
}

/** The guarded LLM call: admit, call the provider, settle, classify. One activity attempt per call. */
export function createLlmCall(deps: LlmCallDeps) {
  const random = deps.random ?? Math.random;
  const tracer = deps.tracer ?? NO_TRACER;
  const slowDeps = {
    thresholdMs: deps.timeouts.slowCallMs,
    logger: deps.logger,
    metrics: deps.metrics,
    onSlowCall: deps.onSlowCall,
  };

  return async function llmCall(input: LlmCallInput): Promise<LlmCallResult> {
    const ctx = Context.current();
    const { info } = ctx;
    const execution = callingWorkflow(info);
    const attempt = input.attemptOffset + info.attempt;
    const provider = input.request.provider;
    const context: Partial<ErrorContext> = {
      operation: input.meta.operation,
      runId: input.meta.runId,
      provider,
      attempt,
    };
    const reporter = input.reportAttempts
      ? new AttemptReporter(ctx.client, execution, deps.logger)
      : undefined;
    const call = { ...execution, activityId: info.activityId };
    if (info.attempt > 1) {
      await reporter?.started({ attempt, provider });
      // An earlier attempt may have been answered (and charged) after all: its answer, not a second call.
      const kept = await deps.keptAnswers.recover(call);
      if (kept) {
        deps.metrics.answersRecovered.inc({ provider });
        deps.logger.info(
          { provider, operation: input.meta.operation, attempt, answeredAttempt: kept.attempt },
          'llm call answered by an earlier attempt whose completion was lost',
        );
        return { response: kept.response, attempt: kept.attempt, latencyMs: kept.latencyMs, recovered: true };
      }
    }

    let admission: Admission | undefined;
    let worst: WorstCase | undefined;
    let timeouts: CallTimeouts | undefined;
    let providerStartedAt: number | undefined;
    const startedAt = performance.now();
    const slowCall = { provider, model: input.request.model, operation: input.meta.operation, attempt };
    try {
      const adapter = deps.providers.get(provider, context);
      if (attempt > deps.callsPerTask) {
        throw new RateLimitExceededError(
          `task reached its cap of ${deps.callsPerTask} provider calls`,
          'task_calls',
          undefined,
          context,
        );
      }
      worst = deps.costing.worstCase(input.request, input.meta, context);
      admission = await deps.guard.admit({
        provider,
        operation: input.meta.operation,
        attemptId: `${execution.workflowId}/${execution.runId}/${info.activityId}/${attempt}`,
        leaseMs: input.policy.attemptTimeoutMs,
        claim: worst.claim,
        tokens: worst.tokens,
        context,
        // A task that keeps a ledger counts as waiting until admitted (load shedding reads the count).
        ...(input.reportAttempts
          ? { task: { taskQueue: info.taskQueue, workflowId: execution.workflowId } }
          : {}),
        model: input.request.model,
      });
      timeouts = callTimeouts(admission.latency, deps.timeouts, input.policy);
      providerStartedAt = performance.now();
      const providerTimeouts = {
        callTimeoutMs: timeouts.call.ms,
        firstTokenTimeoutMs: timeouts.firstToken.ms,
      };
      const { response, firstTokenMs } = await traceProviderCall(
        tracer,
        { system: adapter.system, model: input.request.model },
        () =>
          callProvider(adapter, {
            ctx,
            attempt,
            request: input.request,
            policy: input.policy,
            timeouts: providerTimeouts,
            context,
            deltas: input.request.stream ? deps.deltaWriters(input.meta.idempotencyKey, attempt) : undefined,
          }),
        (answer) => llmResponseOutcome(answer.response),
      );
      const callMs = performance.now() - providerStartedAt;
      const actual = deps.costing.actual(input.request, response.usage, worst);
      await deps.guard.settle({
        admission,
        outcome: 'success',
        actual: { ...actual, toolCalls: response.toolCalls.length },
        latency: { totalMs: callMs, ...(firstTokenMs === undefined ? {} : { firstTokenMs }) },
        slow: isSlow(slowDeps.thresholdMs, callMs),
      });
      reportIfSlow(slowDeps, { ...slowCall, durationMs: callMs, outcome: 'success' });
      const { operation } = input.meta;
      const latencyMs = performance.now() - startedAt;
      recordSuccess(deps.metrics, { provider, operation, actual, usage: response.usage, latencyMs });
      const result = { response, attempt, latencyMs: Math.round(latencyMs) };
      // Kept once settled: a retry that takes it was charged once, by this attempt.
      await deps.keptAnswers.keep(call, result);
      return result;
    } catch (error) {
      const cancelled = ctx.cancellationSignal.aborted;
      const policy = errorPolicyOf(errorTypeOf(error));
      // A declined answer was still billed: the budgets charge what it used.
      const billed = isContentPolicyError(error) ? error.usage : undefined;
      const actual = billed && worst ? deps.costing.actual(input.request, billed, worst) : undefined;
      const durationMs = providerStartedAt === undefined ? 0 : performance.now() - providerStartedAt;
      if (admission) {
        await deps.guard.settle({
          admission,
          outcome: cancelled ? 'neutral' : policy.breaker,
          actual,
          slow: !cancelled && isSlow(slowDeps.thresholdMs, durationMs),
        });
      }
      if (providerStartedAt !== undefined) {
        const outcome = cancelled ? 'cancelled' : policy.metric;
        recordFailure(deps.metrics, { provider, outcome, latencyMs: performance.now() - startedAt });
        if (!cancelled) reportIfSlow(slowDeps, { ...slowCall, durationMs, outcome });
        if (timeouts && isAdaptiveTimeout(error, timeouts)) {
          deps.logger.warn(
            { ...slowCall, reason: error.reason, durationMs: Math.round(durationMs), timeouts },
            'llm call aborted by its adaptive timeout',
          );
        }
      }
      if (cancelled) throw error;
      throw await attemptFailure(error, {
        attempt,
        retry: input.policy.retry,
        provider,
        operation: input.meta.operation,
        logger: deps.logger,
        reporter,
        random,
      });
    }
  };
}
