import { describe, expect, it } from 'vitest';
import type { NonRetryableInputError } from '../../src/errors';
import { validatePolicyOverrides, validateSubmission } from '../../src/client/validation';
import { inputRefusal } from '../support/input-refusal';

const NOW = Date.parse('2025-03-01T12:00:00.000Z');
const DEFAULTS = { taskDeadlineMs: 900_000, maxRequestBytes: 1_572_864 };

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Summarise the report.' },
    ],
    ...overrides,
  };
}

function options(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { idempotencyKey: 'task-1', ...overrides };
}

function submissionRefusal(req: unknown, opts: unknown = options()): NonRetryableInputError {
  return inputRefusal(() => validateSubmission(req, opts, DEFAULTS, NOW));
}

describe('validateSubmission', () => {
  it('fills in the defaults', () => {
    expect(validateSubmission(request(), options(), DEFAULTS, NOW)).toEqual({
      request: request(),
      idempotencyKey: 'task-1',
      operation: 'chat',
      agent: 'default',
      priority: 'normal',
      deadline: '2025-03-01T12:15:00.000Z',
    });
  });

  it('uses the configured default deadline', () => {
    const submission = validateSubmission(request(), options(), { ...DEFAULTS, taskDeadlineMs: 60_000 }, NOW);
    expect(submission.deadline).toBe('2025-03-01T12:01:00.000Z');
  });

  it('keeps the given options', () => {
    const submission = validateSubmission(
      request({ max_tokens: 256, temperature: 0.2 }),
      options({ runId: 'run:7', operation: 'triage.v2', agent: 'support_bot', priority: 'critical' }),
      DEFAULTS,
      NOW,
    );
    expect(submission).toMatchObject({
      runId: 'run:7',
      operation: 'triage.v2',
      agent: 'support_bot',
      priority: 'critical',
      request: { max_tokens: 256, temperature: 0.2 },
    });
  });

  it('leaves runId out when none is given', () => {
    expect(validateSubmission(request(), options(), DEFAULTS, NOW)).not.toHaveProperty('runId');
  });

  it('refuses an unknown request field, naming it', () => {
    const error = submissionRefusal(request({ extra: 'x' }));
    expect(error.field).toBe('request.extra');
    expect(error.message).toBe('request.extra: is not a known field');
  });

  it('accepts a deadline as a Date', () => {
    const deadline = new Date('2025-03-01T13:00:00.000Z');
    const submission = validateSubmission(request(), options({ deadline }), DEFAULTS, NOW);
    expect(submission.deadline).toBe('2025-03-01T13:00:00.000Z');
  });

  it('accepts a deadline as an ISO string and normalises it', () => {
    const submission = validateSubmission(
      request(),
      options({ deadline: '2025-03-01T14:30:00+01:00' }),
      DEFAULTS,
      NOW,
    );
    expect(submission.deadline).toBe('2025-03-01T13:30:00.000Z');
  });

  it('accepts a deadline as milliseconds from now', () => {
    const submission = validateSubmission(request(), options({ deadline: 5000 }), DEFAULTS, NOW);
    expect(submission.deadline).toBe('2025-03-01T12:00:05.000Z');
  });

  it.each([
    ['a past Date', new Date(NOW - 1)],
    ['the current time', new Date(NOW)],
    ['a past ISO string', '2025-03-01T11:59:59.000Z'],
    ['zero ms from now', 0],
    ['negative ms from now', -1000],
  ])('refuses %s as deadline', (_label, deadline) => {
    const error = submissionRefusal(request(), options({ deadline }));
    expect(error.field).toBe('options.deadline');
    expect(error.message).toBe('options.deadline: must be in the future');
  });

  it.each([
    ['a string that is not a time', 'tomorrow-ish'],
    ['an invalid Date', new Date(Number.NaN)],
  ])('refuses %s as deadline', (_label, deadline) => {
    const error = submissionRefusal(request(), options({ deadline }));
    expect(error.field).toBe('options.deadline');
  });

  it('refuses a deadline of another type', () => {
    expect(submissionRefusal(request(), options({ deadline: true })).field).toBe('options.deadline');
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an empty message content',
      { messages: [{ role: 'user', content: '' }] },
      'request.messages[0].content',
    ],
    [
      'a non-string content in the second message',
      {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 42 },
        ],
      },
      'request.messages[1].content',
    ],
    ['an unknown role', { messages: [{ role: 'function', content: 'hi' }] }, 'request.messages[0].role'],
    ['no messages', { messages: [] }, 'request.messages'],
    ['messages that are not an array', { messages: 'hi' }, 'request.messages'],
    ['an uppercase provider', { provider: 'OpenAI' }, 'request.provider'],
    ['a provider with spaces', { provider: 'open ai' }, 'request.provider'],
    ['a missing provider', { provider: undefined }, 'request.provider'],
    ['an empty model', { model: '' }, 'request.model'],
    ['a model over 200 characters', { model: 'm'.repeat(201) }, 'request.model'],
    ['a fractional max_tokens', { max_tokens: 1.5 }, 'request.max_tokens'],
    ['a zero max_tokens', { max_tokens: 0 }, 'request.max_tokens'],
    ['a temperature above 2', { temperature: 2.5 }, 'request.temperature'],
    ['a negative temperature', { temperature: -0.1 }, 'request.temperature'],
  ])('refuses %s, naming the field', (_label, overrides, field) => {
    const error = submissionRefusal(request(overrides));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('refuses a request without a user message', () => {
    const error = submissionRefusal(
      request({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'assistant', content: 'Hello.' },
        ],
      }),
    );
    expect(error.field).toBe('request.messages');
    expect(error.message).toBe('request.messages: must hold a user message');
  });

  it('refuses a request that is not an object', () => {
    expect(submissionRefusal('hello').field).toBe('request');
    expect(submissionRefusal(null).field).toBe('request');
  });

  it('never puts the message content into the refusal', () => {
    const secret = 'my very private question';
    const error = submissionRefusal(request({ messages: [{ role: 'user', content: secret }], model: '' }));
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify({ ...error.details(), context: error.context })).not.toContain(secret);
  });

  it('refuses missing options', () => {
    const error = inputRefusal(() => validateSubmission(request(), undefined, DEFAULTS, NOW));
    expect(error.field).toBe('options');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing idempotency key', { idempotencyKey: undefined }, 'options.idempotencyKey'],
    ['an idempotency key with spaces', { idempotencyKey: 'task 1' }, 'options.idempotencyKey'],
    ['an empty idempotency key', { idempotencyKey: '' }, 'options.idempotencyKey'],
    ['an idempotency key over 200 characters', { idempotencyKey: 'k'.repeat(201) }, 'options.idempotencyKey'],
    ['a runId with a slash', { runId: 'run/1' }, 'options.runId'],
    ['a runId starting with a dash', { runId: '-run' }, 'options.runId'],
    ['an operation over 100 characters', { operation: 'o'.repeat(101) }, 'options.operation'],
    ['an agent with spaces', { agent: 'my agent' }, 'options.agent'],
    ['an unknown priority', { priority: 'urgent' }, 'options.priority'],
  ])('refuses %s, naming the field', (_label, opts, field) => {
    const error = submissionRefusal(request(), options(opts));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('accepts every priority', () => {
    for (const priority of ['low', 'normal', 'high', 'critical']) {
      expect(validateSubmission(request(), options({ priority }), DEFAULTS, NOW).priority).toBe(priority);
    }
  });

  it('checks the request before the options', () => {
    const error = submissionRefusal(request({ provider: 'Bad' }), options({ priority: 'urgent' }));
    expect(error.field).toBe('request.provider');
  });
});

