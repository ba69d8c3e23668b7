import { describe, expect, it } from 'vitest';
import { NonRetryableInputError, type ErrorContext } from '../../src/errors';
import type { LlmRequest } from '../../src/llm/request';
import { toChatCompletionsBody } from '../../src/providers/openai-request';

const CONTEXT: Partial<ErrorContext> = { provider: 'openai', operation: 'chat' };

function request(extra: Partial<LlmRequest> = {}): LlmRequest {
  return { provider: 'openai', model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], ...extra };
}

describe('toChatCompletionsBody', () => {
  it('sends a bare request non-streamed, bounded by the default max_tokens', () => {
    expect(toChatCompletionsBody(request(), CONTEXT)).toEqual({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      max_tokens: 1024,
    });
  });

  it('sends every field as the request holds it, and only the bounds it sets', () => {
    const full: Partial<LlmRequest> = {
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' }, strict: true } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'w', schema: { type: 'object' }, strict: true },
      },
      max_completion_tokens: 300,
      temperature: 1.4,
      top_p: 0.5,
      stop: ['END'],
      seed: 7,
      reasoning_effort: 'low',
      user: 'user-42',
      stream: true,
    };
    expect(toChatCompletionsBody(request(full), CONTEXT)).toEqual({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      ...full,
      // A streamed answer reports its usage only when asked to.
      stream_options: { include_usage: true },
    });
  });

  it('merges providerOptions.openai untouched and ignores the other kinds', () => {
    const body = toChatCompletionsBody(
      request({ providerOptions: { openai: { store: true, logprobs: true }, anthropic: { top_k: 3 } } }),
      CONTEXT,
    );
    expect(body).toMatchObject({ store: true, logprobs: true });
    expect(body).not.toHaveProperty('top_k');
  });

  it.each(['model', 'messages', 'stream', 'tools', 'tool_choice', 'max_tokens', 'temperature', 'n'])(
    'refuses providerOptions.openai.%s, naming it',
    (key) => {
      const build = () =>
        toChatCompletionsBody(request({ providerOptions: { openai: { [key]: 1 } } }), CONTEXT);
      expect(build).toThrow(NonRetryableInputError);
      expect(build).toThrow(
        expect.objectContaining({
          field: `request.providerOptions.openai.${key}`,
          message: expect.stringMatching(new RegExp(`^request\\.providerOptions\\.openai\\.${key}: `)),
        }),
      );
    },
  );

  it('refuses providerOptions.openai that is not an object', () => {
    const options = { openai: ['x'] } as unknown as LlmRequest['providerOptions'];
    expect(() => toChatCompletionsBody(request({ providerOptions: options }), CONTEXT)).toThrow(
      'request.providerOptions.openai: must be an object',
    );
  });
});
