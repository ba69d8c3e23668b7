import { CircuitBreakerOpenError, GuardUnavailableError } from '../errors';
import type { RedisBreaker } from '../breaker/redis-breaker';
import type { BreakerTransition } from '../breaker/state-machine';
import type { Logger } from '../observability/logger';
import type { BreakwaterMetrics } from '../observability/metrics';
import type { Admission, AdmitRequest, Guard, SettleRequest } from './guard';

/** A breaker transition, as `onStateChange` receives it. */
export interface BreakerStateChange extends BreakerTransition {
  provider: string;
}

export interface RedisGuardOptions {
  breaker: RedisBreaker;
  /** Admit calls when Redis is unreachable instead of failing closed. */
  failOpen: boolean;
  /** The wait a fail-closed refusal asks for. */
  unavailableRetryMs: number;
  logger: Logger;
  metrics: BreakwaterMetrics;
  /** Called once, cluster-wide, for every breaker transition (by the worker whose call caused it). */
  onStateChange?: (change: BreakerStateChange) => void;
}

/** The guard on shared Redis state: every worker sees the same breaker. */
export class RedisGuard implements Guard {
  constructor(private readonly options: RedisGuardOptions) {}

  async admit(request: AdmitRequest): Promise<Admission> {
    const { provider } = request;
    let decision;
    try {
      decision = await this.options.breaker.admit(provider, request.attemptId, request.leaseMs);
    } catch (error) {
      return this.unavailable(request, error);
    }
    if (decision.transition) this.transitioned(provider, decision.transition);
    if (!decision.admitted) {
      this.options.metrics.breakerRejections.inc({ provider, state: decision.state });
      this.options.metrics.guardAdmissions.inc({ provider, decision: 'rejected' });
      throw new CircuitBreakerOpenError(
        `circuit breaker of ${provider} refused the call (${decision.state})`,
        decision.retryAfterMs,
        request.context,
        decision.state,
      );
    }
    this.options.metrics.guardAdmissions.inc({ provider, decision: decision.probe ? 'probe' : 'admitted' });
    return { provider, attemptId: request.attemptId, guarded: true };
  }

  async settle({ admission, outcome }: SettleRequest): Promise<void> {
    if (!admission.guarded) return;
    try {
      const result = await this.options.breaker.settle(admission.provider, admission.attemptId, outcome);
      if (result.transition) this.transitioned(admission.provider, result.transition);
    } catch (error) {
      // The lease expires on its own; only this outcome is lost to the shared breaker.
      this.options.logger.warn({ provider: admission.provider, err: error }, 'guard settle failed');
    }
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
    if (this.options.failOpen)
      return { provider: request.provider, attemptId: request.attemptId, guarded: false };
    throw new GuardUnavailableError(
      'guard state (Redis) is unreachable; failing closed',
      this.options.unavailableRetryMs,
      request.context,
    );
  }
}
