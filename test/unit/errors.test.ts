import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BLOCKING_ERROR_TYPES,
  BudgetBusyError,
  BudgetExceededError,
  CircuitBreakerOpenError,
  ContentPolicyError,
  RateLimitExceededError,
  RateLimitWaitError,
  isBudgetBusyError,
  isRateLimitExceededError,
  isRateLimitWaitError,
  ErrorType,
  errorPolicyOf,
  GuardUnavailableError,
  NON_RETRYABLE_ERROR_TYPES,
  NonRetryableInputError,
  ProviderConfigurationError,
  RateLimitedError,
  RetryableExternalError,
  isBreakwaterError,
  isBudgetExceededError,
  isCircuitBreakerOpenError,
  isContentPolicyError,
  isGuardUnavailableError,
  isNonRetryableInputError,
  isProviderConfigurationError,
  isRateLimitedError,
  isRetryableExternalError,
  isOverloadedError,
  isServiceDegradedError,
  isToolCallCapError,
  isToolCircuitOpenError,
  isToolRateLimitExceededError,
  isToolRateLimitWaitError,
  OverloadedError,
  ServiceDegradedError,
  ToolCallCapError,
  ToolCircuitOpenError,
  ToolRateLimitExceededError,
  ToolRateLimitWaitError,
  retryAfterOf,
  toApplicationFailure,
  type BreakwaterError,
  type ErrorContext,
} from '../../src/errors';
import { PayloadDecryptionError, UnknownEncryptionKeyError } from '../../src/codec/codec-errors';

/** The codec's errors: rows of the error table without being Breakwater error classes. */
const CODEC_ERRORS = [
  () => new UnknownEncryptionKeyError('retired'),
  () => new PayloadDecryptionError('k1', 'authentication failed'),
];

const NOW = '2025-03-01T12:00:00.000Z';
const CONTEXT: Partial<ErrorContext> = {
  operation: 'summarise',
  runId: 'run-42',
  provider: 'openai',
  attempt: 2,
};

interface Case {
  name: string;
  make: (context?: Partial<ErrorContext>) => BreakwaterError;
  type: string;
  retryable: boolean;
  details: Record<string, unknown>;
  guard: (error: unknown) => boolean;
}

