/** What an AI SDK model call threw, in Breakwater's taxonomy. */
import { describe, expect, it } from 'vitest';
import { APICallError, JSONParseError } from '@ai-sdk/provider';
import { classifySdkError } from '../../src/ai-sdk/classify-sdk-error';
import {
  NonRetryableInputError,
  ProviderConfigurationError,
  RateLimitedError,
  RetryableExternalError,
} from '../../src/errors';

const CONTEXT = { provider: 'openai', operation: 'triage', attempt: 1 };
const PROMPT = 'the medical record of Jane Roe';

function apiCallError(fields: Partial<ConstructorParameters<typeof APICallError>[0]>): APICallError {
  return new APICallError({
    message: 'call failed',
    url: 'https://api.example.com/v1/chat/completions',
    requestBodyValues: { messages: [{ role: 'user', content: PROMPT }] },
    ...fields,
  });
}

describe('classifySdkError', () => {
  it.each([
    [503, RetryableExternalError],
    [429, RateLimitedError],
    [401, ProviderConfigurationError],
    [400, NonRetryableInputError],
  ])('classifies HTTP %i as the provider adapters do', (statusCode, type) => {
    const error = classifySdkError(apiCallError({ statusCode, responseBody: '{}' }), false, CONTEXT);
    expect(error).toBeInstanceOf(type);
    expect(error!.message).not.toContain(PROMPT);
  });

  it("keeps a 429's Retry-After", () => {
    const error = classifySdkError(
      apiCallError({ statusCode: 429, responseHeaders: { 'retry-after': '2' } }),
      false,
      CONTEXT,
    );
    expect(error).toMatchObject({ retryAfterMs: 2000 });
  });

  it('takes a 2xx answer the AI SDK could not read for a malformed body', () => {
    expect(classifySdkError(apiCallError({ statusCode: 200 }), false, CONTEXT)).toMatchObject({
      reason: 'malformed_body',
    });
    const parse = new JSONParseError({ text: '{"choices": [', cause: new SyntaxError('end of input') });
    expect(classifySdkError(parse, false, CONTEXT)).toMatchObject({ reason: 'malformed_body' });
  });

  it('classifies a call that never got an answer by its network error, or as timed out', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const cannotConnect = apiCallError({ cause: new TypeError('fetch failed', { cause: refused }) });
    expect(classifySdkError(cannotConnect, false, CONTEXT)).toMatchObject({ reason: 'connect_error' });
    const aborted = new DOMException('The operation was aborted', 'TimeoutError');
    expect(classifySdkError(aborted, true, CONTEXT)).toMatchObject({ reason: 'timeout' });
  });

  it('leaves an error the answer does not explain unclassified', () => {
    expect(classifySdkError(new RangeError('a bug'), false, CONTEXT)).toBeUndefined();
  });
});
