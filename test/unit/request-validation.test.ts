/** The full `LlmRequest` schema: agent requests pass whole, and every refusal names its field. */
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_DATA_BYTES } from '../../src/client/image-url';
import { defaultConfig } from '../../src/config';
import { validateStoredTask, validateSubmission } from '../../src/client/validation';
import type { ChatMessage, LlmRequest, ToolDefinition } from '../../src/llm/request';
import { inputRefusal } from '../support/input-refusal';

const NOW = Date.parse('2025-03-01T12:00:00.000Z');
const DEFAULTS = { taskDeadlineMs: 900_000, maxRequestBytes: 1_572_864 };

const weather: ToolDefinition = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: true,
  },
};

/** A full tool round trip: the model calls two tools, gets both answers, and answers the user. */
const roundTrip: ChatMessage[] = [
  { role: 'developer', content: 'Use the tools when they help.' },
  { role: 'user', content: 'Weather in Zürich and Bern?', name: 'alice' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Zürich"}' } },
      { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Bern"}' } },
    ],
  },
  { role: 'tool', content: '{"temp_c":21}', tool_call_id: 'call_2' },
  { role: 'tool', content: [{ type: 'text', text: '{"temp_c":19}' }], tool_call_id: 'call_1' },
  { role: 'assistant', content: 'Warm in both.', refusal: null },
  { role: 'user', content: 'Thanks!' },
];

function agentRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { provider: 'openai', model: 'gpt-4o', messages: roundTrip, tools: [weather], ...overrides };
}

function withMessages(...messages: unknown[]): Record<string, unknown> {
  return agentRequest({ messages });
}

const USER: ChatMessage = { role: 'user', content: 'Go.' };

/** A base64 data URL whose payload decodes to `bytes` bytes. */
function dataUrl(bytes: number, type = 'png'): string {
  const full = Math.floor(bytes / 3);
  const rest = bytes % 3;
  const tail = rest === 0 ? '' : rest === 1 ? 'QQ==' : 'QUI=';
  return `data:image/${type};base64,${'QUJD'.repeat(full)}${tail}`;
}

const image = (url: string, detail?: string) => ({
  type: 'image_url',
  image_url: detail === undefined ? { url } : { url, detail },
});

function validRequest(request: unknown): LlmRequest {
  return validateSubmission(request, { idempotencyKey: 'task-1' }, DEFAULTS, NOW).request;
}

const requestRefusal = (request: unknown) => inputRefusal(() => validRequest(request));

describe('valid agent requests pass whole', () => {
  it('a full tool round trip with every scalar field and provider options', () => {
    const request = agentRequest({
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: true,
      max_tokens: 512,
      max_completion_tokens: 512,
      temperature: 0,
      top_p: 1,
      stop: ['\n\n', 'END'],
      seed: 42,
      reasoning_effort: 'low',
      user: 'user-7f3a',
      stream: true,
      providerOptions: { openai: { logprobs: true, metadata: { team: 'a' } }, anthropic: { top_k: 5 } },
    });
    expect(validRequest(request)).toEqual(request);
  });

  it('images in a user message: https and data URLs, any detail, up to the size limit', () => {
    const request = withMessages({
      role: 'user',
      content: [
        { type: 'text', text: 'Compare these.' },
        image('https://example.com/cat.png'),
        image(dataUrl(1000, 'jpeg'), 'low'),
        image(dataUrl(MAX_IMAGE_DATA_BYTES, 'webp'), 'high'),
        image(dataUrl(10, 'gif'), 'auto'),
      ],
    });
    expect(validRequest(request)).toEqual(request);
  });

  it('a json_schema response format, and the other formats', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    for (const format of [
      { type: 'json_schema', json_schema: { name: 'answer', description: 'One.', schema, strict: true } },
      { type: 'json_object' },
      { type: 'text' },
    ]) {
      const request = agentRequest({ response_format: format });
      expect(validRequest(request)).toEqual(request);
    }
  });

  it("an assistant message with '' content beside its tool calls, and a tool's empty result", () => {
    const call = { id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{}' } };
    const request = withMessages(
      USER,
      { role: 'assistant', content: '', tool_calls: [call] },
      {
        role: 'tool',
        content: '',
        tool_call_id: 'c',
      },
    );
    expect(validRequest(request)).toEqual(request);
  });

  it('a single stop string, and tool_choice words', () => {
    for (const tool_choice of ['none', 'auto', 'required']) {
      expect(validRequest(agentRequest({ stop: 'END', tool_choice })).tool_choice).toBe(tool_choice);
    }
  });
});

const call = (id: string) => ({ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } });
const calling = (...ids: string[]) => ({ role: 'assistant', content: null, tool_calls: ids.map(call) });
const answering = (id: string) => ({ role: 'tool', content: 'ok', tool_call_id: id });

