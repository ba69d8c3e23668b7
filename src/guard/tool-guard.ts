/**
 * The guard of the activities named in `TOOL_GUARDS` (an agent's tools): one round trip to admit a
 * call (its cap per task, its shared breaker, its shared rate limit), one to settle it. An activity
 * not named there is not this guard's: it never reaches Redis.
 */
import type { BreakerTransition } from '../breaker/types';
import type { ToolGuard as ToolGuardSettings, ToolGuards } from '../config';
import {
  GuardUnavailableError,
  ToolCallCapError,
  ToolCircuitOpenError,
  ToolRateLimitExceededError,
  ToolRateLimitWaitError,
  type BreakwaterError,
  type ErrorContext,
} from '../errors';
import type { Logger } from '../observability/logger';
import type { BreakwaterMetrics } from '../observability/metrics';
import { toolBreakerName } from '../redis/keys';
import type { ToolAdmitOutcome, ToolScripts, ToolScriptSettings } from '../redis/tool-scripts';
import type { ToolOutcome } from './tool-outcome';

export interface ToolGuardOptions {
  scripts: ToolScripts;
  tools: ToolGuards;
  workerId: string;
  /** Run the tool when Redis is unreachable instead of failing closed (`GUARD_FAIL_OPEN`). */
  failOpen: boolean;
  /** The wait a fail-closed refusal asks for. */
  unavailableRetryMs: number;
  logger: Logger;
  /** Where the tool breakers' transitions and refusals are counted (`tool` label). */
  metrics: BreakwaterMetrics;
  /** Called once, cluster-wide, for every transition of a tool's breaker (by the worker whose call caused it). */
  onStateChange?: (change: ToolBreakerStateChange) => void;
  random?: () => number;
}

/** A transition of a tool's breaker. */
export interface ToolBreakerStateChange extends BreakerTransition {
  tool: string;
}

/** One call of a guarded tool. */
export interface ToolCall {
  tool: string;
  /** Unique per activity attempt: settling it twice is harmless. */
  attemptId: string;
  /** The task whose calls the tool's `maxCallsPerTask` caps. */
  workflowId: string;
  context: Partial<ErrorContext>;
}

/** An admitted call; `guarded` is false when Redis was unreachable and the guard failed open. */
export interface ToolAdmission {
  tool: string;
  attemptId: string;
  guarded: boolean;
}

type Refusal = Exclude<ToolAdmitOutcome, { code: 'admitted' }>;

export class ToolGuard {
  private readonly settings = new Map<string, ToolScriptSettings>();
  private readonly registered = new Set<string>();

  constructor(private readonly options: ToolGuardOptions) {
    for (const [tool, guard] of Object.entries(options.tools)) {
      this.settings.set(tool, {
        breaker: guard.breaker,
        ...(guard.rateLimit ? { rate: guard.rateLimit.rate } : {}),
      });
    }
  }

  /** The guarded tools' names. */
  get tools(): string[] {
    return [...this.settings.keys()];
  }

  /** The settings of `tool`, or undefined when it is not guarded. */
  guardOf(tool: string): ToolGuardSettings | undefined {
    return Object.hasOwn(this.options.tools, tool) ? this.options.tools[tool] : undefined;
  }

  /**
   * Admits the call, or throws: `ToolCallCapError`, `ToolCircuitOpenError`, `ToolRateLimitWaitError` /
   * `ToolRateLimitExceededError`, or, when Redis is unreachable and the guard fails closed,
   * `GuardUnavailableError`.
   */
  async admit(call: ToolCall): Promise<ToolAdmission> {
    const guard = this.requireGuard(call.tool);
    this.register(call.tool);
    let outcome: ToolAdmitOutcome;
    try {
      outcome = await this.options.scripts.admit({
        tool: call.tool,
        attemptId: call.attemptId,
        leaseMs: guard.leaseMs,
        settings: this.settings.get(call.tool)!,
        workflowId: call.workflowId,
        maxCallsPerTask: guard.maxCallsPerTask ?? 0,
        random: (this.options.random ?? Math.random)(),
      });
    } catch (error) {
      return this.unavailable(call, error);
    }
    if (outcome.transition) this.transitioned(call.tool, outcome.transition);
    if (outcome.code === 'admitted') return { tool: call.tool, attemptId: call.attemptId, guarded: true };
    throw this.refusalError(call, guard, outcome);
  }

