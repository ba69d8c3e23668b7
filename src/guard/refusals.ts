/** The one mapping from a refused admission to the error the call fails with (and the metric it counts). */
import type { BudgetSettings } from '../budget/types';
import {
  BudgetBusyError,
  BudgetExceededError,
  CircuitBreakerOpenError,
  ServiceDegradedError,
  RateLimitExceededError,
  RateLimitWaitError,
  type BreakwaterError,
  type ErrorContext,
} from '../errors';
import type { BreakwaterMetrics } from '../observability/metrics';
import type { RateLimitSettings } from '../ratelimit/types';
import type { AdmitOutcome } from '../redis/guard-scripts';

export type Refusal = Exclude<AdmitOutcome, { code: 'admitted' }>;

export interface RefusalContext {
  provider: string;
  context: Partial<ErrorContext>;
  metrics: BreakwaterMetrics;
  rateLimit: RateLimitSettings;
  budget: BudgetSettings;
  /** The wait of a call refused while degraded mode is forced on. */
  degradedRetryMs: number;
}

type RefusalTable = {
  [Code in Refusal['code']]: (
    refusal: Extract<Refusal, { code: Code }>,
    on: RefusalContext,
  ) => BreakwaterError;
};

const REFUSALS: RefusalTable = {
  breaker_refused: (refusal, { provider, context, metrics }) => {
    metrics.breakerRejections.inc({ provider, state: refusal.state });
    return new CircuitBreakerOpenError(
      `circuit breaker of ${provider} refused the call (${refusal.state})`,
      refusal.retryAfterMs,
      context,
      refusal.state,
    );
  },
  rate_limited: (refusal, { provider, context, metrics, rateLimit }) => {
    metrics.rateLimitWaits.inc({ provider, mode: rateLimit.mode });
    return rateLimit.mode === 'wait'
      ? new RateLimitWaitError(
          `rate limit of ${refusal.bucket} has no room now`,
          refusal.retryAfterMs,
          context,
        )
      : new RateLimitExceededError(
          `rate limit of ${refusal.bucket} refused the call`,
          'provider_rate',
          refusal.retryAfterMs,
          context,
        );
  },
  budget_busy: (refusal, { context, budget }) =>
    new BudgetBusyError(
      `budget scope ${refusal.scope} is held by calls in flight`,
      refusal.scope,
      budget.busyRetryMs,
      context,
    ),
  degraded: (_refusal, { provider, context, degradedRetryMs }) =>
    new ServiceDegradedError(
      `degraded mode is forced on: the call to ${provider} waits`,
      'forced',
      degradedRetryMs,
      context,
    ),
  budget_exceeded: (refusal, { context, metrics }) => {
    metrics.budgetRefusals.inc({ scope: refusal.scope });
    return new BudgetExceededError(
      `budget scope ${refusal.scope} refused the call`,
      refusal.scope,
      refusal.retryAfterMs > 0 ? Math.ceil(refusal.retryAfterMs / 1000) : undefined,
      context,
    );
  },
};

/** The error a call refused with `refusal` fails with; counts the refusal's metric. */
export function refusalError(refusal: Refusal, on: RefusalContext): BreakwaterError {
  const toError = REFUSALS[refusal.code] as (refusal: Refusal, on: RefusalContext) => BreakwaterError;
  return toError(refusal, on);
}
