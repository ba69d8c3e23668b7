/**
 * The provider adapters against the fake provider over real HTTP: every row of the classification
 * table in DESIGN.md for both wire dialects, tool calls, refusals, provider options, and the
 * Anthropic translation as the server received it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isContentPolicyError,
  isNonRetryableInputError,
  isProviderConfigurationError,
  isRateLimitedError,
  isBreakwaterError,
  type ContentPolicyError,
} from '../../src/errors';
import type { LlmRequest } from '../../src/llm/request';
import { AnthropicAdapter } from '../../src/providers/anthropic';
import { OpenAiCompatibleAdapter } from '../../src/providers/openai';
import type { ProviderAdapter } from '../../src/providers/types';
import { fakeReply } from '../../src/testing/fake-answer';
import { FakeProvider, type FakeScenario } from '../../src/testing/fake-provider';
import { freePort } from '../../src/free-port';
import {
  API_KEY,
  callOptions,
  expectClassified,
  expectRetryable,
  PROMPT,
  rejectionOf,
  request,
  startRecorder,
  type Recorded,
} from '../support/adapter-calls';
import { eventually, uniqueName } from '../support/harness';
import { WEATHER_ANSWER, WEATHER_ARGUMENTS, WEATHER_SCRIPT, WEATHER_TOOL } from '../support/weather-tool';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await new FakeProvider().start();
});
afterAll(async () => {
  await fakeProvider.stop();
});

interface Dialect {
  name: 'openai' | 'anthropic';
  adapter(scenario: FakeScenario, apiKey?: string): ProviderAdapter;
  /** The adapter pointed at a plain server root instead of a scenario. */
  adapterAt(root: string, apiKey?: string): ProviderAdapter;
  path: string;
  finishReason: string;
  /** The raw finish reason of a tool-call answer, and the id the fake gives its first tool call. */
  toolFinish: string;
  firstToolCallId: string;
  /** The normalized finish of each fault kind that makes the fake decline to answer. */
  declined: Record<'content_filter' | 'refusal', string>;
  /** The usage the fake reports for PROMPT with 4 prompt tokens cached. */
  cachedUsage: Record<string, number>;
  /** 200 bodies that parse as JSON but break the API's promise. */
  malformed: Array<[string, unknown]>;
}

const USAGE = { prompt_tokens: 1, completion_tokens: 1 };
const ANTHROPIC_USAGE = { input_tokens: 1, output_tokens: 1 };

