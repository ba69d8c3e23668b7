import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { describe, expect, it } from 'vitest';
import {
  countMessageTokens,
  countRequestTokens,
  countResponseFormatTokens,
  countTextTokens,
  countToolTokens,
  IMAGE_TOKENS,
  LOW_DETAIL_IMAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  TOKENS_PER_TOOL,
  TOOLS_FRAMING_TOKENS,
  tokenizerLoaded,
} from '../../src/budget/tokenizer';
import { contentText } from '../../src/llm/content';
import type { ChatMessage, LlmRequest, ResponseFormat, ToolDefinition } from '../../src/llm/request';

// The reference: js-tiktoken's own o200k_base encoder, used directly.
const reference = new Tiktoken(createRequire(__filename)('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
const referenceCount = (text: string) => reference.encode(text, [], []).length;

describe('the encoding', () => {
  it('builds the encoding on the first count, and that count is exact', () => {
    expect(tokenizerLoaded()).toBe(false);
    expect(countTextTokens('hello world')).toBe(2);
    expect(tokenizerLoaded()).toBe(true);
  });
});

describe('countTextTokens', () => {
  it.each([
    ['hello world', 2],
    ['Hello, world!', 4],
    ['The quick brown fox jumps over the lazy dog.', 10],
    ['héllo wörld 你好', 7],
    ['system', 1],
    ['user', 1],
    ['assistant', 1],
    [' ', 1],
    ['', 0],
  ])('counts %j as %i o200k_base tokens', (text, expected) => {
    expect(countTextTokens(text)).toBe(expected);
    expect(referenceCount(text)).toBe(expected);
  });

  it('matches the library on ordinary prose, code and mixed scripts', () => {
    const texts = [
      'Budgets reserve the worst-case cost of each call before it is made.',
      'function retry(attempt: number): number {\n  return Math.min(30_000, 1000 * 2 ** (attempt - 1));\n}\n',
      'Customers in Zürich and São Paulo saw p99 latency rise from 840 ms to 3.2 s (HTTP 503).',
      '我们今天讨论的是分布式系统中的容错机制，以及预算控制。',
      'emoji 👩‍💻 and URLs https://example.com/a/b?c=d&e=f#g',
    ];
    for (const text of texts) expect(countTextTokens(text)).toBe(referenceCount(text));
  });

  it('counts special-token markers in user text as plain text instead of throwing', () => {
    expect(countTextTokens('<|endoftext|>')).toBe(7);
    expect(countTextTokens('a <|endofprompt|> b')).toBeGreaterThan(2);
  });

  it('grows with the text', () => {
    const counts = [1, 2, 4, 8, 16].map((n) => countTextTokens('hello world. '.repeat(n)));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1] ?? 0);
  });

  it('counts long runs of one character class in slices of 32, fast', () => {
    // Exactly: 20,000 letters 'a' are 2,500 tokens; the library alone takes close to a minute.
    const started = performance.now();
    expect(countTextTokens('a'.repeat(20_000))).toBe(2500);
    const spaces = countTextTokens(' '.repeat(20_000));
    const dashes = countTextTokens('-'.repeat(20_000));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(spaces).toBe(625);
    expect(dashes).toBe(625);
    // A run just above the slice length: exact count is 1 token for 40 spaces, sliced 32 + 8 gives 2.
    expect(countTextTokens(' '.repeat(40))).toBeGreaterThanOrEqual(referenceCount(' '.repeat(40)));
  });

  it('slices long runs by code point, keeping surrogate pairs whole', () => {
    const text = '𠀀'.repeat(40);
    expect(countTextTokens(text)).toBe(referenceCount('𠀀'.repeat(32)) + referenceCount('𠀀'.repeat(8)));
  });
});

describe('countMessageTokens', () => {
  it('is 3 for no messages: the reply priming alone', () => {
    expect(REPLY_PRIMING_TOKENS).toBe(3);
    expect(countMessageTokens([])).toBe(3);
  });

  it('adds 3 per message plus its role and content tokens', () => {
    expect(TOKENS_PER_MESSAGE).toBe(3);
    // 3 (priming) + 3 (message) + 1 ('user') + 2 ('hello world')
    expect(countMessageTokens([{ role: 'user', content: 'hello world' }])).toBe(9);
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello, world!' },
      { role: 'assistant', content: 'Hello! How can I help?' },
    ];
    const expected =
      3 + messages.reduce((sum, message) => sum + 3 + 1 + referenceCount(contentText(message.content)), 0);
    expect(countMessageTokens(messages)).toBe(expected);
  });

  it('is additive: a conversation counts as the sum of its messages', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer concisely.' },
      { role: 'user', content: 'What opens a circuit breaker?' },
      { role: 'assistant', content: 'Five consecutive counted failures.' },
    ];
    const parts = messages.map((message) => countMessageTokens([message]) - countMessageTokens([]));
    expect(countMessageTokens(messages)).toBe(3 + parts.reduce((a, b) => a + b, 0));
  });

  it('counts an empty content as the framing and the role only', () => {
    expect(countMessageTokens([{ role: 'assistant', content: '' }])).toBe(3 + 3 + 1);
  });

  it('grows with the content', () => {
    const short = countMessageTokens([{ role: 'user', content: 'hi' }]);
    const long = countMessageTokens([{ role: 'user', content: 'hi there, how are you today?' }]);
    expect(long).toBeGreaterThan(short);
  });
});