const CASES: Case[] = [
  {
    name: 'RetryableExternalError',
    make: (context) => new RetryableExternalError('upstream 503', 'http_503', context, 2000),
    type: 'RetryableExternalError',
    retryable: true,
    details: { reason: 'http_503', retryAfterMs: 2000 },
    guard: isRetryableExternalError,
  },
  {
    name: 'RateLimitedError',
    make: (context) => new RateLimitedError('slow down', context, 7000),
    type: 'RateLimitedError',
    retryable: true,
    details: { retryAfterMs: 7000 },
    guard: isRateLimitedError,
  },
  {
    name: 'NonRetryableInputError',
    make: (context) => new NonRetryableInputError('bad model', 'request.model', context),
    type: 'NonRetryableInputError',
    retryable: false,
    details: { field: 'request.model' },
    guard: isNonRetryableInputError,
  },
  {
    name: 'ProviderConfigurationError',
    make: (context) => new ProviderConfigurationError('key refused', context),
    type: 'ProviderConfigurationError',
    retryable: false,
    details: {},
    guard: isProviderConfigurationError,
  },
  {
    name: 'CircuitBreakerOpenError',
    make: (context) => new CircuitBreakerOpenError('breaker half-open', 15_000, context, 'HALF_OPEN'),
    type: 'CircuitBreakerOpenError',
    retryable: false,
    details: { retryAfterMs: 15_000, breakerState: 'HALF_OPEN' },
    guard: isCircuitBreakerOpenError,
  },
  {
    name: 'GuardUnavailableError',
    make: (context) => new GuardUnavailableError('redis down', 5000, context),
    type: 'GuardUnavailableError',
    retryable: false,
    details: { retryAfterMs: 5000 },
    guard: isGuardUnavailableError,
  },
  {
    name: 'BudgetExceededError',
    make: (context) => new BudgetExceededError('over budget', 'run', 60, context),
    type: 'BudgetExceededError',
    retryable: false,
    details: { scope: 'run', retryAfterSec: 60 },
    guard: isBudgetExceededError,
  },
  {
    name: 'BudgetBusyError',
    make: (context) => new BudgetBusyError('reservations in flight', 'run', 1000, context),
    type: 'BudgetBusyError',
    retryable: false,
    details: { scope: 'run', retryAfterMs: 1000 },
    guard: isBudgetBusyError,
  },
  {
    name: 'RateLimitWaitError',
    make: (context) => new RateLimitWaitError('no room', 750, context),
    type: 'RateLimitWaitError',
    retryable: false,
    details: { retryAfterMs: 750 },
    guard: isRateLimitWaitError,
  },
  {
    name: 'RateLimitExceededError',
    make: (context) => new RateLimitExceededError('cap reached', 'task_calls', undefined, context),
    type: 'RateLimitExceededError',
    retryable: false,
    details: { scope: 'task_calls', retryAfterMs: undefined },
    guard: isRateLimitExceededError,
  },
  {
    name: 'ContentPolicyError',
    make: (context) =>
      new ContentPolicyError('openai declined to answer (refusal)', 'refusal', 'stop', context),
    type: 'ContentPolicyError',
    retryable: false,
    details: { finishReason: 'refusal', rawFinishReason: 'stop' },
    guard: isContentPolicyError,
  },
  {
    name: 'ServiceDegradedError',
    make: (context) =>
      new ServiceDegradedError('degraded: submit refused', 'all_breakers_open', 42_000, context),
    type: 'ServiceDegradedError',
    retryable: false,
    details: { reason: 'all_breakers_open', retryAfterMs: 42_000 },
    guard: isServiceDegradedError,
  },
  {
    name: 'OverloadedError',
    make: (context) => new OverloadedError('queue full: submit refused', 120, 100, 30, context),
    type: 'OverloadedError',
    retryable: true,
    details: { waiting: 120, limit: 100, retryAfterSec: 30 },
    guard: isOverloadedError,
  },
  {
    name: 'ToolCircuitOpenError',
    make: (context) =>
      new ToolCircuitOpenError('breaker of tool search refused', 900, 'search', 'OPEN', context),
    type: 'ToolCircuitOpenError',
    retryable: false,
    details: { retryAfterMs: 900, tool: 'search', breakerState: 'OPEN' },
    guard: isToolCircuitOpenError,
  },
  {
    name: 'ToolRateLimitWaitError',
    make: (context) =>
      new ToolRateLimitWaitError('rate limit of tool search has no room', 400, 'search', context),
    type: 'ToolRateLimitWaitError',
    retryable: false,
    details: { retryAfterMs: 400, tool: 'search' },
    guard: isToolRateLimitWaitError,
  },
  {
    name: 'ToolRateLimitExceededError',
    make: (context) =>
      new ToolRateLimitExceededError('rate limit of tool search refused', 400, 'search', context),
    type: 'ToolRateLimitExceededError',
    retryable: false,
    details: { retryAfterMs: 400, tool: 'search' },
    guard: isToolRateLimitExceededError,
  },
  {
    name: 'ToolCallCapError',
    make: (context) => new ToolCallCapError('task reached its cap of search calls', 'search', 3, 3, context),
    type: 'ToolCallCapError',
    retryable: false,
    details: { tool: 'search', calls: 3, maxCallsPerTask: 3 },
    guard: isToolCallCapError,
  },
];