const DIALECTS: Dialect[] = [
  {
    name: 'openai',
    adapter: (scenario, apiKey = API_KEY) =>
      new OpenAiCompatibleAdapter('fake', scenario.openAiBaseUrl, apiKey),
    adapterAt: (root, apiKey = API_KEY) => new OpenAiCompatibleAdapter('fake', `${root}/v1`, apiKey),
    path: '/v1/chat/completions',
    finishReason: 'stop',
    toolFinish: 'tool_calls',
    firstToolCallId: 'call_fake_0_0',
    declined: { content_filter: 'content_filter', refusal: 'refusal' },
    cachedUsage: { promptTokens: 6, completionTokens: 12, totalTokens: 18, cachedPromptTokens: 4 },
    malformed: [
      ['no choices', { choices: [], usage: USAGE }],
      ['no usage', { choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }],
      [
        'a tool call without id',
        {
          choices: [
            {
              message: {
                content: null,
                tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage: USAGE,
        },
      ],
    ],
  },
  {
    name: 'anthropic',
    adapter: (scenario, apiKey = API_KEY) => new AnthropicAdapter('fake', scenario.anthropicBaseUrl, apiKey),
    adapterAt: (root, apiKey = API_KEY) => new AnthropicAdapter('fake', root, apiKey),
    path: '/v1/messages',
    finishReason: 'end_turn',
    toolFinish: 'tool_use',
    firstToolCallId: 'toolu_fake_0_0',
    declined: { content_filter: 'refusal', refusal: 'refusal' },
    cachedUsage: {
      promptTokens: 6,
      completionTokens: 12,
      totalTokens: 18,
      cachedPromptTokens: 4,
      cacheWritePromptTokens: 0,
    },
    malformed: [
      ['no content', { usage: ANTHROPIC_USAGE }],
      ['no usage', { content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn' }],
      [
        'a tool_use block without name',
        {
          content: [{ type: 'tool_use', id: 't', input: {} }],
          stop_reason: 'tool_use',
          usage: ANTHROPIC_USAGE,
        },
      ],
    ],
  },
];

describe.each(DIALECTS)('$name adapter', (dialect) => {
  const scenario = (label: string) => fakeProvider.scenario(uniqueName(`${dialect.name}-${label}`));

  it('returns text, usage, model and finish reason on success', async () => {
    const fake = scenario('success');
    const response = await dialect.adapter(fake).chat(request(PROMPT, { max_tokens: 5 }), callOptions());
    expect(response).toEqual({
      text: fakeReply(PROMPT),
      // The fake counts ceil(chars / 4) + 3 per message; it answers min(12, max_tokens) tokens.
      usage: { promptTokens: 6, completionTokens: 5, totalTokens: 11 },
      provider: 'fake',
      model: 'fake-model',
      toolCalls: [],
      finishReason: 'stop',
      rawFinishReason: dialect.finishReason,
    });
    expect(fake.stats).toMatchObject({ received: 1, succeeded: 1, aborted: 0 });
  });

  it('sends its API key and protocol headers', async () => {
    const recorder = await startRecorder();
    try {
      await dialect.adapterAt(recorder.root).chat(
        {
          ...request('hi'),
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'user', content: 'hi' },
          ],
        },
        callOptions(),
      );
      await dialect.adapterAt(recorder.root, '').chat(request('no key'), callOptions());
    } finally {
      await recorder.close();
    }
    expect(recorder.requests).toHaveLength(2);
    const [keyed, unkeyed] = recorder.requests as [Recorded, Recorded];
    expect(keyed.method).toBe('POST');
    expect(keyed.url).toBe(dialect.path);
    expect(keyed.headers['content-type']).toBe('application/json');
    if (dialect.name === 'openai') {
      expect(keyed.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(keyed.headers['x-api-key']).toBeUndefined();
      expect(keyed.body).toMatchObject({
        model: 'fake-model',
        stream: false,
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
      });
      expect(unkeyed.headers.authorization).toBeUndefined();
    } else {
      expect(keyed.headers['x-api-key']).toBe(API_KEY);
      expect(keyed.headers['anthropic-version']).toBe('2023-06-01');
      expect(keyed.headers.authorization).toBeUndefined();
      expect(keyed.body).toMatchObject({
        model: 'fake-model',
        system: 'be brief',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      });
      expect(unkeyed.headers['x-api-key']).toBeUndefined();
      expect(unkeyed.headers['anthropic-version']).toBe('2023-06-01');
    }
  });

  it('classifies an injected 503 as retryable http_503', async () => {
    const fake = scenario('503').inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    const error = expectRetryable(
      await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())),
      'http_503',
    );
    expect(error.retryAfterMs).toBeUndefined();
    expect(fake.stats.byOutcome['503']).toBe(1);
  });

  it('classifies a 429 as RateLimitedError with its Retry-After', async () => {
    const fake = scenario('429').inject({
      fault: { kind: 'status', status: 429, retryAfterSec: 7 },
      times: 1,
    });
    const error = expectClassified(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())));
    expect(isRateLimitedError(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(7000);
  });

  it('classifies a 400 as a non-retryable input error', async () => {
    const fake = scenario('400')
      .inject({ fault: { kind: 'status', status: 400 }, times: 1 })
      .inject({ fault: { kind: 'status', status: 400, code: 'context_length_exceeded' }, times: 1 })
      .inject({ fault: { kind: 'status', status: 404, code: 'model_not_found' }, times: 1 });
    const adapter = dialect.adapter(fake);
    const plain = expectClassified(await rejectionOf(adapter.chat(request(), callOptions())));
    expect(isNonRetryableInputError(plain)).toBe(true);
    expect(plain.retryable).toBe(false);
    expect((plain as { field?: string }).field).toBe('request');
    const tooLong = expectClassified(await rejectionOf(adapter.chat(request(), callOptions())));
    expect(isNonRetryableInputError(tooLong)).toBe(true);
    expect((tooLong as { field?: string }).field).toBe('request.messages');
    const noModel = expectClassified(await rejectionOf(adapter.chat(request(), callOptions())));
    expect(isNonRetryableInputError(noModel)).toBe(true);
    expect((noModel as { field?: string }).field).toBe('request.model');
  });

  it('classifies a 401 as a provider configuration error', async () => {
    const fake = scenario('401').inject({ fault: { kind: 'status', status: 401 }, times: 1 });
    const error = expectClassified(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())));
    expect(isProviderConfigurationError(error)).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('classifies a malformed 200 body as retryable malformed_body', async () => {
    const fake = scenario('malformed').inject({ fault: { kind: 'malformed' }, times: 1 });
    expectRetryable(
      await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())),
      'malformed_body',
    );
    expect(fake.stats.byOutcome.malformed).toBe(1);
  });

  it.each(dialect.malformed)(
    'classifies a JSON body with %s as retryable malformed_body',
    async (_, body) => {
      const recorder = await startRecorder(() => body);
      try {
        expectRetryable(
          await rejectionOf(dialect.adapterAt(recorder.root).chat(request(), callOptions())),
          'malformed_body',
        );
      } finally {
        await recorder.close();
      }
    },
  );

  it('answers a tool call as a success with its tool calls, then text once the result is in', async () => {
    const fake = scenario('tools').configure({ script: WEATHER_SCRIPT });
    const adapter = dialect.adapter(fake);
    const ask = request('Weather in Paris?', { tools: [WEATHER_TOOL] });
    const first = await adapter.chat(ask, callOptions());
    expect(first).toMatchObject({
      text: null,
      finishReason: 'tool_calls',
      rawFinishReason: dialect.toolFinish,
      toolCalls: [
        {
          id: dialect.firstToolCallId,
          name: 'get_weather',
          arguments: '{"city":"Paris","unit":"C"}',
          input: WEATHER_ARGUMENTS,
        },
      ],
    });
    const [call] = first.toolCalls;
    const second = await adapter.chat(
      {
        ...ask,
        messages: [
          ...ask.messages,
          {
            role: 'assistant',
            content: first.text,
            tool_calls: [
              { id: call!.id, type: 'function', function: { name: call!.name, arguments: call!.arguments } },
            ],
          },
          { role: 'tool', tool_call_id: call!.id, content: '{"sky":"clear","celsius":18}' },
        ],
      },
      callOptions(),
    );
    expect(second).toMatchObject({ text: WEATHER_ANSWER, toolCalls: [], finishReason: 'stop' });
    expect(fake.stats).toMatchObject({ received: 2, succeeded: 2 });
  });

  it.each(['content_filter', 'refusal'] as const)(
    'throws a non-retryable ContentPolicyError when the fake declines with %s',
    async (kind) => {
      const fake = scenario(kind).inject({ fault: { kind }, times: 1 });
      const error = expectClassified(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions())));
      expect(isContentPolicyError(error), String(error)).toBe(true);
      expect(error.retryable).toBe(false);
      expect((error as ContentPolicyError).finishReason).toBe(dialect.declined[kind]);
      expect(error.message).toBe(`fake declined to answer (${dialect.declined[kind]})`);
      expect(fake.stats.succeeded).toBe(1);
    },
  );

  it('reports cached prompt tokens', async () => {
    const fake = scenario('cached').configure({ cachedPromptTokens: 4 });
    const response = await dialect.adapter(fake).chat(request(), callOptions());
    expect(response.usage).toEqual(dialect.cachedUsage);
  });

  it('passes providerOptions of its kind untouched, and refuses a key Breakwater sets without a call', async () => {
    const fake = scenario('options');
    const adapter = dialect.adapter(fake);
    const other = dialect.name === 'openai' ? 'anthropic' : 'openai';
    const options = { [dialect.name]: { service_tier: 'auto' }, [other]: { top_k: 3 } };
    await adapter.chat(request(PROMPT, { providerOptions: options }), callOptions());
    const sent = fake.requests.at(-1)?.body;
    expect(sent).toMatchObject({ service_tier: 'auto' });
    expect(sent).not.toHaveProperty('top_k');
    const reserved = request(PROMPT, { providerOptions: { [dialect.name]: { messages: [] } } });
    const error = expectClassified(await rejectionOf(adapter.chat(reserved, callOptions())));
    expect(isNonRetryableInputError(error)).toBe(true);
    expect((error as { field?: string }).field).toBe(`request.providerOptions.${dialect.name}.messages`);
    expect(fake.stats.received).toBe(1);
  });

  it('classifies a reset connection as retryable connection_reset', async () => {
    const fake = scenario('reset').inject({ fault: { kind: 'reset' }, times: 1 });
    const adapter = dialect.adapter(fake);
    expectRetryable(await rejectionOf(adapter.chat(request(), callOptions())), 'connection_reset');
    expect(fake.stats.byOutcome.reset).toBe(1);
    // The next call on the same adapter gets a fresh connection and succeeds.
    await expect(adapter.chat(request(), callOptions())).resolves.toMatchObject({ text: fakeReply(PROMPT) });
  });

  it('aborts a call that outlives timeoutMs and classifies it as retryable timeout', async () => {
    const fake = scenario('timeout').inject({ fault: { kind: 'latency', latencyMs: 3000 }, times: 1 });
    const started = Date.now();
    expectRetryable(await rejectionOf(dialect.adapter(fake).chat(request(), callOptions(300))), 'timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(() => (fake.stats.aborted === 1 ? true : undefined), 3000);
    expect(fake.stats.succeeded).toBe(0);
  });

  it("rejects with the caller's abort reason, not a Breakwater error, and drops the connection", async () => {
    const fake = scenario('abort').inject({ fault: { kind: 'hang' }, times: 1 });
    const controller = new AbortController();
    const outcome = rejectionOf(
      dialect.adapter(fake).chat(request(), callOptions(10_000, controller.signal)),
    );
    await eventually(() => (fake.stats.received === 1 ? true : undefined), 3000);
    const reason = new Error('cancelled by the test');
    controller.abort(reason);
    const error = await outcome;
    expect(error).toBe(reason);
    expect(isBreakwaterError(error)).toBe(false);
    await eventually(() => (fake.stats.aborted === 1 ? true : undefined), 3000);
  });

  it('classifies a refused connection as retryable connect_error', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expectRetryable(
      await rejectionOf(dialect.adapterAt(closed).chat(request(), callOptions())),
      'connect_error',
    );
  });
});