  /** Records the call's outcome on its breaker and releases its lease. Never throws: an unsettled lease ends on its own. */
  async settle(admission: ToolAdmission, outcome: ToolOutcome | 'success'): Promise<void> {
    if (!admission.guarded) return;
    try {
      const result = await this.options.scripts.settle({
        tool: admission.tool,
        attemptId: admission.attemptId,
        outcome,
        workerId: this.options.workerId,
        settings: this.settings.get(admission.tool)!,
      });
      if (result.transition) this.transitioned(admission.tool, result.transition);
    } catch (error) {
      this.options.logger.warn(
        { tool: admission.tool, attemptId: admission.attemptId, outcome, err: error },
        "tool settle failed: its breaker lets the call's lease go when the lease ends",
      );
    }
  }

  /** Records every guarded tool in the tool registry (for status listings); a worker does it at start. */
  async registerAll(): Promise<void> {
    const tools = this.tools;
    if (tools.length === 0) return;
    await this.options.scripts.redis.sadd(this.options.scripts.keys.key('toolRegistry'), ...tools);
    tools.forEach((tool) => this.registered.add(tool));
  }

  /** Records the tool in the registry once per process; not on the admission's round trip. */
  private register(tool: string): void {
    if (this.registered.has(tool)) return;
    this.registered.add(tool);
    this.options.scripts.redis
      .sadd(this.options.scripts.keys.key('toolRegistry'), tool)
      .catch(() => this.registered.delete(tool));
  }

  private requireGuard(tool: string): ToolGuardSettings {
    const guard = this.guardOf(tool);
    if (!guard)
      throw new RangeError(`tool: '${tool}' is not guarded (TOOL_GUARDS names ${this.tools.join(', ')})`);
    return guard;
  }

  private refusalError(call: ToolCall, guard: ToolGuardSettings, refusal: Refusal): BreakwaterError {
    const { tool, context } = call;
    switch (refusal.code) {
      case 'tool_call_cap':
        return new ToolCallCapError(
          `task ${call.workflowId} reached its cap of ${guard.maxCallsPerTask} calls of tool ${tool}`,
          tool,
          refusal.calls,
          guard.maxCallsPerTask ?? 0,
          context,
        );
      case 'breaker_refused':
        this.options.metrics.breakerRejections.inc({ tool, state: refusal.state });
        return new ToolCircuitOpenError(
          `circuit breaker of tool ${tool} refused the call (${refusal.state})`,
          refusal.retryAfterMs,
          tool,
          refusal.state,
          context,
        );
      case 'rate_limited': {
        const rateLimit = guard.rateLimit!;
        if (rateLimit.onLimit === 'refuse') {
          return new ToolRateLimitExceededError(
            `rate limit of tool ${tool} refused the call`,
            refusal.retryAfterMs,
            tool,
            context,
          );
        }
        return new ToolRateLimitWaitError(
          `rate limit of tool ${tool} has no room now`,
          Math.max(refusal.retryAfterMs, rateLimit.cooldownMs),
          tool,
          context,
        );
      }
    }
  }

  private transitioned(tool: string, transition: BreakerTransition): void {
    this.options.logger.warn(
      {
        tool,
        breaker: toolBreakerName(tool),
        from: transition.from,
        to: transition.to,
        reason: transition.reason,
        counts: transition.counts,
      },
      'tool circuit breaker transition',
    );
    this.options.metrics.breakerTransitions.inc({ tool, from: transition.from, to: transition.to });
    try {
      this.options.onStateChange?.({ ...transition, tool });
    } catch (error) {
      this.options.logger.error({ tool, err: error }, 'onToolBreakerStateChange hook failed');
    }
  }

  private unavailable(call: ToolCall, error: unknown): ToolAdmission {
    const { failOpen } = this.options;
    this.options.logger.warn(
      { tool: call.tool, decision: failOpen ? 'failed_open' : 'unavailable', err: error },
      'guard state unreachable',
    );
    if (failOpen) return { tool: call.tool, attemptId: call.attemptId, guarded: false };
    throw new GuardUnavailableError(
      'guard state (Redis) is unreachable; failing closed',
      this.options.unavailableRetryMs,
      call.context,
    );
  }
}
