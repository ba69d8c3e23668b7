import { describe, expect, it } from 'vitest';
import { RetryableExternalError, type ErrorContext } from '../../src/errors';
import { fromMessagesResponse } from '../../src/providers/anthropic-response';
import { fromChatCompletion } from '../../src/providers/openai-response';

const CONTEXT: Partial<ErrorContext> = { provider: 'p', operation: 'chat' };
const CALL = { provider: 'p', model: 'asked-model' };

/** The `malformed_body` reason `read` throws (fails the test when it reads the body). */
function malformedReason(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(RetryableExternalError);
    expect((error as RetryableExternalError).reason).toBe('malformed_body');
    return (error as Error).message;
  }
  throw new Error('expected a malformed body');
}

function completion(message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    model: 'gpt-test',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    ...extra,
  };
}

describe('fromChatCompletion', () => {
  it('reads text, finish reason, model and usage', () => {
    expect(fromChatCompletion(completion({ content: 'Hello.' }), CALL, CONTEXT)).toEqual({
      text: 'Hello.',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { promptTokens: 20, completionTokens: 5, totalTokens: 25 },
      provider: 'p',
      model: 'gpt-test',
    });
  });

  it('reads a tool-call answer with content null as a success: raw arguments, parsed input', () => {
    const body = completion({
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'echo', arguments: '{not json' } },
      ],
    });
    body.choices[0]!.finish_reason = 'tool_calls';
    const response = fromChatCompletion(body, CALL, CONTEXT);
    expect(response.text).toBeNull();
    expect(response.finishReason).toBe('tool_calls');
    expect(response.toolCalls).toEqual([
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', input: { city: 'Paris' } },
      { id: 'call_2', name: 'echo', arguments: '{not json' },
    ]);
  });

  it('reads a refusal: finish reason refusal, the raw one kept', () => {
    const response = fromChatCompletion(completion({ content: null, refusal: 'I cannot.' }), CALL, CONTEXT);
    expect(response).toMatchObject({
      text: null,
      refusal: 'I cannot.',
      finishReason: 'refusal',
      rawFinishReason: 'stop',
    });
  });

  it('reads cached and reasoning tokens', () => {
    const usage = {
      prompt_tokens: 2000,
      completion_tokens: 300,
      total_tokens: 2300,
      prompt_tokens_details: { cached_tokens: 1536, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 256 },
    };
    expect(fromChatCompletion(completion({ content: 'x' }, { usage }), CALL, CONTEXT).usage).toEqual({
      promptTokens: 2000,
      completionTokens: 300,
      totalTokens: 2300,
      cachedPromptTokens: 1536,
      reasoningTokens: 256,
    });
  });

  it('keeps the asked model when the body names none, and sums a missing total', () => {
    const body = completion(
      { content: 'x' },
      { model: undefined, usage: { prompt_tokens: 3, completion_tokens: 4 } },
    );
    const response = fromChatCompletion(body, CALL, CONTEXT);
    expect(response.model).toBe('asked-model');
    expect(response.usage.totalTokens).toBe(7);
  });
});

function message(content: unknown[], extra: Record<string, unknown> = {}) {
  return {
    type: 'message',
    model: 'claude-test',
    content,
    stop_reason: 'end_turn',
    usage: { input_tokens: 10, output_tokens: 5 },
    ...extra,
  };
}

describe('fromMessagesResponse', () => {
  it('joins text blocks and leaves out other blocks', () => {
    const body = message([
      { type: 'thinking', thinking: 'hmm', signature: 's' },
      { type: 'text', text: 'Hello, ' },
      { type: 'text', text: 'world.' },
    ]);
    expect(fromMessagesResponse(body, CALL, CONTEXT)).toEqual({
      text: 'Hello, world.',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: 'end_turn',
      usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
      provider: 'p',
      model: 'claude-test',
    });
  });

  it('reads tool_use blocks as tool calls, text null when there is none', () => {
    const body = message(
      [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }],
      {
        stop_reason: 'tool_use',
      },
    );
    const response = fromMessagesResponse(body, CALL, CONTEXT);
    expect(response.text).toBeNull();
    expect(response.finishReason).toBe('tool_calls');
    expect(response.toolCalls).toEqual([
      { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}', input: { city: 'Paris' } },
    ]);
  });

  it.each([
    ['max_tokens', 'length'],
    ['refusal', 'refusal'],
    ['stop_sequence', 'stop'],
  ])('normalizes stop_reason %s to %s', (raw, normalized) => {
    const response = fromMessagesResponse(message([], { stop_reason: raw }), CALL, CONTEXT);
    expect(response.finishReason).toBe(normalized);
    expect(response.rawFinishReason).toBe(raw);
  });

  it('counts cache reads and writes in the prompt tokens, and reports them apart', () => {
    const usage = {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 200,
    };
    expect(fromMessagesResponse(message([], { usage }), CALL, CONTEXT).usage).toEqual({
      promptTokens: 1210,
      completionTokens: 5,
      totalTokens: 1215,
      cachedPromptTokens: 1000,
      cacheWritePromptTokens: 200,
    });
  });

  it('ignores cache counts the API sends as null', () => {
    const usage = { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: null };
    expect(fromMessagesResponse(message([], { usage }), CALL, CONTEXT).usage).toEqual({
      promptTokens: 10,
      completionTokens: 5,
      totalTokens: 15,
    });
  });
});

const MALFORMED_COMPLETIONS: Array<[string, unknown]> = [
  ['not an object', 'hello'],
  ['no choices', { usage: { prompt_tokens: 1, completion_tokens: 1 } }],
  ['empty choices', { choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } }],
  ['no message', { choices: [{ finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1 } }],
  ['content that is not text', completion({ content: 42 })],
  ['no usage', completion({ content: 'x' }, { usage: undefined })],
  ['negative usage', completion({ content: 'x' }, { usage: { prompt_tokens: -1, completion_tokens: 1 } })],
  ['tool_calls that are not a list', completion({ content: null, tool_calls: {} })],
  [
    'a tool call without id',
    completion({
      content: null,
      tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }],
    }),
  ],
  [
    'a tool call without name',
    completion({
      content: null,
      tool_calls: [{ id: 'c', type: 'function', function: { arguments: '{}' } }],
    }),
  ],
  [
    'a tool call without arguments',
    completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] }),
  ],
];

const MALFORMED_MESSAGES: Array<[string, unknown]> = [
  ['not an object', null],
  ['no content', { usage: { input_tokens: 1, output_tokens: 1 } }],
  ['a block that is not an object', message(['text'])],
  ['a text block without text', message([{ type: 'text' }])],
  ['a tool_use block without id', message([{ type: 'tool_use', name: 'f', input: {} }])],
  ['a tool_use block without name', message([{ type: 'tool_use', id: 't', input: {} }])],
  ['a tool_use block without input', message([{ type: 'tool_use', id: 't', name: 'f' }])],
  ['no usage', message([], { usage: undefined })],
];

describe.each([
  ['fromChatCompletion', fromChatCompletion, MALFORMED_COMPLETIONS],
  ['fromMessagesResponse', fromMessagesResponse, MALFORMED_MESSAGES],
] as const)('%s', (_, read, cases) => {
  it.each(cases)('refuses %s as a retryable malformed body', (_, body) => {
    expect(malformedReason(() => read(body, CALL, CONTEXT))).toMatch(/^p returned a malformed body \(.+\)$/);
  });
});