describe('OpenAI-compatible adapter, full fidelity', () => {
  it('sends every request field as Chat Completions expects it', async () => {
    const fake = fakeProvider.scenario(uniqueName('openai-fidelity'));
    const fields: Partial<LlmRequest> = {
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      max_completion_tokens: 64,
      temperature: 1.5,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      reasoning_effort: 'low',
      user: 'user-42',
    };
    const messages: LlmRequest['messages'] = [
      { role: 'developer', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
        ],
      },
    ];
    await new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl).chat(
      { ...request(), ...fields, messages },
      callOptions(),
    );
    expect(fake.requests[0]).toEqual({
      dialect: 'openai',
      body: { model: 'fake-model', messages, stream: false, ...fields },
    });
  });

  it('answers a json_schema response format with JSON that conforms to it', async () => {
    const fake = fakeProvider.scenario(uniqueName('openai-json'));
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        days: { type: 'array', items: { type: 'integer', minimum: 1 } },
      },
      required: ['city', 'days'],
      additionalProperties: false,
    };
    const response = await new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl).chat(
      request(PROMPT, {
        response_format: { type: 'json_schema', json_schema: { name: 'plan', schema, strict: true } },
      }),
      callOptions(),
    );
    expect(JSON.parse(response.text!)).toEqual({ city: 'sample', days: [1] });
  });
});

