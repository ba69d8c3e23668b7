import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ContentPolicyError,
  NonRetryableInputError,
  ProviderConfigurationError,
  RateLimitedError,
  RetryableExternalError,
  type ErrorContext,
} from '../../src/errors';
import type { LlmResponse } from '../../src/llm/response';
import {
  acceptAnswer,
  classifyHttpStatus,
  classifyTransportError,
  malformedBody,
  parseRetryAfter,
  providerErrorCode,
} from '../../src/providers/classify';

const CONTEXT: Partial<ErrorContext> = { provider: 'openai', operation: 'chat', runId: 'run-1', attempt: 1 };
const NO_HEADERS = new Headers();
const PROMPT = 'Please summarise the medical record of Jane Roe';

function errorBody(error: Record<string, unknown>): string {
  return JSON.stringify({ error });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('classifyHttpStatus', () => {
  it.each([408, 409, 500, 502, 503, 504, 529])('maps %i to a retryable http_<status> error', (status) => {
    const error = classifyHttpStatus(status, NO_HEADERS, '', CONTEXT);
    expect(error).toBeInstanceOf(RetryableExternalError);
    expect(error.retryable).toBe(true);
    expect((error as RetryableExternalError).reason).toBe(`http_${status}`);
    expect((error as RetryableExternalError).retryAfterMs).toBeUndefined();
    expect(error.message).toBe(`openai answered HTTP ${status}`);
    expect(error.context).toMatchObject(CONTEXT);
  });

  it('keeps a Retry-After sent with a 503', () => {
    const error = classifyHttpStatus(503, new Headers({ 'retry-after': '3' }), '', CONTEXT);
    expect(error).toBeInstanceOf(RetryableExternalError);
    expect((error as RetryableExternalError).retryAfterMs).toBe(3000);
  });

  it('maps 429 to a retryable RateLimitedError', () => {
    const error = classifyHttpStatus(429, NO_HEADERS, '', CONTEXT);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryable).toBe(true);
    expect((error as RateLimitedError).retryAfterMs).toBeUndefined();
  });

  it('reads a 429 retry-after in seconds', () => {
    const error = classifyHttpStatus(429, new Headers({ 'retry-after': '20' }), '', CONTEXT);
    expect((error as RateLimitedError).retryAfterMs).toBe(20_000);
  });

  it('reads a 429 retry-after given as an HTTP date', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T12:00:00.000Z'));
    const headers = new Headers({ 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT' });
    const error = classifyHttpStatus(429, headers, '', CONTEXT);
    expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
  });

  it('reads a 429 retry-after-ms', () => {
    const error = classifyHttpStatus(429, new Headers({ 'retry-after-ms': '1500' }), '', CONTEXT);
    expect((error as RateLimitedError).retryAfterMs).toBe(1500);
  });

  it.each([400, 422])('maps %i to a NonRetryableInputError on the request', (status) => {
    const error = classifyHttpStatus(status, NO_HEADERS, errorBody({ code: 'invalid_request' }), CONTEXT);
    expect(error).toBeInstanceOf(NonRetryableInputError);
    expect(error.retryable).toBe(false);
    expect((error as NonRetryableInputError).field).toBe('request');
    expect(error.message).toBe(`openai answered HTTP ${status} (invalid_request)`);
  });

  it('names request.messages when the context is too long', () => {
    const body = errorBody({
      message: `This model's maximum context length is 8192 tokens. ${PROMPT}`,
      code: 'context_length_exceeded',
    });
    const error = classifyHttpStatus(400, NO_HEADERS, body, CONTEXT);
    expect(error).toBeInstanceOf(NonRetryableInputError);
    expect((error as NonRetryableInputError).field).toBe('request.messages');
    expect(error.message).toBe('openai answered HTTP 400 (context_length_exceeded)');
  });

  it.each([
    [404, undefined, 'request.model'],
    [404, 'model_not_found', 'request.model'],
    [400, 'model_not_found', 'request.model'],
    [404, 'not_found_error', 'request.model'],
    [413, 'request_too_large', 'request.messages'],
    [413, undefined, 'request.messages'],
  ])('maps %i (%s) to a NonRetryableInputError naming %s', (status, code, field) => {
    const body = code === undefined ? '' : errorBody({ code });
    const error = classifyHttpStatus(status, NO_HEADERS, body, CONTEXT);
    expect(error).toBeInstanceOf(NonRetryableInputError);
    expect((error as NonRetryableInputError).field).toBe(field);
  });

  it("names request.messages for Anthropic's prompt-too-long, read from its message but not copied", () => {
    const body = JSON.stringify({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: `prompt is too long: 250000 tokens > 200000 maximum. ${PROMPT}`,
      },
    });
    const error = classifyHttpStatus(400, NO_HEADERS, body, { provider: 'anthropic' });
    expect(error).toBeInstanceOf(NonRetryableInputError);
    expect((error as NonRetryableInputError).field).toBe('request.messages');
    expect(error.message).toBe('anthropic answered HTTP 400 (invalid_request_error)');
  });

  it.each([401, 402, 403])('maps %i to a ProviderConfigurationError', (status) => {
    const error = classifyHttpStatus(status, NO_HEADERS, errorBody({ type: 'authentication_error' }), {
      provider: 'anthropic',
    });
    expect(error).toBeInstanceOf(ProviderConfigurationError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`anthropic answered HTTP ${status} (authentication_error)`);
  });

  it('names a generic provider when the context has none', () => {
    expect(classifyHttpStatus(500, NO_HEADERS, '', {}).message).toBe('provider answered HTTP 500');
  });

  it('never carries the provider error message (which may echo the prompt) into the error', () => {
    const body = errorBody({ message: `Invalid input: ${PROMPT}`, type: 'invalid_request_error' });
    for (const status of [400, 401, 429, 500]) {
      const error = classifyHttpStatus(status, NO_HEADERS, body, CONTEXT);
      const serialised = JSON.stringify({
        message: error.message,
        context: error.context,
        ...error.details(),
      });
      expect(serialised).not.toContain('Jane Roe');
      expect(serialised).not.toContain('Invalid input');
    }
  });
});

