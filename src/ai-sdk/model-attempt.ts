/**
 * One activity attempt of one AI SDK model call, under Breakwater's guard: admitted (by the first
 * candidate model whose provider's breaker lets it), made with the activity's cancellation and a
 * call timeout (adaptive, as `llmCall`'s: from the model's rolling latency, which the call's own
 * latency then joins; a stream's first token has a clock of its own), settled with its actual
 * usage, reported when slow, and classified when it fails.
 *
 * A guard refusal that asks to wait (breaker open, rate limit, budget busy, guard unavailable)
 * ends the attempt with a retryable failure whose `nextRetryDelay` is the wait: Temporal's retry
 * timer is the BLOCKED wait, no worker slot is held, and the attempt does not count (see
 * `call-progress.ts`). Waits end, non-retryably, once they add up to `MAX_BLOCKED_MS`.
 */
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3Usage } from '@ai-sdk/provider';
import { Context, type ApplicationFailure } from '@temporalio/activity';
import {
  attemptFailure,
  errorTypeOf,
  recordFailure,
  recordSuccess,
  retried,
} from '../../activities/attempt-outcome';
import { AttemptReporter } from '../../activities/attempt-reporter';
import { callingWorkflow } from '../../activities/calling-workflow';
import { isSlow, reportIfSlow, type SlowCallDeps } from '../../activities/slow-calls';
import type { WorstCase } from '../budget/call-costing';
import {
  ContentPolicyError,
  errorPolicyOf,
  isBreakwaterError,
  RetryableExternalError,
  retryAfterOf,
  toApplicationFailure,
  waitReasonOf,
  type BreakwaterError,
  type ErrorContext,
  type WaitPolicy,
} from '../errors';
import { callTimeouts, isAdaptiveTimeout, type CallTimeouts } from '../guard/adaptive-timeouts';
import type { Admission } from '../guard/guard';
import { StreamWatchdog } from '../providers/stream-watchdog';
import type { LlmRequest } from '../llm/request';
import type { TaskMeta } from '../task';
import { breakwaterCallOptions, type BreakwaterCallOptions } from './call-options';
import { nextWaitMs, progressOf, type CallProgress } from './call-progress';
import { classifySdkError } from './classify-sdk-error';
import { costingView, usageOf } from './costing-view';
import type { AiSdkGuardDeps, ModelCall, ModelCandidate } from './types';

/** A refused attempt's wait when the guard gives none. */
const UNKNOWN_WAIT_MS = 1000;

interface Admitted {
  candidate: ModelCandidate;
  admission: Admission;
  view: LlmRequest;
  worst: WorstCase;
}

