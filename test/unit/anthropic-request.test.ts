import { describe, expect, it } from 'vitest';
import { NonRetryableInputError, type ErrorContext } from '../../src/errors';
import type { ChatMessage, LlmRequest } from '../../src/llm/request';
import { toMessagesBody } from '../../src/providers/anthropic-request';
import { WEATHER_TOOL } from '../support/weather-tool';

const CONTEXT: Partial<ErrorContext> = { provider: 'anthropic', operation: 'chat' };
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function request(extra: Partial<LlmRequest> = {}): LlmRequest {
  return {
    provider: 'anthropic',
    model: 'claude-test',
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  };
}

/** The field `toMessagesBody` refuses `extra` with (fails the test when it translates). */
function refusedField(extra: Partial<LlmRequest>): string | undefined {
  try {
    toMessagesBody(request(extra), CONTEXT);
  } catch (error) {
    expect(error).toBeInstanceOf(NonRetryableInputError);
    const refusal = error as NonRetryableInputError;
    expect(refusal.message.startsWith(`${refusal.field}: `)).toBe(true);
    expect(refusal.context).toMatchObject(CONTEXT);
    return refusal.field;
  }
  throw new Error('expected a refusal');
}

describe('toMessagesBody', () => {
  it('sends model, max_tokens (default 1024) and user turns as content blocks', () => {
    expect(toMessagesBody(request(), CONTEXT)).toEqual({
      model: 'claude-test',
      max_tokens: 1024,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    expect(toMessagesBody(request({ max_completion_tokens: 50, max_tokens: 70 }), CONTEXT).max_tokens).toBe(
      50,
    );
  });

  it('moves system and developer messages, text parts included, to the top-level system', () => {
    const body = toMessagesBody(
      request({
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'developer', content: [{ type: 'text', text: 'answer in French' }] },
          { role: 'user', content: 'hi' },
        ],
      }),
      CONTEXT,
    );
    expect(body.system).toBe('be brief\n\nanswer in French');
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('maps tools, tool_choice and parallel_tool_calls', () => {
    const body = toMessagesBody(
      request({
        tools: [WEATHER_TOOL, { type: 'function', function: { name: 'now' } }],
        tool_choice: 'required',
        parallel_tool_calls: false,
      }),
      CONTEXT,
    );
    expect(body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'The weather in a city',
        input_schema: WEATHER_TOOL.function.parameters,
      },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
  });

  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    ['none', false, { type: 'none' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      undefined,
      { type: 'tool', name: 'get_weather' },
    ],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, true, undefined],
    [undefined, undefined, undefined],
  ] as const)('maps tool_choice %j with parallel_tool_calls %s to %j', (choice, parallel, expected) => {
    const body = toMessagesBody(
      request({ tools: [WEATHER_TOOL], tool_choice: choice, parallel_tool_calls: parallel }),
      CONTEXT,
    );
    expect(body.tool_choice).toEqual(expected);
  });

  it('round-trips a tool call: tool_use in the assistant turn, tool_result and the next user message in one user turn', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
      { role: 'user', content: 'And tomorrow?' },
    ];
    expect(toMessagesBody(request({ messages, tools: [WEATHER_TOOL] }), CONTEXT).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
  });

  it('keeps assistant text beside its tool calls and leaves out empty text', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: 'Let me look.',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'now', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c', content: 'noon' },
      { role: 'assistant', content: '' },
    ];
    expect(toMessagesBody(request({ messages }), CONTEXT).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'c', name: 'now', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c', content: 'noon' }] },
      { role: 'assistant', content: [] },
    ]);
  });

  it('maps image parts: an https URL to a url source, a data URL to a base64 source', () => {
    const body = toMessagesBody(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these?' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'auto' } },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            ],
          },
        ],
      }),
      CONTEXT,
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
    ]);
  });

  it('maps stop, top_p, temperature and user', () => {
    const body = toMessagesBody(
      request({ stop: 'END', top_p: 0.9, temperature: 0.2, user: 'user-42' }),
      CONTEXT,
    );
    expect(body).toMatchObject({
      stop_sequences: ['END'],
      top_p: 0.9,
      temperature: 0.2,
      metadata: { user_id: 'user-42' },
    });
    expect(toMessagesBody(request({ stop: ['a', 'b'] }), CONTEXT).stop_sequences).toEqual(['a', 'b']);
  });

  it('merges providerOptions.anthropic untouched and ignores the other kinds', () => {
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const body = toMessagesBody(
      request({ providerOptions: { anthropic: { thinking, top_k: 5 }, openai: { store: true } } }),
      CONTEXT,
    );
    expect(body).toMatchObject({ thinking, top_k: 5 });
    expect(body).not.toHaveProperty('store');
  });

  it.each(['model', 'messages', 'system', 'max_tokens', 'stream', 'tools', 'tool_choice', 'metadata'])(
    'refuses providerOptions.anthropic.%s, which Breakwater sets',
    (key) => {
      expect(refusedField({ providerOptions: { anthropic: { [key]: 1 } } })).toBe(
        `request.providerOptions.anthropic.${key}`,
      );
    },
  );

  it.each<[string, Partial<LlmRequest>, string]>([
    ['json_object', { response_format: { type: 'json_object' } }, 'request.response_format'],
    [
      'json_schema',
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } },
      'request.response_format',
    ],
    ['a seed', { seed: 7 }, 'request.seed'],
    ['a reasoning effort', { reasoning_effort: 'high' }, 'request.reasoning_effort'],
    ['a temperature above 1', { temperature: 1.5 }, 'request.temperature'],
    [
      'a strict tool',
      { tools: [{ type: 'function', function: { ...WEATHER_TOOL.function, strict: true } }] },
      'request.tools[0].function.strict',
    ],
    [
      'a participant name',
      { messages: [{ role: 'user', content: 'hi', name: 'alice' }] },
      'request.messages[0].name',
    ],
    [
      'an assistant refusal',
      {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, refusal: 'No.' },
        ],
      },
      'request.messages[1].refusal',
    ],
    [
      'tool call arguments that are not JSON',
      {
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{city:' } }],
          },
        ],
      },
      'request.messages[0].tool_calls[0].function.arguments',
    ],
    [
      'tool call arguments that are not an object',
      {
        messages: [
          {
            role: 'assistant',
            tool_calls: [
              { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'd', type: 'function', function: { name: 'f', arguments: '["Paris"]' } },
            ],
          },
        ],
      },
      'request.messages[0].tool_calls[1].function.arguments',
    ],
    [
      'an image detail',
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }],
          },
        ],
      },
      'request.messages[0].content[0].image_url.detail',
    ],
    [
      'an http image URL',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see' },
              { type: 'image_url', image_url: { url: 'http://example.com/a.png' } },
            ],
          },
        ],
      },
      'request.messages[0].content[1].image_url.url',
    ],
    [
      'a data URL of another media type',
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } }],
          },
        ],
      },
      'request.messages[0].content[0].image_url.url',
    ],
  ])('refuses %s before any call, naming %s', (_, extra, field) => {
    expect(refusedField(extra)).toBe(field);
  });

  it('accepts a text response format and a temperature of 1', () => {
    expect(() =>
      toMessagesBody(request({ response_format: { type: 'text' }, temperature: 1 }), CONTEXT),
    ).not.toThrow();
  });

  it('never copies an image URL into its refusal', () => {
    const url = 'http://example.com/private-scan-of-jane-roe.png';
    const translate = () =>
      toMessagesBody(
        request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] }),
        CONTEXT,
      );
    expect(translate).toThrow(NonRetryableInputError);
    expect(translate).not.toThrow(/jane-roe/);
  });
});
