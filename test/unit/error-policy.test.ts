import { describe, expect, it } from 'vitest';
import {
  ERROR_POLICY,
  ErrorType,
  errorPolicyOf,
  UNEXPECTED_ERROR_POLICY,
  waitReasonOf,
} from '../../src/errors';

describe('error policy', () => {
  it('has one row per error type', () => {
    expect(Object.keys(ERROR_POLICY).sort()).toEqual(Object.values(ErrorType).sort());
  });

  it('never retries a wait, and counts only provider failures against the breaker', () => {
    for (const [type, policy] of Object.entries(ERROR_POLICY)) {
      if (policy.wait) expect(policy.retryable, type).toBe(false);
      if (policy.breaker === 'failure') expect(type).toBe(ErrorType.RetryableExternal);
    }
    expect(ERROR_POLICY[ErrorType.RateLimited].breaker).toBe('rate_limited');
  });

  it('sends straight to ai:dead only what no replay can fix: input errors and content-policy refusals', () => {
    const dead = Object.entries(ERROR_POLICY).filter(([, policy]) => policy.dlq === 'dead');
    expect(dead.map(([type]) => type).sort()).toEqual([ErrorType.ContentPolicy, ErrorType.NonRetryableInput]);
  });

  it('fails a content-policy refusal at once, counted against nothing, with its own reason and metric', () => {
    expect(ERROR_POLICY[ErrorType.ContentPolicy]).toEqual({
      retryable: false,
      breaker: 'neutral',
      metric: 'content_policy',
      failureReason: 'content_policy',
      dlq: 'dead',
    });
  });

  it.each([undefined, 'TypeError', 'ActivityTimeout:START_TO_CLOSE', '__proto__', 'constructor'])(
    'treats %s as unexpected: retried, counted against nothing',
    (type) => {
      expect(errorPolicyOf(type)).toBe(UNEXPECTED_ERROR_POLICY);
    },
  );

  it('names a wait by the breaker state that refused', () => {
    const breakerWait = ERROR_POLICY[ErrorType.CircuitBreakerOpen].wait!;
    expect(waitReasonOf(breakerWait, 'OPEN')).toBe('circuit_open');
    expect(waitReasonOf(breakerWait, 'HALF_OPEN')).toBe('circuit_half_open');
    expect(waitReasonOf(breakerWait, 'CLOSED')).toBe('circuit_saturated');
    expect(waitReasonOf(breakerWait, undefined)).toBe('circuit_open');
    expect(waitReasonOf(ERROR_POLICY[ErrorType.BudgetBusy].wait!, undefined)).toBe('budget_busy');
  });
});
