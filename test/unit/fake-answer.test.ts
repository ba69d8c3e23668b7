import { describe, expect, it } from 'vitest';
import { answerFor, COMPLETION_TOKENS, fakeReply, REFUSAL_TEXT } from '../../src/testing/fake-answer';
import { sampleOf } from '../../src/testing/fake-json-schema';
import { validateSettings, type ScenarioSettings } from '../../src/testing/fake-script';
import { readCall, type FakeCall } from '../../src/testing/fake-wire';
import { WEATHER_ANSWER, WEATHER_ARGUMENTS, WEATHER_SCRIPT, WEATHER_TOOL } from '../support/weather-tool';

function openAiCall(extra: Record<string, unknown> = {}): FakeCall {
  return readCall('openai', {
    model: 'm',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    ...extra,
  });
}

describe('readCall', () => {
  it('reads an OpenAI request: tools, tool results, the last user text and the bound', () => {
    const call = readCall('openai', {
      model: 'm',
      max_completion_tokens: 5,
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather' },
            { type: 'text', text: 'in Paris?' },
          ],
        },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c' }] },
        { role: 'tool', tool_call_id: 'c', content: 'sunny' },
      ],
    });
    expect(call).toMatchObject({
      model: 'm',
      messages: 4,
      lastUserMessage: 'Weather\nin Paris?',
      maxTokens: 5,
      tools: ['get_weather'],
      toolResults: 1,
    });
  });

  it('reads an Anthropic request: system, tool_result blocks, tools by name', () => {
    const call = readCall('anthropic', {
      model: 'm',
      max_tokens: 100,
      system: 'be brief',
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't', content: 'sunny' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
    });
    expect(call).toMatchObject({
      lastUserMessage: 'Thanks',
      tools: ['get_weather'],
      toolResults: 1,
      maxTokens: 100,
    });
  });

  it('counts a token per four characters and three per message, as before', () => {
    expect(openAiCall({ messages: [{ role: 'user', content: 'hello world!' }] }).promptTokens).toBe(6);
  });
});

describe('answerFor', () => {
  const scripted: ScenarioSettings = { script: WEATHER_SCRIPT };

  it('answers the digest of the last user message by default', () => {
    expect(answerFor(openAiCall(), {})).toEqual({
      text: fakeReply('Weather in Paris?'),
      toolCalls: [],
      finish: 'stop',
      usage: { prompt: expect.any(Number), completion: COMPLETION_TOKENS },
    });
  });

  it('calls the scripted tool when it is offered and no result is in yet', () => {
    const answer = answerFor(openAiCall({ tools: [WEATHER_TOOL] }), scripted);
    expect(answer).toMatchObject({
      text: null,
      finish: 'tool_calls',
      toolCalls: [{ id: 'fake_0_0', name: 'get_weather', arguments: WEATHER_ARGUMENTS }],
    });
  });

  it('answers in text once the tool result is in', () => {
    const call = openAiCall({
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake_0_0' }] },
        { role: 'tool', tool_call_id: 'call_fake_0_0', content: '{"sky":"clear"}' },
      ],
    });
    expect(answerFor(call, scripted)).toMatchObject({
      text: WEATHER_ANSWER,
      finish: 'stop',
      toolCalls: [],
    });
  });

  it('gives the default answer when the scripted tool is not offered', () => {
    expect(answerFor(openAiCall(), scripted).text).toBe(fakeReply('Weather in Paris?'));
  });

  it('answers JSON that conforms to a json_schema response format, and JSON for json_object', () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, celsius: { type: 'integer', minimum: -50 } },
      required: ['city', 'celsius'],
      additionalProperties: false,
    };
    const answer = answerFor(
      openAiCall({
        response_format: { type: 'json_schema', json_schema: { name: 'w', schema, strict: true } },
      }),
      {},
    );
    expect(JSON.parse(answer.text!)).toEqual({ city: 'sample', celsius: -50 });
    const json = answerFor(openAiCall({ response_format: { type: 'json_object' } }), {});
    expect(JSON.parse(json.text!)).toEqual({ reply: fakeReply('Weather in Paris?') });
  });

  it('reports cached and cache-written prompt tokens, capped at the prompt', () => {
    const call = openAiCall();
    expect(answerFor(call, { cachedPromptTokens: 3, cacheWritePromptTokens: 2 }).usage).toEqual({
      prompt: call.promptTokens,
      completion: COMPLETION_TOKENS,
      cacheRead: 3,
      cacheWrite: 2,
    });
    expect(answerFor(call, { cachedPromptTokens: 10_000 }).usage.cacheRead).toBe(call.promptTokens);
  });

  it('stops for the content filter or refuses, whatever the script says', () => {
    const call = openAiCall({ tools: [WEATHER_TOOL] });
    expect(answerFor(call, scripted, { kind: 'content_filter' })).toMatchObject({
      text: null,
      toolCalls: [],
      finish: 'content_filter',
    });
    expect(answerFor(call, scripted, { kind: 'refusal' })).toMatchObject({
      text: null,
      finish: 'refusal',
      refusal: REFUSAL_TEXT,
    });
  });
});

