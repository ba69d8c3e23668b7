import type { RedisBreaker } from '../breaker/redis-breaker';
import type { BreakerTransition } from '../breaker/types';
import type { BudgetSettings } from '../budget/types';
import { GuardUnavailableError } from '../errors';
import type { Logger } from '../observability/logger';
import type { BreakwaterMetrics } from '../observability/metrics';
import type { RateLimit, RateLimitSettings } from '../ratelimit/types';
import { UnreplicatedAdmissionError, type AdmitOutcome, type GuardScripts } from '../redis/guard-scripts';
import type { SettleCall } from '../redis/script-arguments';
import type { Admission, AdmitRequest, Guard, SettleRequest } from './guard';
import { refusalError } from './refusals';
import { SettleRedelivery, type HeldSettle, type UndeliveredReason } from './settle-redelivery';

/** A breaker transition, as `onStateChange` receives it. */
export interface BreakerStateChange extends BreakerTransition {
  provider: string;
}

export interface RedisGuardOptions {
  /** `RESILIENCE_ENABLED`: false admits every call without asking Redis (Temporal's retry policy alone). */
  enabled?: boolean;
  scripts: GuardScripts;
  breaker: RedisBreaker;
  workerId: string;
  /** Each configured provider's rate limit. */
  rateLimits: ReadonlyMap<string, RateLimit>;
  /** Operations (tools) with a rate limit of their own. */
  operationRateLimits: ReadonlyMap<string, RateLimit>;
  rateLimit: RateLimitSettings;
  budget: BudgetSettings;
  /** Admit calls when Redis is unreachable instead of failing closed. */
  failOpen: boolean;
  /** The wait a fail-closed refusal asks for. */
  unavailableRetryMs: number;
  /** The wait of a call refused while degraded mode is forced on. */
  degradedRetryMs: number;
  logger: Logger;
  metrics: BreakwaterMetrics;
  /** Called once, cluster-wide, for every breaker transition (by the worker whose call caused it). */
  onStateChange?: (change: BreakerStateChange) => void;
  random?: () => number;
}

/**
 * Backoff of settles that could not reach Redis: a round at most every second, so a settle arrives
 * within about a second of Redis answering again (at once when the connection reports ready).
 */
const SETTLE_RETRY_BACKOFF = {
  initialIntervalMs: 100,
  backoffCoefficient: 2,
  maximumIntervalMs: 1000,
};

/**
 * The guard on shared Redis state: every worker sees the same breaker, rate limits and budgets.
 * Admission checks them all in one script, and takes nothing unless every check passes.
 */
export class RedisGuard implements Guard {
  private readonly redelivery: SettleRedelivery<SettleCall>;

  constructor(private readonly options: RedisGuardOptions) {
    this.redelivery = new SettleRedelivery({
      deliver: (call) => this.deliver(call),
      backoff: SETTLE_RETRY_BACKOFF,
      random: options.random,
      onDelivered: (held, heldMs) => {
        options.metrics.guardLateSettles.inc({ result: 'delivered' });
        options.logger.info(
          { ...this.attemptOf(held), heldMs },
          'guard settle delivered after Redis returned',
        );
      },
      onUndelivered: (held, reason) => this.undelivered(held, reason),
    });
  }

  /** Settles waiting for Redis to answer again. */
  get heldSettles(): number {
    return this.redelivery.size;
  }

  /** Delivers the held settles now, without waiting for their backoff: call it when Redis is ready again. */
  retryHeldSettles(): void {
    this.redelivery.retryNow();
  }

  /**
   * Tries the held settles once more and gives up the rest (logged, counted): their leases end on
   * their own. Settles after this are not retried.
   */
  async close(): Promise<void> {
    await this.redelivery.close();
  }

  async admit(request: AdmitRequest): Promise<Admission> {
    const { provider } = request;
    const { options } = this;
    if (options.enabled === false) {
      options.metrics.guardAdmissions.inc({ provider, decision: 'disabled' });
      return this.unguarded(request);
    }
    options.breaker.register(provider);
    const leaseEndsAt = Date.now() + request.leaseMs;
    let outcome: AdmitOutcome;
    try {
      outcome = await options.scripts.admit({
        provider,
        attemptId: request.attemptId,
        leaseMs: request.leaseMs,
        breaker: options.breaker.settings,
        rate: options.rateLimits.get(provider),
        tokens: request.tokens,
        operation: request.operation,
        operationRate: options.operationRateLimits.get(request.operation),
        claim: request.claim,
        ceilings: options.budget.ceilings,
        random: (options.random ?? Math.random)(),
        ...(request.task ? { task: request.task } : {}),
        ...(request.model === undefined ? {} : { model: request.model }),
      });
    } catch (error) {
      if (!(error instanceof UnreplicatedAdmissionError)) return this.unavailable(request, error);
      if (!options.failOpen) {
        // Fail closed: give back what the admission took; the call would spend what a failover can lose.
        await this.settle({
          admission: this.admissionOf(request, error.admission, leaseEndsAt),
          outcome: 'neutral',
        });
        return this.unavailable(request, error);
      }
      options.logger.warn({ provider, err: error }, 'admission not replicated; failing open');
      outcome = error.admission;
    }
    if ('transition' in outcome && outcome.transition) this.transitioned(provider, outcome.transition);
    if (outcome.code === 'admitted') {
      options.metrics.guardAdmissions.inc({ provider, decision: outcome.probe ? 'probe' : 'admitted' });
      return this.admissionOf(request, outcome, leaseEndsAt);
    }
    options.metrics.guardAdmissions.inc({ provider, decision: outcome.code });
    const { metrics, rateLimit, budget, degradedRetryMs } = options;
    throw refusalError(outcome, {
      provider,
      context: request.context,
      metrics,
      rateLimit,
      budget,
      degradedRetryMs,
    });
  }

