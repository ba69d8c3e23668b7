/**
 * The official `openai` and `@anthropic-ai/sdk` clients, pointed at the fake provider, judge its
 * wire format: each answer must parse through the SDK's own types and helpers.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ContentFilterFinishReasonError } from 'openai/core/error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeReply, REFUSAL_TEXT } from '../../src/testing/fake-answer';
import { FakeProvider, type FakeScenario } from '../../src/testing/fake-provider';
import { uniqueName } from '../support/harness';
import {
  WEATHER_ANSWER,
  WEATHER_ARGUMENTS,
  WEATHER_PARAMETERS,
  WEATHER_SCRIPT,
} from '../support/weather-tool';

const API_KEY = 'sk-fake-sdk-key-0000000000';
const QUESTION = 'What is the weather in Paris?';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await new FakeProvider().start();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const scenario = (label: string) => fakeProvider.scenario(uniqueName(label));

/** The rejection of `promise` (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('openai SDK against the fake provider', () => {
  const client = (fake: FakeScenario) =>
    new OpenAI({ apiKey: API_KEY, baseURL: fake.openAiBaseUrl, maxRetries: 0 });
  const user = { role: 'user', content: QUESTION } as const;

  it('reads a plain completion', async () => {
    const completion = await client(scenario('sdk-openai-plain')).chat.completions.create({
      model: 'gpt-fake',
      messages: [user],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(fakeReply(QUESTION));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(12);
  });

  it('reads a tool-call answer through its types, and parses strict tool arguments', async () => {
    const fake = scenario('sdk-openai-tools').configure({ script: WEATHER_SCRIPT });
    const tools: OpenAI.ChatCompletionFunctionTool[] = [
      { type: 'function', function: { name: 'get_weather', parameters: WEATHER_PARAMETERS, strict: true } },
    ];
    const completion = await client(fake).chat.completions.parse({
      model: 'gpt-fake',
      messages: [user],
      tools,
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const [call] = choice.message.tool_calls ?? [];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual(WEATHER_ARGUMENTS);
    expect(call.function.parsed_arguments).toEqual(WEATHER_ARGUMENTS);

    const followUp = await client(fake).chat.completions.create({
      model: 'gpt-fake',
      tools,
      messages: [user, choice.message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    });
    expect(followUp.choices[0]?.message.content).toBe(WEATHER_ANSWER);
  });

  it('parses a json_schema answer', async () => {
    const completion = await client(scenario('sdk-openai-json')).chat.completions.parse({
      model: 'gpt-fake',
      messages: [user],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'weather_query', schema: WEATHER_PARAMETERS, strict: true },
      },
    });
    expect(completion.choices[0]?.message.parsed).toEqual({ city: 'sample', unit: 'C' });
  });

  it('reads cached prompt tokens', async () => {
    const fake = scenario('sdk-openai-cached').configure({ cachedPromptTokens: 5 });
    const completion = await client(fake).chat.completions.create({ model: 'gpt-fake', messages: [user] });
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(5);
  });

  it('reads a refusal, and stops on a content-filter finish', async () => {
    const fake = scenario('sdk-openai-declined')
      .inject({ fault: { kind: 'refusal' }, times: 1 })
      .inject({ fault: { kind: 'content_filter' }, times: 1 });
    const refused = await client(fake).chat.completions.parse({ model: 'gpt-fake', messages: [user] });
    expect(refused.choices[0]?.message).toMatchObject({ content: null, refusal: REFUSAL_TEXT, parsed: null });
    const filtered = await rejectionOf(
      client(fake).chat.completions.parse({ model: 'gpt-fake', messages: [user] }),
    );
    expect(filtered).toBeInstanceOf(ContentFilterFinishReasonError);
  });

  it('streams a completion with its usage, and a tool call in fragments', async () => {
    const fake = scenario('sdk-openai-stream').configure({ script: WEATHER_SCRIPT, chunkDelayMs: 2 });
    const plain = await client(fake).chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'Say something long enough to stream in several pieces.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of plain) {
      pieces.push(chunk.choices[0]?.delta.content ?? '');
      usage = chunk.usage ?? usage;
    }
    expect(pieces.filter(Boolean).length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(fakeReply('Say something long enough to stream in several pieces.'));
    expect(usage?.completion_tokens).toBe(12);

    const runner = client(fake).chat.completions.stream({
      model: 'gpt-fake',
      messages: [user],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_PARAMETERS } }],
    });
    const final = await runner.finalChatCompletion();
    const [call] = final.choices[0]?.message.tool_calls ?? [];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(JSON.parse(call.function.arguments)).toEqual(WEATHER_ARGUMENTS);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('throws an APIError carrying the status and the Retry-After header', async () => {
    const fake = scenario('sdk-openai-429').inject({
      fault: { kind: 'status', status: 429, retryAfterSec: 7 },
      times: 1,
    });
    const error = await rejectionOf(
      client(fake).chat.completions.create({ model: 'gpt-fake', messages: [user] }),
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const apiError = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(apiError.status).toBe(429);
    expect(apiError.headers.get('retry-after')).toBe('7');
    expect(apiError.code).toBe('rate_limit_error');
    expect(fake.stats.received).toBe(1);
  });
});

describe('@anthropic-ai/sdk against the fake provider', () => {
  const client = (fake: FakeScenario) =>
    new Anthropic({ apiKey: API_KEY, baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
  const user = { role: 'user', content: QUESTION } as const;

  it('reads a plain message', async () => {
    const message = await client(scenario('sdk-anthropic-plain')).messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      messages: [user],
    });
    expect(message.type).toBe('message');
    expect(message.content).toEqual([{ type: 'text', text: fakeReply(QUESTION) }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(12);
  });

  it('reads a tool_use answer through its types, and answers the tool result', async () => {
    const fake = scenario('sdk-anthropic-tools').configure({ script: WEATHER_SCRIPT });
    const tools: Anthropic.Tool[] = [
      { name: 'get_weather', input_schema: WEATHER_PARAMETERS as Anthropic.Tool.InputSchema },
    ];
    const message = await client(fake).messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      tools,
      messages: [user],
    });
    expect(message.stop_reason).toBe('tool_use');
    const toolUse = message.content.find(
      (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use',
    );
    expect(toolUse).toMatchObject({ name: 'get_weather', input: WEATHER_ARGUMENTS });

    const followUp = await client(fake).messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      tools,
      messages: [
        user,
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse!.id, content: 'sunny' }] },
      ],
    });
    expect(followUp.content).toEqual([{ type: 'text', text: WEATHER_ANSWER }]);
  });

  it('reads cache reads and writes in its usage', async () => {
    const fake = scenario('sdk-anthropic-cached').configure({
      cachedPromptTokens: 3,
      cacheWritePromptTokens: 2,
    });
    const message = await client(fake).messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      messages: [user],
    });
    expect(message.usage).toMatchObject({ cache_read_input_tokens: 3, cache_creation_input_tokens: 2 });
  });

  it('reads a refusal stop', async () => {
    const fake = scenario('sdk-anthropic-refusal').inject({ fault: { kind: 'refusal' }, times: 1 });
    const message = await client(fake).messages.create({
      model: 'claude-fake',
      max_tokens: 100,
      messages: [user],
    });
    expect(message.stop_reason).toBe('refusal');
  });

  it('streams a message, and a tool_use input in fragments', async () => {
    const fake = scenario('sdk-anthropic-stream').configure({ script: WEATHER_SCRIPT, chunkDelayMs: 2 });
    const texts: string[] = [];
    const stream = client(fake)
      .messages.stream({
        model: 'claude-fake',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Hi there, please stream.' }],
      })
      .on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(1);
    expect(message.content).toEqual([{ type: 'text', text: fakeReply('Hi there, please stream.') }]);
    expect(message.usage.output_tokens).toBe(12);

    const tooled = await client(fake)
      .messages.stream({
        model: 'claude-fake',
        max_tokens: 100,
        messages: [user],
        tools: [{ name: 'get_weather', input_schema: WEATHER_PARAMETERS as Anthropic.Tool.InputSchema }],
      })
      .finalMessage();
    expect(tooled.stop_reason).toBe('tool_use');
    expect(tooled.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: WEATHER_ARGUMENTS,
    });
  });

  it('throws an APIError carrying the status and the Retry-After header', async () => {
    const fake = scenario('sdk-anthropic-529').inject({
      fault: { kind: 'status', status: 529, retryAfterSec: 3 },
      times: 1,
    });
    const error = await rejectionOf(
      client(fake).messages.create({ model: 'claude-fake', max_tokens: 100, messages: [user] }),
    );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(529);
    expect(apiError.headers?.get('retry-after')).toBe('3');
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(fake.stats.received).toBe(1);
  });
});