describe('parseRetryAfter', () => {
  const now = () => Date.parse('2025-03-01T12:00:00.000Z');

  it('is undefined without a header', () => {
    expect(parseRetryAfter(NO_HEADERS, now)).toBeUndefined();
  });

  it('converts seconds, also fractional, to milliseconds', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '0.25' }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': ' 5 ' }), now)).toBe(5000);
  });

  it('measures an HTTP date against the injected clock', () => {
    const headers = new Headers({ 'retry-after': 'Sat, 01 Mar 2025 12:01:00 GMT' });
    expect(parseRetryAfter(headers, now)).toBe(60_000);
  });

  it('clamps an HTTP date in the past to zero', () => {
    const headers = new Headers({ 'retry-after': 'Sat, 01 Mar 2025 11:00:00 GMT' });
    expect(parseRetryAfter(headers, now)).toBe(0);
  });

  it('prefers retry-after-ms over retry-after', () => {
    const headers = new Headers({ 'retry-after-ms': '750', 'retry-after': '10' });
    expect(parseRetryAfter(headers, now)).toBe(750);
  });

  it('falls back to retry-after when retry-after-ms is not a number', () => {
    const headers = new Headers({ 'retry-after-ms': 'soon', 'retry-after': '4' });
    expect(parseRetryAfter(headers, now)).toBe(4000);
  });

  it('is undefined for a value that is neither seconds nor a date', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': 'later' }), now)).toBeUndefined();
  });
});

describe('classifyTransportError', () => {
  it('maps a timeout to reason timeout, whatever the error', () => {
    const error = classifyTransportError(
      Object.assign(new Error('aborted'), { code: 'ECONNRESET' }),
      true,
      CONTEXT,
    );
    expect(error).toBeInstanceOf(RetryableExternalError);
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('openai call timed out');
    expect(error.context).toMatchObject(CONTEXT);
  });

  it('maps ECONNRESET to connection_reset', () => {
    const error = classifyTransportError(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      false,
      CONTEXT,
    );
    expect(error.reason).toBe('connection_reset');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('openai connection reset (ECONNRESET)');
  });

  it('finds ECONNRESET nested in cause, as fetch reports it', () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'ECONNRESET' });
    const error = classifyTransportError(new TypeError('fetch failed', { cause }), false, CONTEXT);
    expect(error.reason).toBe('connection_reset');
  });

  it('finds a code two levels down', () => {
    const inner = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    const middle = new Error('connect failed', { cause: inner });
    const error = classifyTransportError(new TypeError('fetch failed', { cause: middle }), false, CONTEXT);
    expect(error.reason).toBe('connect_error');
  });

  it('maps ECONNREFUSED to connect_error', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = classifyTransportError(new TypeError('fetch failed', { cause }), false, CONTEXT);
    expect(error.reason).toBe('connect_error');
    expect(error.message).toBe('openai unreachable (ECONNREFUSED)');
  });

  it('maps an unknown code to network_error and names the code', () => {
    const error = classifyTransportError(
      Object.assign(new Error('x'), { code: 'ESOMETHING' }),
      false,
      CONTEXT,
    );
    expect(error.reason).toBe('network_error');
    expect(error.message).toBe('openai request failed (ESOMETHING)');
  });

  it('maps an error without a code to network_error', () => {
    const error = classifyTransportError(new Error('boom'), false, {});
    expect(error.reason).toBe('network_error');
    expect(error.message).toBe('provider request failed');
  });

  it('copes with a thrown non-object', () => {
    expect(classifyTransportError('boom', false, CONTEXT).reason).toBe('network_error');
    expect(classifyTransportError(undefined, false, CONTEXT).reason).toBe('network_error');
  });

  it('does not carry the original error message', () => {
    const error = classifyTransportError(new Error(`failed while sending ${PROMPT}`), false, CONTEXT);
    expect(error.message).not.toContain('Jane Roe');
  });
});