  async settle({ admission, outcome, actual, latency, slow }: SettleRequest): Promise<void> {
    if (!admission.guarded) return;
    const { options } = this;
    const call: SettleCall = {
      provider: admission.provider,
      attemptId: admission.attemptId,
      outcome,
      workerId: options.workerId,
      breaker: options.breaker.settings,
      rate: options.rateLimits.get(admission.provider),
      operation: admission.operation,
      operationRate: options.operationRateLimits.get(admission.operation),
      unusedTokens: admission.tokens - (actual?.tokens ?? 0),
      reservation: admission.reservation,
      actualMicros: actual?.micros ?? 0,
      actualTokens: actual?.tokens ?? 0,
      actualToolCalls: actual?.toolCalls ?? 0,
      budgetTtlMs: options.budget.ttlMs,
      ceilings: options.budget.ceilings,
      ...(slow ? { slow } : {}),
      ...(latency && admission.model !== undefined
        ? { latency: { model: admission.model, ...latency } }
        : {}),
    };
    try {
      await this.deliver(call);
    } catch (error) {
      // Until it arrives, its lease counts as a call in flight: deliver it once Redis answers again.
      options.logger.warn(
        { provider: admission.provider, attemptId: admission.attemptId, err: error },
        'guard settle failed; retrying it until its lease ends',
      );
      this.redelivery.hold(admission.attemptId, call, admission.leaseEndsAt);
    }
  }

  /** Runs one settle; rejects when Redis did not take it. */
  private async deliver(call: SettleCall): Promise<void> {
    const result = await this.options.scripts.settle(call);
    if (result.transition) this.transitioned(call.provider, result.transition);
    if (!result.replicated) {
      this.options.logger.warn(
        { provider: call.provider, attemptId: call.attemptId },
        'settle not acknowledged by REDIS_WAIT_REPLICAS replicas: a failover now could lose its charge',
      );
    }
  }

  private attemptOf(held: HeldSettle<SettleCall>) {
    return { provider: held.call.provider, attemptId: held.id, outcome: held.call.outcome };
  }

  private undelivered(held: HeldSettle<SettleCall>, reason: UndeliveredReason): void {
    this.options.metrics.guardLateSettles.inc({ result: reason });
    this.options.logger.warn(
      { ...this.attemptOf(held), reason, uncharged: held.call.actualMicros ?? 0 },
      'guard settle given up: the breaker lets its lease go when the lease ends; its actual cost is not charged',
    );
  }

  private admissionOf(
    request: AdmitRequest,
    outcome: Extract<AdmitOutcome, { code: 'admitted' }>,
    leaseEndsAt: number,
  ): Admission {
    return {
      provider: request.provider,
      operation: request.operation,
      attemptId: request.attemptId,
      guarded: true,
      breakerState: outcome.probe ? 'HALF_OPEN' : 'CLOSED',
      reservation: outcome.reservation,
      tokens: request.tokens,
      leaseEndsAt,
      ...(request.model === undefined ? {} : { model: request.model }),
      ...(outcome.latency ? { latency: outcome.latency } : {}),
    };
  }

  /** An admission that took nothing from Redis (settle skips it). */
  private unguarded(request: AdmitRequest): Admission {
    return {
      provider: request.provider,
      operation: request.operation,
      attemptId: request.attemptId,
      guarded: false,
      reservation: '',
      tokens: 0,
      leaseEndsAt: 0,
    };
  }

  private transitioned(provider: string, transition: BreakerTransition): void {
    this.options.metrics.breakerTransitions.inc({ provider, from: transition.from, to: transition.to });
    this.options.logger.warn(
      {
        provider,
        from: transition.from,
        to: transition.to,
        reason: transition.reason,
        counts: transition.counts,
      },
      'circuit breaker transition',
    );
    try {
      this.options.onStateChange?.({ ...transition, provider });
    } catch (error) {
      this.options.logger.error({ provider, err: error }, 'onStateChange hook failed');
    }
  }

  private unavailable(request: AdmitRequest, error: unknown): Admission {
    const decision = this.options.failOpen ? 'failed_open' : 'unavailable';
    this.options.metrics.guardAdmissions.inc({ provider: request.provider, decision });
    this.options.logger.warn({ provider: request.provider, decision, err: error }, 'guard state unreachable');
    if (this.options.failOpen) return this.unguarded(request);
    throw new GuardUnavailableError(
      'guard state (Redis) is unreachable; failing closed',
      this.options.unavailableRetryMs,
      request.context,
    );
  }
}