describe('validatePolicyOverrides', () => {
  it('accepts an empty override and a full one', () => {
    expect(validatePolicyOverrides({})).toEqual({});
    const full = {
      retry: {
        initialIntervalMs: 10,
        backoffCoefficient: 1.5,
        maximumIntervalMs: 100,
        maximumAttempts: 2,
        retryAfterCapMs: 0,
      },
      callTimeoutMs: 1000,
      attemptTimeoutMs: 2000,
      heartbeatTimeoutMs: 500,
      maxBlockedMs: 0,
    };
    expect(validatePolicyOverrides(full)).toEqual(full);
  });

  it('accepts a partial retry override', () => {
    expect(validatePolicyOverrides({ retry: { maximumAttempts: 1 } })).toEqual({
      retry: { maximumAttempts: 1 },
    });
  });

  it.each<[string, unknown, string]>([
    ['an unknown top-level key', { retries: 3 }, 'options.policy.retries'],
    ['an unknown retry key', { retry: { jitter: true } }, 'options.policy.retry.jitter'],
    ['a zero call timeout', { callTimeoutMs: 0 }, 'options.policy.callTimeoutMs'],
    ['a fractional attempt timeout', { attemptTimeoutMs: 1.5 }, 'options.policy.attemptTimeoutMs'],
    ['a string heartbeat timeout', { heartbeatTimeoutMs: '500' }, 'options.policy.heartbeatTimeoutMs'],
    ['a negative maxBlockedMs', { maxBlockedMs: -1 }, 'options.policy.maxBlockedMs'],
    ['zero attempts', { retry: { maximumAttempts: 0 } }, 'options.policy.retry.maximumAttempts'],
    [
      'a coefficient below 1',
      { retry: { backoffCoefficient: 0.5 } },
      'options.policy.retry.backoffCoefficient',
    ],
    [
      'a zero initial interval',
      { retry: { initialIntervalMs: 0 } },
      'options.policy.retry.initialIntervalMs',
    ],
    [
      'a negative Retry-After cap',
      { retry: { retryAfterCapMs: -1 } },
      'options.policy.retry.retryAfterCapMs',
    ],
    ['a retry that is not an object', { retry: 3 }, 'options.policy.retry'],
    ['a policy that is not an object', 'fast', 'options.policy'],
  ])('refuses %s, naming the field', (_label, overrides, field) => {
    const error = inputRefusal(() => validatePolicyOverrides(overrides));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('names the unknown key in the message', () => {
    expect(inputRefusal(() => validatePolicyOverrides({ retries: 3 })).message).toContain('retries');
  });
});