describe('Anthropic adapter, translation as the server received it', () => {
  const anthropic = (fake: FakeScenario) => new AnthropicAdapter('fake', fake.anthropicBaseUrl, API_KEY);
  const PNG =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

  it('sends system, tools, tool_choice, the tool_use / tool_result round trip and images', async () => {
    const fake = fakeProvider
      .scenario(uniqueName('anthropic-translation'))
      .configure({ script: WEATHER_SCRIPT });
    const adapter = anthropic(fake);
    const ask: LlmRequest = {
      ...request(),
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather where this photo was taken?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
      parallel_tool_calls: false,
    };
    const first = await adapter.chat(ask, callOptions());
    const [call] = first.toolCalls;
    const answer = await adapter.chat(
      {
        ...ask,
        tool_choice: 'auto',
        messages: [
          ...ask.messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: call!.id, type: 'function', function: { name: call!.name, arguments: call!.arguments } },
            ],
          },
          { role: 'tool', tool_call_id: call!.id, content: 'sunny, 18°C' },
          { role: 'user', content: 'Thanks!' },
        ],
      },
      callOptions(),
    );
    expect(answer.text).toBe(WEATHER_ANSWER);
    const [sentFirst, sentSecond] = fake.requests.map((received) => received.body) as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    expect(sentFirst).toEqual({
      model: 'fake-model',
      max_tokens: 1024,
      system: 'be brief',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather where this photo was taken?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'The weather in a city',
          input_schema: WEATHER_TOOL.function.parameters,
        },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    expect(sentSecond.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect((sentSecond.messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_fake_0_0', name: 'get_weather', input: WEATHER_ARGUMENTS }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_fake_0_0', content: 'sunny, 18°C' },
          { type: 'text', text: 'Thanks!' },
        ],
      },
    ]);
  });

  it.each<[string, Partial<LlmRequest>, string]>([
    ['json_object', { response_format: { type: 'json_object' } }, 'request.response_format'],
    [
      'json_schema',
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } },
      'request.response_format',
    ],
    ['seed', { seed: 1 }, 'request.seed'],
    ['reasoning_effort', { reasoning_effort: 'medium' }, 'request.reasoning_effort'],
  ])('refuses %s before any call, naming %s', async (_, extra, field) => {
    const fake = fakeProvider.scenario(uniqueName('anthropic-refusal'));
    const error = expectClassified(
      await rejectionOf(anthropic(fake).chat(request(PROMPT, extra), callOptions())),
    );
    expect(isNonRetryableInputError(error)).toBe(true);
    expect((error as { field?: string }).field).toBe(field);
    expect(fake.stats.received).toBe(0);
  });
});
