/** Streamed provider calls through the real adapters, against the fake provider's server-sent events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmRequest } from '../../src/llm/request';
import type { StreamDelta } from '../../src/llm/stream';
import { AnthropicAdapter } from '../../src/providers/anthropic';
import { OpenAiCompatibleAdapter } from '../../src/providers/openai';
import type { ProviderAdapter } from '../../src/providers/types';
import { FakeProvider, type FakeScenario } from '../../src/testing/fake-provider';
import { callOptions, expectRetryable, rejectionOf, request } from '../support/adapter-calls';
import { uniqueName } from '../support/harness';
import { WEATHER_SCRIPT, WEATHER_TOOL } from '../support/weather-tool';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await new FakeProvider().start();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const DIALECTS = [
  {
    name: 'openai',
    adapter: (fake: FakeScenario) => new OpenAiCompatibleAdapter('fake', fake.openAiBaseUrl),
  },
  {
    name: 'anthropic',
    adapter: (fake: FakeScenario) => new AnthropicAdapter('fake', fake.anthropicBaseUrl, 'k'),
  },
] satisfies Array<{ name: string; adapter: (fake: FakeScenario) => ProviderAdapter }>;

const LONG_PROMPT = 'Tell me, in a few words, what streaming is for.';

/** Calls `adapter` with `request` streamed, collecting the deltas it hands over. */
async function streamed(adapter: ProviderAdapter, request: LlmRequest, timeouts = {}) {
  const deltas: StreamDelta[] = [];
  const options = {
    ...callOptions(),
    stream: { ...timeouts, onDelta: (delta: StreamDelta) => deltas.push(delta) },
  };
  const response = await adapter.chat({ ...request, stream: true }, options);
  return { response, deltas };
}

describe.each(DIALECTS)('$name adapter, streamed', (dialect) => {
  const scenario = (label: string) => fakeProvider.scenario(uniqueName(`${dialect.name}-${label}`));

  it('hands the deltas over in order and returns what the same call answers unstreamed', async () => {
    const fake = scenario('stream-text').configure({ chunkDelayMs: 2 });
    const { response, deltas } = await streamed(dialect.adapter(fake), request(LONG_PROMPT));
    const plain = await dialect.adapter(fake).chat(request(LONG_PROMPT), callOptions());
    expect(response).toEqual(plain);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((delta) => (delta.type === 'text' ? delta.text : '')).join('')).toBe(plain.text);
  });

  it('assembles a streamed tool call', async () => {
    const fake = scenario('stream-tool').configure({ script: WEATHER_SCRIPT });
    const ask = request('What is the weather in Paris?', { tools: [WEATHER_TOOL] });
    const { response, deltas } = await streamed(dialect.adapter(fake), ask);
    expect(response).toEqual(await dialect.adapter(fake).chat(ask, callOptions()));
    expect(response.finishReason).toBe('tool_calls');
    expect(deltas[0]).toMatchObject({ type: 'tool_call', index: 0, name: 'get_weather' });
  });

  it('times out a stream whose first token does not come, retryably', async () => {
    const fake = scenario('stream-stall').inject({ fault: { kind: 'stream_stall' }, times: 1 });
    const error = await rejectionOf(
      streamed(dialect.adapter(fake), request(), { firstTokenTimeoutMs: 200, idleTimeoutMs: 200 }),
    );
    expectRetryable(error, 'first_token_timeout');
  });

  it('never returns a stream cut mid-way: it is a retryable failure', async () => {
    const fake = scenario('stream-cut')
      .configure({ chunkDelayMs: 2 })
      .inject({
        fault: { kind: 'stream_cut', afterEvents: 4 },
        times: 1,
      });
    const deltas: StreamDelta[] = [];
    const options = { ...callOptions(), stream: { onDelta: (delta: StreamDelta) => deltas.push(delta) } };
    const error = await rejectionOf(
      dialect.adapter(fake).chat({ ...request(LONG_PROMPT), stream: true }, options),
    );
    expectRetryable(error, 'connection_reset');
    expect(deltas.length).toBeGreaterThan(0);
    expect(fake.stats.byOutcome).toMatchObject({ stream_cut: 1 });
  });
});