describe('malformedBody', () => {
  it('is a retryable malformed_body error that names what was wrong', () => {
    const error = malformedBody(CONTEXT, 'not JSON');
    expect(error).toBeInstanceOf(RetryableExternalError);
    expect(error.retryable).toBe(true);
    expect(error.reason).toBe('malformed_body');
    expect(error.message).toBe('openai returned a malformed body (not JSON)');
    expect(error.context).toMatchObject(CONTEXT);
  });
});

describe('providerErrorCode', () => {
  it('reads error.code', () => {
    expect(providerErrorCode(errorBody({ code: 'context_length_exceeded', type: 'x' }))).toBe(
      'context_length_exceeded',
    );
  });

  it('falls back to error.type', () => {
    expect(providerErrorCode(errorBody({ type: 'overloaded_error' }))).toBe('overloaded_error');
  });

  it('accepts dots and dashes', () => {
    expect(providerErrorCode(errorBody({ code: 'rate-limit.tokens' }))).toBe('rate-limit.tokens');
  });

  it('drops a code that contains spaces', () => {
    expect(providerErrorCode(errorBody({ code: 'the prompt was too long' }))).toBeUndefined();
  });

  it('keeps a code of 64 characters and drops a longer one', () => {
    expect(providerErrorCode(errorBody({ code: 'a'.repeat(64) }))).toBe('a'.repeat(64));
    expect(providerErrorCode(errorBody({ code: 'a'.repeat(65) }))).toBeUndefined();
  });

  it('drops a code carrying free text in punctuation', () => {
    expect(providerErrorCode(errorBody({ code: `x:${PROMPT}` }))).toBeUndefined();
  });

  it('ignores a code that is not a string', () => {
    expect(providerErrorCode(errorBody({ code: 400 }))).toBeUndefined();
  });

  it('ignores bodies that are not JSON or have no error', () => {
    expect(providerErrorCode('<html>Bad Gateway</html>')).toBeUndefined();
    expect(providerErrorCode('')).toBeUndefined();
    expect(providerErrorCode('{"message":"nope"}')).toBeUndefined();
    expect(providerErrorCode('null')).toBeUndefined();
  });
});

describe('acceptAnswer', () => {
  const answer = (finish: Partial<LlmResponse>): LlmResponse => ({
    text: null,
    toolCalls: [],
    finishReason: 'stop',
    usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 },
    provider: 'openai',
    model: 'gpt-test',
    ...finish,
  });

  it('accepts a tool-call answer with no text', () => {
    const toolCall = answer({
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', input: { city: 'Paris' } },
      ],
    });
    expect(acceptAnswer(toolCall, CONTEXT)).toBe(toolCall);
  });

  it.each(['stop', 'length'] as const)('accepts a %s finish', (finishReason) => {
    expect(acceptAnswer(answer({ finishReason, text: 'ok' }), CONTEXT).finishReason).toBe(finishReason);
  });

  it.each([
    ['content_filter', 'content_filter'],
    ['refusal', 'stop'],
    ['refusal', 'refusal'],
  ] as const)('refuses a %s finish (raw %s) as a non-retryable ContentPolicyError', (finishReason, raw) => {
    const refused = answer({ finishReason, rawFinishReason: raw, text: PROMPT, refusal: `No: ${PROMPT}` });
    let error: unknown;
    try {
      acceptAnswer(refused, CONTEXT);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ContentPolicyError);
    const policyError = error as ContentPolicyError;
    expect(policyError.retryable).toBe(false);
    expect(policyError.finishReason).toBe(finishReason);
    expect(policyError.rawFinishReason).toBe(raw);
    expect(policyError.message).toBe(`openai declined to answer (${finishReason})`);
    expect(policyError.context).toMatchObject(CONTEXT);
    expect(JSON.stringify({ message: policyError.message, ...policyError.details() })).not.toContain(
      'Jane Roe',
    );
  });
});