const GUARDS = CASES.map((c) => c.guard);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('error classes', () => {
  it('lists the stable type strings: the error classes and the codec errors', () => {
    expect(Object.values(ErrorType).sort()).toEqual(
      [...CASES.map((c) => c.type), ...CODEC_ERRORS.map((make) => make().type)].sort(),
    );
  });

  it.each(CODEC_ERRORS)(
    'never retries a payload that does not decrypt (%o), and fails the task replayable',
    (make) => {
      const type = make().type!;
      expect(NON_RETRYABLE_ERROR_TYPES).toContain(type);
      expect(errorPolicyOf(type)).toMatchObject({
        retryable: false,
        breaker: 'neutral',
        failureReason: 'undecryptable_payload',
        dlq: 'dlq',
      });
    },
  );

  it.each(CASES)('$name has its stable type, retryability, name and message', (c) => {
    const error = c.make(CONTEXT);
    expect(error).toBeInstanceOf(Error);
    expect(error.type).toBe(c.type);
    expect(error.retryable).toBe(c.retryable);
    expect(error.name).toBe(c.name);
    expect(error.details()).toEqual(c.details);
  });

  it.each(CASES)('$name keeps exactly the given context plus an ISO timestamp', (c) => {
    const error = c.make(CONTEXT);
    expect(error.context).toEqual({ ...CONTEXT, timestamp: NOW });
    expect(new Date(error.context.timestamp).toISOString()).toBe(error.context.timestamp);
  });

  it.each(CASES)('$name stamps the current time when no context is given', (c) => {
    const error = c.make();
    expect(error.context).toEqual({ timestamp: NOW });
  });

  it('keeps a timestamp passed in the context', () => {
    const error = new ProviderConfigurationError('key refused', { timestamp: '2020-01-01T00:00:00.000Z' });
    expect(error.context.timestamp).toBe('2020-01-01T00:00:00.000Z');
  });

  it('does not share the caller context object', () => {
    const context: Partial<ErrorContext> = { provider: 'openai' };
    const error = new RateLimitedError('slow down', context);
    context.provider = 'changed';
    expect(error.context.provider).toBe('openai');
    expect(context).not.toHaveProperty('timestamp');
  });

  it('lists every non-retryable type as non-retryable and no retryable one', () => {
    for (const c of CASES) {
      expect(NON_RETRYABLE_ERROR_TYPES.includes(c.make().type)).toBe(!c.retryable);
    }
  });

  it("lists the waits (breaker, guard, budget in flight, rate limit, forced degraded mode, a tool's breaker and rate limit) as blocking", () => {
    expect([...BLOCKING_ERROR_TYPES].sort()).toEqual([
      'BudgetBusyError',
      'CircuitBreakerOpenError',
      'GuardUnavailableError',
      'RateLimitWaitError',
      'ServiceDegradedError',
      'ToolCircuitOpenError',
      'ToolRateLimitWaitError',
    ]);
  });
});

describe('type guards', () => {
  it.each(CASES)('only the matching guard accepts a $name', (c) => {
    const error = c.make(CONTEXT);
    expect(isBreakwaterError(error)).toBe(true);
    for (const guard of GUARDS) expect(guard(error)).toBe(guard === c.guard);
  });

  it.each(CASES)('accepts a branded $name from another copy of the package', (c) => {
    const foreign = {
      [Symbol.for('breakwater.error')]: true,
      type: c.type,
      retryable: c.retryable,
      message: 'from another copy',
      context: { timestamp: NOW },
    };
    expect(isBreakwaterError(foreign)).toBe(true);
    for (const guard of GUARDS) expect(guard(foreign)).toBe(guard === c.guard);
  });

  it('rejects an object with a matching type but no brand', () => {
    const lookalike = { type: 'RateLimitedError', retryable: true };
    expect(isBreakwaterError(lookalike)).toBe(false);
    expect(isRateLimitedError(lookalike)).toBe(false);
  });

  it('rejects a brand that is not exactly true', () => {
    const fake = { [Symbol.for('breakwater.error')]: 'yes', type: 'RateLimitedError' };
    expect(isBreakwaterError(fake)).toBe(false);
    expect(isRateLimitedError(fake)).toBe(false);
  });

  it('rejects a brand under a local (non-registered) symbol', () => {
    const fake = { [Symbol('breakwater.error')]: true, type: 'RateLimitedError' };
    expect(isBreakwaterError(fake)).toBe(false);
  });

  it.each([null, undefined, 'RateLimitedError', 429, new Error('plain')])('rejects %s', (value) => {
    expect(isBreakwaterError(value)).toBe(false);
    for (const guard of GUARDS) expect(guard(value)).toBe(false);
  });
});