export class ModelAttempt {
  private readonly ctx = Context.current();
  private readonly execution = callingWorkflow(this.ctx.info);
  private readonly progress: CallProgress = progressOf(this.ctx.info.heartbeatDetails);
  /** This call's attempt number: Temporal's, less the attempts that were waits. */
  private readonly attempt = this.ctx.info.attempt - this.progress.waits;
  private options: BreakwaterCallOptions = {};
  private context: Partial<ErrorContext>;
  private reporter: AttemptReporter | undefined;
  private admitted: Admitted | undefined;
  private roundWaitMs = Number.POSITIVE_INFINITY;
  private timeouts: CallTimeouts | undefined;
  private timeout: AbortSignal | undefined;
  /** A stream's first-token and idle clocks. */
  private watchdog: StreamWatchdog | undefined;
  /** When the admitted call was made (`signal`); undefined before. */
  private startedAt: number | undefined;
  private firstTokenMs: number | undefined;
  private readonly slowDeps: SlowCallDeps;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: AiSdkGuardDeps,
    private readonly call: ModelCall,
  ) {
    this.context = {
      operation: this.operation,
      provider: call.candidates[0]!.provider,
      attempt: this.attempt,
    };
    this.slowDeps = {
      thresholdMs: deps.timeouts.slowCallMs,
      logger: deps.logger,
      metrics: deps.metrics,
      onSlowCall: deps.onSlowCall,
    };
    // A heartbeat at once, so that the progress reaches the next attempt even if this one is short.
    this.ctx.heartbeat(this.progress);
    const periodMs = this.ctx.info.heartbeatTimeoutMs || deps.policy.heartbeatTimeoutMs;
    this.heartbeat = setInterval(() => this.ctx.heartbeat(this.progress), Math.max(50, periodMs / 3));
  }

  private get operation(): string {
    return this.options.operation ?? this.call.operation ?? this.ctx.info.workflowType ?? 'ai-sdk';
  }

  private get meta(): TaskMeta {
    const meta: TaskMeta = {
      idempotencyKey: this.execution.workflowId,
      runId: this.options.runId ?? this.execution.workflowId,
      operation: this.operation,
      agent: this.ctx.info.workflowType ?? 'ai-sdk',
      priority: 'normal',
    };
    if (this.options.turn !== undefined) meta.turn = this.options.turn;
    return meta;
  }

  /**
   * Reads Breakwater's call options and admits the call through the first candidate the guard
   * lets through; returns its model and the params to call it with.
   */
  async admit(
    params: LanguageModelV3CallOptions,
  ): Promise<{ model: LanguageModelV3; params: LanguageModelV3CallOptions }> {
    const read = breakwaterCallOptions(params, this.context);
    this.options = read.options;
    const { meta } = this;
    this.context = { ...this.context, operation: meta.operation, runId: meta.runId };
    if (read.options.reportAttempts) {
      this.reporter = new AttemptReporter(this.ctx.client, this.execution, this.deps.logger);
    }
    const primary = this.call.candidates[0]!.provider;
    if (this.ctx.info.attempt > 1) await this.reporter?.started({ attempt: this.attempt, provider: primary });
    for (let index = 0; ; index += 1) {
      const candidate = this.call.candidates[index]!;
      try {
        this.admitted = await this.admitOne(candidate, read.params, meta);
        return { model: candidate.model, params: read.params };
      } catch (error) {
        const wait = isBreakwaterError(error) ? errorPolicyOf(error.type).wait : undefined;
        if (!wait) throw error;
        this.roundWaitMs = Math.min(
          this.roundWaitMs,
          retryAfterOf(error as BreakwaterError) ?? UNKNOWN_WAIT_MS,
        );
        const next = this.call.candidates[index + 1];
        if (!wait.perProvider || next === undefined) throw error;
        this.deps.logger.info(
          { ...this.logFields(candidate.provider), fallback: next.provider, errorType: errorTypeOf(error) },
          'ai-sdk model call switched to a fallback',
        );
      }
    }
  }

  private async admitOne(
    candidate: ModelCandidate,
    params: LanguageModelV3CallOptions,
    meta: TaskMeta,
  ): Promise<Admitted> {
    const context = { ...this.context, provider: candidate.provider };
    const view = costingView(candidate.provider, candidate.model.modelId, params);
    const worst = this.deps.costing.worstCase(view, meta, context);
    const { workflowId, runId } = this.execution;
    const admission = await this.deps.guard.admit({
      provider: candidate.provider,
      operation: meta.operation,
      attemptId: `${workflowId}/${runId}/${this.ctx.info.activityId}/${this.ctx.info.attempt}/${candidate.provider}`,
      leaseMs: this.deps.policy.attemptTimeoutMs,
      claim: worst.claim,
      tokens: worst.tokens,
      context,
      model: candidate.model.modelId,
    });
    this.context = context;
    return { candidate, admission, view, worst };
  }

  /**
   * The abort signal of the admitted call: the activity's cancellation, or the call timeout; for a
   * `stream`, also its first token's and idle clocks (see `streamed`).
   */
  signal(stream = false): AbortSignal {
    const { policy } = this.deps;
    this.timeouts = callTimeouts(this.admitted!.admission.latency, this.deps.timeouts, policy);
    this.timeout = AbortSignal.timeout(this.timeouts.call.ms);
    const signals = [this.ctx.cancellationSignal, this.timeout];
    if (stream) {
      this.watchdog = new StreamWatchdog({
        firstTokenTimeoutMs: this.timeouts.firstToken.ms,
        idleTimeoutMs: policy.streamIdleTimeoutMs ?? policy.callTimeoutMs,
      });
      signals.push(this.watchdog.signal);
    }
    this.startedAt = performance.now();
    return AbortSignal.any(signals);
  }

  /** A part of the streamed answer arrived; `token`: it carried some of the answer. */
  streamed(token: boolean): void {
    if (token) this.firstTokenMs ??= this.elapsedMs();
    this.watchdog?.event(token);
  }

  /** Settles the admitted call with what it used (and the tool calls its answer asked for), and counts it. */
  async succeeded(usage: LanguageModelV3Usage, toolCalls = 0): Promise<void> {
    const admitted = this.admitted!;
    const { provider } = admitted.candidate;
    const callUsage = usageOf(usage, admitted.view, admitted.worst.tokens);
    const actual = this.deps.costing.actual(admitted.view, callUsage, admitted.worst);
    const latencyMs = this.elapsedMs();
    const { firstTokenMs } = this;
    await this.deps.guard.settle({
      admission: admitted.admission,
      outcome: 'success',
      actual: { ...actual, toolCalls },
      latency: { totalMs: latencyMs, ...(firstTokenMs === undefined ? {} : { firstTokenMs }) },
      slow: isSlow(this.slowDeps.thresholdMs, latencyMs),
    });
    this.reportIfSlow(latencyMs, 'success');
    recordSuccess(this.deps.metrics, {
      provider,
      operation: this.operation,
      actual,
      usage: callUsage,
      latencyMs,
    });
    this.deps.logger.info(
      {
        ...this.logFields(provider),
        latencyMs: Math.round(latencyMs),
        tokens: actual.tokens,
        costMicros: actual.micros,
      },
      'ai-sdk model call succeeded',
    );
  }

  /**
   * Settles and counts a failed call, and returns what to throw: the `ApplicationFailure` of
   * its classification, a wait, or the cancellation as it came.
   */
  async failed(error: unknown): Promise<unknown> {
    const classified = await this.settleFailure(error);
    if (this.ctx.cancellationSignal.aborted) return error;
    const { wait } = errorPolicyOf(errorTypeOf(classified));
    if (wait && this.admitted === undefined) return this.blocked(classified as BreakwaterError, wait);
    return attemptFailure(classified, {
      attempt: this.attempt,
      retry: this.deps.policy.retry,
      provider: this.context.provider!,
      operation: this.operation,
      logger: this.deps.logger,
      reporter: this.reporter,
      nonRetryableWhenExhausted: true,
      random: this.deps.random ?? Math.random,
    });
  }

  /**
   * Classifies `error`, and, when the call was admitted, settles it (how it counts against the
   * breaker) and counts it; returns the classified error.
   */
  async settleFailure(error: unknown, cancelled = this.ctx.cancellationSignal.aborted): Promise<unknown> {
    const classified = cancelled ? error : this.classify(error);
    if (this.admitted) {
      const { admission, candidate } = this.admitted;
      const policy = errorPolicyOf(errorTypeOf(classified));
      const durationMs = this.elapsedMs();
      await this.deps.guard.settle({
        admission,
        outcome: cancelled ? 'neutral' : policy.breaker,
        slow: !cancelled && isSlow(this.slowDeps.thresholdMs, durationMs),
      });
      recordFailure(this.deps.metrics, {
        provider: candidate.provider,
        outcome: cancelled ? 'cancelled' : policy.metric,
        latencyMs: durationMs,
      });
      if (!cancelled) this.reportIfSlow(durationMs, policy.metric);
      if (this.timeouts && isAdaptiveTimeout(classified, this.timeouts)) {
        this.deps.logger.warn(
          {
            ...this.logFields(candidate.provider),
            model: candidate.model.modelId,
            reason: classified.reason,
            durationMs: Math.round(durationMs),
            timeouts: this.timeouts,
          },
          'llm call aborted by its adaptive timeout',
        );
      }
    }
    return classified;
  }

  /** The time since the admitted call was made (0 when it was not). */
  private elapsedMs(): number {
    return this.startedAt === undefined ? 0 : performance.now() - this.startedAt;
  }

  /** `error` in Breakwater's taxonomy: a stream's stalled clock, the call timeout, or the SDK's error. */
  private classify(error: unknown): unknown {
    const stall = this.watchdog?.reason;
    if (stall && !isBreakwaterError(error)) {
      return new RetryableExternalError(
        `${this.context.provider ?? 'provider'} stream stalled (${stall})`,
        stall,
        this.context,
      );
    }
    return classifySdkError(error, this.timeout?.aborted ?? false, this.context) ?? error;
  }

  private reportIfSlow(durationMs: number, outcome: string): void {
    const { candidate } = this.admitted!;
    reportIfSlow(this.slowDeps, {
      provider: candidate.provider,
      model: candidate.model.modelId,
      operation: this.operation,
      attempt: this.attempt,
      durationMs,
      outcome,
    });
  }

  /** The error of an answer the provider's content filter stopped: not retried, counted against nothing. */
  contentFiltered(rawFinishReason: string | undefined): ContentPolicyError {
    return new ContentPolicyError(
      `${this.context.provider ?? 'provider'} declined to answer (content_filter)`,
      'content_filter',
      rawFinishReason,
      this.context,
    );
  }

  /** Stops heartbeating and the stream's clocks: the attempt is over (for a stream: once it ended). */
  end(): void {
    clearInterval(this.heartbeat);
    this.watchdog?.stop();
  }

  /** The failure that makes Temporal retry after the wait, or, past `MAX_BLOCKED_MS`, the refusal's own. */
  private blocked(error: BreakwaterError, wait: WaitPolicy): ApplicationFailure {
    const { breakerState } = error.details();
    const fields = {
      ...this.logFields(this.context.provider!),
      reason: waitReasonOf(wait, typeof breakerState === 'string' ? breakerState : undefined),
      blockedMs: this.progress.blockedMs,
    };
    const waitMs = nextWaitMs(this.progress, this.roundWaitMs, this.deps.policy.maxBlockedMs);
    const failure = toApplicationFailure(error);
    if (waitMs === undefined) {
      this.deps.logger.warn(fields, 'ai-sdk model call blocked longer than MAX_BLOCKED_MS');
      return failure;
    }
    this.ctx.heartbeat(this.progress);
    this.deps.logger.warn({ ...fields, waitMs }, 'ai-sdk model call blocked');
    return retried(failure, {
      message: `${failure.message}; waiting ${waitMs} ms`,
      nonRetryable: false,
      nextRetryDelay: waitMs,
    });
  }

  private logFields(provider: string) {
    return {
      workflowId: this.execution.workflowId,
      provider,
      operation: this.operation,
      attempt: this.attempt,
    };
  }
}