/** [what, request, the field its refusal names] */
// prettier-ignore
const REFUSALS: Array<[string, Record<string, unknown>, string]> = [
  // Messages by role
  ['a tool message without tool_call_id', withMessages(USER, calling('a'), { role: 'tool', content: 'ok' }), 'request.messages[2].tool_call_id'],
  ['a tool message answering no open call', withMessages(USER, calling('a'), answering('b')), 'request.messages[2].tool_call_id'],
  ['a tool message after a user message', withMessages(USER, answering('a')), 'request.messages[1].tool_call_id'],
  ['a tool call answered twice', withMessages(USER, calling('a'), answering('a'), answering('a')), 'request.messages[3].tool_call_id'],
  ['a tool call left unanswered', withMessages(USER, calling('a', 'b'), answering('a'), USER), 'request.messages[1].tool_calls[1].id'],
  ['a conversation ending on a tool call', withMessages(USER, calling('a')), 'request.messages[1].tool_calls[0].id'],
  ['a repeated tool call id', withMessages(USER, calling('a', 'a')), 'request.messages[1].tool_calls[1].id'],
  ['an assistant message with neither content nor tool calls', withMessages(USER, { role: 'assistant', content: null }), 'request.messages[1].content'],
  ['an empty tool_calls array', withMessages(USER, { role: 'assistant', content: 'x', tool_calls: [] }), 'request.messages[1].tool_calls'],
  ['a tool call of another type', withMessages(USER, { role: 'assistant', tool_calls: [{ ...call('a'), type: 'custom' }] }), 'request.messages[1].tool_calls[0].type'],
  ['a tool call with a bad function name', withMessages(USER, { role: 'assistant', tool_calls: [{ ...call('a'), function: { name: 'get weather', arguments: '{}' } }] }), 'request.messages[1].tool_calls[0].function.name'],
  ['an unknown field in a message', withMessages({ ...USER, mood: 'happy' }), 'request.messages[0].mood'],
  ['a message that is not an object', withMessages(USER, 'hello'), 'request.messages[1]'],
  ['a name with spaces', withMessages({ ...USER, name: 'Alice Smith' }), 'request.messages[0].name'],
  // Content and images
  ['an image in a system message', withMessages({ role: 'system', content: [image('https://example.com/a.png')] }, USER), 'request.messages[0].content[0].type'],
  ['an image in an assistant message', withMessages(USER, { role: 'assistant', content: [image('https://example.com/a.png')] }), 'request.messages[1].content[0].type'],
  ['an image in a tool result', withMessages(USER, calling('a'), { role: 'tool', content: [image('https://example.com/a.png')], tool_call_id: 'a' }), 'request.messages[2].content[0].type'],
  ['an empty array of parts', withMessages({ role: 'user', content: [] }), 'request.messages[0].content'],
  ['an unknown part type', withMessages({ role: 'user', content: [{ type: 'audio', data: 'x' }] }), 'request.messages[0].content[0].type'],
  ['an empty text part', withMessages({ role: 'user', content: [{ type: 'text', text: '' }] }), 'request.messages[0].content[0].text'],
  ['a text part over 1,000,000 characters', withMessages({ role: 'user', content: [{ type: 'text', text: 'a'.repeat(1_000_001) }] }), 'request.messages[0].content[0].text'],
  ['an http: image URL', withMessages({ role: 'user', content: [image('http://example.com/a.png')] }), 'request.messages[0].content[0].image_url.url'],
  ['an SVG data URL', withMessages({ role: 'user', content: [image('data:image/svg+xml;base64,PHN2Zz4=')] }), 'request.messages[0].content[0].image_url.url'],
  ['a data URL that is not base64', withMessages({ role: 'user', content: [image('data:image/png;base64,not base64!')] }), 'request.messages[0].content[0].image_url.url'],
  ['an unknown image detail', withMessages({ role: 'user', content: [image('https://example.com/a.png', 'ultra')] }), 'request.messages[0].content[0].image_url.detail'],
  // Tools
  ['a tool name with spaces', agentRequest({ tools: [{ type: 'function', function: { name: 'get weather' } }] }), 'request.tools[0].function.name'],
  ['a tool name over 64 characters', agentRequest({ tools: [{ type: 'function', function: { name: 'n'.repeat(65) } }] }), 'request.tools[0].function.name'],
  ['tool parameters that are an array', agentRequest({ tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }), 'request.tools[0].function.parameters'],
  ['tool parameters that are not JSON', agentRequest({ tools: [{ type: 'function', function: { name: 'f', parameters: { at: new Date(0) } } }] }), 'request.tools[0].function.parameters.at'],
  ['a tool of another type', agentRequest({ tools: [{ type: 'retrieval', function: { name: 'f' } }] }), 'request.tools[0].type'],
  ['a tool without a function', agentRequest({ tools: [{ type: 'function' }] }), 'request.tools[0].function'],
  ['an unknown field in a tool', agentRequest({ tools: [{ type: 'function', function: { name: 'f', examples: [] } }] }), 'request.tools[0].function.examples'],
  ['two tools of one name', agentRequest({ tools: [weather, weather] }), 'request.tools[1].function.name'],
  ['more than 128 tools', agentRequest({ tools: Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `t${i}` } })) }), 'request.tools'],
  ['tool_choice naming an unknown tool', agentRequest({ tool_choice: { type: 'function', function: { name: 'get_time' } } }), 'request.tool_choice.function.name'],
  ['tool_choice without tools', agentRequest({ tools: undefined, messages: [USER], tool_choice: 'auto' }), 'request.tool_choice'],
  ['an unknown tool_choice', agentRequest({ tool_choice: 'sometimes' }), 'request.tool_choice'],
  ['parallel_tool_calls without tools', agentRequest({ tools: undefined, messages: [USER], parallel_tool_calls: false }), 'request.parallel_tool_calls'],
  // Response format
  ['a json_schema without a name', agentRequest({ response_format: { type: 'json_schema', json_schema: { schema: {} } } }), 'request.response_format.json_schema.name'],
  ['a json_schema without a schema', agentRequest({ response_format: { type: 'json_schema', json_schema: { name: 'a' } } }), 'request.response_format.json_schema.schema'],
  ['a json_schema whose schema is not an object', agentRequest({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema: 'string' } } }), 'request.response_format.json_schema.schema'],
  ['an unknown response format', agentRequest({ response_format: { type: 'xml' } }), 'request.response_format.type'],
  // Numbers and the rest
  ['a temperature above 2', agentRequest({ temperature: 2.1 }), 'request.temperature'],
  ['a top_p above 1', agentRequest({ top_p: 1.5 }), 'request.top_p'],
  ['a negative top_p', agentRequest({ top_p: -0.1 }), 'request.top_p'],
  ['a zero max_completion_tokens', agentRequest({ max_completion_tokens: 0 }), 'request.max_completion_tokens'],
  ['two different output bounds', agentRequest({ max_tokens: 100, max_completion_tokens: 200 }), 'request.max_completion_tokens'],
  ['five stop sequences', agentRequest({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'request.stop'],
  ['an empty stop sequence', agentRequest({ stop: [''] }), 'request.stop[0]'],
  ['a fractional seed', agentRequest({ seed: 1.5 }), 'request.seed'],
  ['an unknown reasoning effort', agentRequest({ reasoning_effort: 'extreme' }), 'request.reasoning_effort'],
  ['a user over 256 characters', agentRequest({ user: 'u'.repeat(257) }), 'request.user'],
  ['a stream that is not a boolean', agentRequest({ stream: 'yes' }), 'request.stream'],
  // Provider options
  ['provider options of an unknown provider kind', agentRequest({ providerOptions: { google: {} } }), 'request.providerOptions.google'],
  ['provider options that are not an object', agentRequest({ providerOptions: { openai: ['logprobs'] } }), 'request.providerOptions.openai'],
  ['n in provider options', agentRequest({ providerOptions: { openai: { n: 3 } } }), 'request.providerOptions.openai.n'],
  ['an output bound in provider options', agentRequest({ providerOptions: { anthropic: { max_tokens: 64_000 } } }), 'request.providerOptions.anthropic.max_tokens'],
  ['a system prompt in provider options', agentRequest({ providerOptions: { anthropic: { system: 'x' } } }), 'request.providerOptions.anthropic.system'],
  // The request itself
  ['an unknown top-level field', agentRequest({ functions: [] }), 'request.functions'],
];

describe('refusals name the field', () => {
  it.each(REFUSALS)('refuses %s, naming the field', (_label, request, field) => {
    const error = requestRefusal(request);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('refuses a data URL one byte over the limit, saying the limit and quoting none of it', () => {
    const url = dataUrl(MAX_IMAGE_DATA_BYTES + 1);
    const error = requestRefusal(withMessages({ role: 'user', content: [image(url)] }));
    expect(error.field).toBe('request.messages[0].content[0].image_url.url');
    expect(error.message).toContain('at most 1,048,576 bytes');
    expect(error.message).not.toContain('QUJD');
    expect(requestRefusal(withMessages({ role: 'user', content: [image(dataUrl(5_000_000))] })).field).toBe(
      'request.messages[0].content[0].image_url.url',
    );
  });

  it('never puts text of the request into a refusal', () => {
    const secret = 'my very private question';
    const error = requestRefusal(
      withMessages({
        role: 'user',
        content: [{ type: 'text', text: secret }, image(`http://x.test/${secret}`)],
      }),
    );
    expect(error.message).not.toContain('private');
    const toolError = requestRefusal(
      agentRequest({ tool_choice: { type: 'function', function: { name: 'secret_tool' } } }),
    );
    expect(toolError.message).not.toContain('secret_tool');
  });
});

describe('validateStoredTask', () => {
  const stored = (request: unknown) => ({
    request,
    meta: { idempotencyKey: 'task-1', operation: 'chat', agent: 'default', priority: 'normal' },
    policy: defaultConfig().policy,
    replayCount: 1,
  });

  it('checks the stored request with the same schema', () => {
    expect(validateStoredTask(stored(agentRequest())).request).toEqual(agentRequest());
    const error = inputRefusal(() => validateStoredTask(stored(withMessages(USER, calling('a')))));
    expect(error.field).toBe('request.messages[1].tool_calls[0].id');
  });
});