const weather: ToolDefinition = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' } },
      required: ['city'],
    },
  },
};

/** Tokens one message adds to a request. */
const messageCost = (message: ChatMessage) => countMessageTokens([message]) - countMessageTokens([]);

describe('countMessageTokens: agent messages', () => {
  it('counts an assistant tool call by its name and arguments, each call framed as a message', () => {
    const args = '{"city":"Zürich"}';
    const message: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: args } }],
    };
    const call = TOKENS_PER_MESSAGE + referenceCount('get_weather') + referenceCount(args);
    expect(messageCost(message)).toBe(TOKENS_PER_MESSAGE + 1 + call);
    const twice: ChatMessage = { ...message, tool_calls: [...message.tool_calls!, ...message.tool_calls!] };
    expect(messageCost(twice)).toBe(TOKENS_PER_MESSAGE + 1 + 2 * call);
  });

  it('counts a tool result by its content and tool_call_id', () => {
    const message: ChatMessage = { role: 'tool', content: '{"temp_c":21}', tool_call_id: 'call_1' };
    expect(messageCost(message)).toBe(
      TOKENS_PER_MESSAGE +
        referenceCount('tool') +
        referenceCount('{"temp_c":21}') +
        referenceCount('call_1'),
    );
  });

  it("counts a message's name", () => {
    const named: ChatMessage = { role: 'user', content: 'hi', name: 'alice' };
    expect(messageCost(named) - messageCost({ role: 'user', content: 'hi' })).toBe(
      TOKENS_PER_NAME + referenceCount('alice'),
    );
  });

  it('counts text parts as their text, and images by the rule: 85 at low detail, else 1600', () => {
    const text = 'What is in these pictures?';
    const url = 'https://example.com/a.png';
    const message: ChatMessage = {
      role: 'user',
      content: [
        { type: 'text', text },
        { type: 'image_url', image_url: { url, detail: 'low' } },
        { type: 'image_url', image_url: { url, detail: 'high' } },
        { type: 'image_url', image_url: { url, detail: 'auto' } },
        { type: 'image_url', image_url: { url } },
      ],
    };
    expect(LOW_DETAIL_IMAGE_TOKENS).toBe(85);
    expect(IMAGE_TOKENS).toBe(1600);
    expect(messageCost(message)).toBe(TOKENS_PER_MESSAGE + 1 + referenceCount(text) + 85 + 3 * 1600);
  });

  it('counts an image data URL by the rule, without reading its bytes', () => {
    const dataUrl = `data:image/png;base64,${'QUJD'.repeat(300_000)}`;
    const started = performance.now();
    const tokens = messageCost({
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: dataUrl } }],
    });
    expect(tokens).toBe(TOKENS_PER_MESSAGE + 1 + IMAGE_TOKENS);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('countToolTokens and countResponseFormatTokens', () => {
  it('counts each tool by its name, description and parameters as JSON, framed', () => {
    const one =
      TOKENS_PER_TOOL +
      referenceCount('get_weather') +
      referenceCount('The current weather in a city.') +
      referenceCount(JSON.stringify(weather.function.parameters));
    expect(countToolTokens([weather])).toBe(TOOLS_FRAMING_TOKENS + one);
    const bare: ToolDefinition = { type: 'function', function: { name: 'now' } };
    expect(countToolTokens([weather, bare])).toBe(
      TOOLS_FRAMING_TOKENS + one + TOKENS_PER_TOOL + referenceCount('now'),
    );
    expect(countToolTokens([])).toBe(0);
    expect(countToolTokens(undefined)).toBe(0);
  });

  it('counts a json_schema response format by its name, description and schema as JSON', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const format: ResponseFormat = {
      type: 'json_schema',
      json_schema: { name: 'answer', description: 'One answer.', schema, strict: true },
    };
    expect(countResponseFormatTokens(format)).toBe(
      TOKENS_PER_MESSAGE +
        referenceCount('answer') +
        referenceCount('One answer.') +
        referenceCount(JSON.stringify(schema)),
    );
    expect(countResponseFormatTokens({ type: 'json_object' })).toBe(0);
    expect(countResponseFormatTokens({ type: 'text' })).toBe(0);
    expect(countResponseFormatTokens(undefined)).toBe(0);
  });
});

describe('countRequestTokens', () => {
  it('adds up messages, tools and response schema: a full tool round trip', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Use the tools.' },
      { role: 'user', content: 'Weather in Zürich?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Zürich"}' },
          },
        ],
      },
      { role: 'tool', content: '{"temp_c":21}', tool_call_id: 'call_1' },
    ];
    const format: ResponseFormat = {
      type: 'json_schema',
      json_schema: { name: 'weather', schema: { type: 'object' } },
    };
    const request: Pick<LlmRequest, 'messages' | 'tools' | 'response_format'> = {
      messages,
      tools: [weather],
      response_format: format,
    };
    expect(countRequestTokens(request)).toBe(
      countMessageTokens(messages) + countToolTokens([weather]) + countResponseFormatTokens(format),
    );
    expect(countRequestTokens({ messages })).toBe(countMessageTokens(messages));
    // Additive: each message adds the same, whatever else the request holds.
    const costs = messages.map(messageCost);
    expect(countMessageTokens(messages)).toBe(REPLY_PRIMING_TOKENS + costs.reduce((a, b) => a + b, 0));
  });
});