describe('toApplicationFailure', () => {
  it.each(CASES)('maps $name to a failure with its type, retryability and context details', (c) => {
    const error = c.make(CONTEXT);
    const failure = toApplicationFailure(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.message).toBe(error.message);
    expect(failure.type).toBe(c.type);
    expect(failure.nonRetryable).toBe(!c.retryable);
    expect(failure.details).toHaveLength(1);
    expect(failure.details?.[0]).toEqual({ ...c.details, context: { ...CONTEXT, timestamp: NOW } });
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it.each(CASES.filter((c) => c.retryable))('sets nextRetryDelay on a retryable $name', (c) => {
    const failure = toApplicationFailure(c.make(CONTEXT), 1234);
    expect(failure.nextRetryDelay).toBe(1234);
    expect(failure.details?.[0]).toMatchObject({ nextRetryDelayMs: 1234 });
  });

  it.each(CASES.filter((c) => !c.retryable))('ignores a retry delay for a non-retryable $name', (c) => {
    const failure = toApplicationFailure(c.make(CONTEXT), 1234);
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(failure.details?.[0]).not.toHaveProperty('nextRetryDelayMs');
    expect(failure.nonRetryable).toBe(true);
  });

  it('passes a zero retry delay through', () => {
    const failure = toApplicationFailure(new RateLimitedError('slow down', CONTEXT, 0), 0);
    expect(failure.nextRetryDelay).toBe(0);
  });

  it.each(CASES)('marks $name BENIGN only when it blocks the task', (c) => {
    const failure = toApplicationFailure(c.make(CONTEXT));
    const blocking = [
      'CircuitBreakerOpenError',
      'GuardUnavailableError',
      'BudgetBusyError',
      'RateLimitWaitError',
      'ServiceDegradedError',
      'ToolCircuitOpenError',
      'ToolRateLimitWaitError',
    ].includes(c.type);
    if (blocking) expect(failure.category).toBe(ApplicationFailureCategory.BENIGN);
    else expect(failure.category ?? undefined).toBeUndefined();
  });

  it('carries only the error message, details and context: nothing else reaches the failure', () => {
    const error = new NonRetryableInputError('request.model: must not be empty', 'request.model', CONTEXT);
    const failure = toApplicationFailure(error);
    expect(JSON.parse(JSON.stringify(failure.details))).toEqual([
      {
        field: 'request.model',
        context: {
          operation: 'summarise',
          runId: 'run-42',
          provider: 'openai',
          attempt: 2,
          timestamp: NOW,
        },
      },
    ]);
  });
});

describe('retryAfterOf', () => {
  it('reads retryAfterMs from errors that carry it', () => {
    expect(retryAfterOf(new RateLimitedError('slow down', {}, 3000))).toBe(3000);
    expect(retryAfterOf(new CircuitBreakerOpenError('open', 15_000))).toBe(15_000);
    expect(retryAfterOf(new GuardUnavailableError('down', 5000))).toBe(5000);
    expect(retryAfterOf(new RetryableExternalError('503', 'http_503', {}, 1000))).toBe(1000);
  });

  it('is undefined for errors without a wait', () => {
    expect(retryAfterOf(new RateLimitedError('slow down'))).toBeUndefined();
    expect(retryAfterOf(new ProviderConfigurationError('key refused'))).toBeUndefined();
    expect(retryAfterOf(new BudgetExceededError('over', 'run', 60))).toBeUndefined();
  });
});

describe('submit refusals', () => {
  it('give the 503-style body an API returns as is, naming the reason', () => {
    expect(new ServiceDegradedError('refused', 'forced', 29_001).toResponse()).toEqual({
      error: 'service_degraded',
      reason: 'forced',
      retry_after_sec: 30,
    });
    expect(new OverloadedError('refused', 101, 100, 15).toResponse()).toEqual({
      error: 'overloaded',
      reason: 'queue_limit',
      retry_after_sec: 15,
    });
  });
});