describe('validateSettings', () => {
  it('accepts a script and cached tokens', () => {
    const settings = { script: WEATHER_SCRIPT, cachedPromptTokens: 4, cacheWritePromptTokens: 0 };
    expect(validateSettings(settings)).toBe(settings);
  });

  it.each<[string, unknown, string]>([
    ['settings that are not an object', [], 'settings:'],
    ['a script that is not a list', { script: {} }, 'script:'],
    ['a step with neither tools nor text', { script: [{ toolResults: 0 }] }, 'script[0]:'],
    [
      'a step with both',
      { script: [{ text: 'x', callTools: [{ name: 'f', arguments: {} }] }] },
      'script[0]:',
    ],
    ['a negative tool-result count', { script: [{ toolResults: -1, text: 'x' }] }, 'script[0].toolResults:'],
    ['text that is not a string', { script: [{ text: 5 }] }, 'script[0].text:'],
    ['an empty tool list', { script: [{ text: 'x' }, { callTools: [] }] }, 'script[1].callTools:'],
    [
      'a tool without a name',
      { script: [{ callTools: [{ arguments: {} }] }] },
      'script[0].callTools[0].name:',
    ],
    [
      'arguments that are not an object',
      { script: [{ callTools: [{ name: 'f', arguments: '{}' }] }] },
      'script[0].callTools[0].arguments:',
    ],
    ['fractional cached tokens', { cachedPromptTokens: 1.5 }, 'cachedPromptTokens:'],
    ['negative cache writes', { cacheWritePromptTokens: -2 }, 'cacheWritePromptTokens:'],
  ])('refuses %s, naming the field', (_, settings, field) => {
    expect(() => validateSettings(settings as ScenarioSettings)).toThrow(RangeError);
    expect(() => validateSettings(settings as ScenarioSettings)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}`)),
      }),
    );
  });
});

describe('sampleOf', () => {
  it.each<[string, unknown, unknown]>([
    ['a string', { type: 'string' }, 'sample'],
    ['a long string', { type: 'string', minLength: 8 }, 'samplexx'],
    ['a short string', { type: 'string', maxLength: 3 }, 'sam'],
    ['a number', { type: 'number' }, 0],
    ['an integer above an exclusive minimum', { type: 'integer', exclusiveMinimum: 2.5 }, 4],
    ['an integer capped by its maximum', { type: 'integer', minimum: 10, maximum: 5 }, 5],
    ['a boolean', { type: 'boolean' }, true],
    ['null', { type: 'null' }, null],
    ['an enum', { type: 'string', enum: ['red', 'green'] }, 'red'],
    ['a const', { const: 42 }, 42],
    ['a nullable type list', { type: ['null', 'integer'] }, 0],
    ['an OpenAPI nullable', { type: 'string', nullable: true }, 'sample'],
    ['anyOf', { anyOf: [{ type: 'boolean' }, { type: 'null' }] }, true],
    ['an array', { type: 'array', items: { type: 'integer' } }, [0]],
    ['an array with minItems', { type: 'array', items: { const: 'x' }, minItems: 3 }, ['x', 'x', 'x']],
    ['an object without a type', { properties: { a: { type: 'boolean' } } }, { a: true }],
    ['no schema', undefined, null],
  ])('generates %s', (_, schema, expected) => {
    expect(sampleOf(schema)).toEqual(expected);
  });

  it('fills nested objects and arrays, and resolves $defs references', () => {
    const schema = {
      type: 'object',
      properties: {
        forecast: { type: 'array', items: { $ref: '#/$defs/day' } },
        unit: { type: 'string', enum: ['C', 'F'] },
      },
      required: ['forecast', 'unit'],
      $defs: {
        day: {
          type: 'object',
          properties: { date: { type: 'string' }, high: { type: 'number', minimum: -10 } },
          required: ['date', 'high'],
        },
      },
    };
    expect(sampleOf(schema)).toEqual({ forecast: [{ date: 'sample', high: -10 }], unit: 'C' });
  });

  it('ends on a recursive schema', () => {
    const schema = {
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
        },
      },
    };
    expect(JSON.stringify(sampleOf(schema)).length).toBeLessThan(200);
  });
});
