import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { PriceBook } from '../../src/budget/pricing';
import { modelPrices } from '../../src/config/model-prices';
import { ConfigError, parseVariable } from '../../src/config';

/** Reads `json` as the value of `variable`, with the MODEL_PRICES schema. */
const parseModelPrices = (json: string, variable: string) =>
  parseVariable(variable, { schema: modelPrices }, json);

const IDS = { openai: 'openai', anthropic: 'anthropic', google: 'google', deepseek: 'deepseek' };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** What genai-prices itself charges, in micro-dollars (a float). */
function packageMicros(
  model: string,
  providerId: string,
  input: number,
  output: number,
  at?: Date,
  cache: { read?: number; write?: number } = {},
): number {
  const usage = {
    input_tokens: input,
    output_tokens: output,
    ...(cache.read !== undefined ? { cache_read_tokens: cache.read } : {}),
    ...(cache.write !== undefined ? { cache_write_tokens: cache.write } : {}),
  };
  const result = calcPrice(usage, model, { providerId, ...(at ? { timestamp: at } : {}) });
  if (result === null) throw new Error(`genai-prices does not know ${providerId}/${model}`);
  return result.total_price * 1e6;
}

describe('MODEL_PRICES (modelPrices schema)', () => {
  it('parses provider/model and bare model keys, USD per million tokens', () => {
    const prices = parseModelPrices(
      '{"fake/fake-model":{"input":0.5,"output":1.5},"gpt-4o-mini":{"input":0.15,"output":0.6},"free":{"input":0,"output":0}}',
      'MODEL_PRICES',
    );
    expect(prices).toEqual({
      'fake/fake-model': { inputPerMTokUsd: 0.5, outputPerMTokUsd: 1.5 },
      'gpt-4o-mini': { inputPerMTokUsd: 0.15, outputPerMTokUsd: 0.6 },
      free: { inputPerMTokUsd: 0, outputPerMTokUsd: 0 },
    });
  });

  it('accepts an empty object', () => {
    expect(parseModelPrices('{}', 'MODEL_PRICES')).toEqual({});
  });

  it('parses the optional prices of cached input', () => {
    const prices = parseModelPrices(
      '{"a":{"input":3,"output":15,"cached_input":0.3,"cache_write":3.75},"b":{"input":1,"output":2,"cached_input":0.5}}',
      'MODEL_PRICES',
    );
    expect(prices).toEqual({
      a: { inputPerMTokUsd: 3, outputPerMTokUsd: 15, cachedInputPerMTokUsd: 0.3, cacheWritePerMTokUsd: 3.75 },
      b: { inputPerMTokUsd: 1, outputPerMTokUsd: 2, cachedInputPerMTokUsd: 0.5 },
    });
  });

  it('keeps a __proto__ key as an ordinary key', () => {
    const prices = parseModelPrices('{"__proto__":{"input":1,"output":2}}', 'MODEL_PRICES');
    expect(Object.keys(prices)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(prices)).toBe(Object.prototype);
  });

  it('names the variable on bad JSON', () => {
    const error = configError(() => parseModelPrices('{"gpt-4o-mini":', 'MODEL_PRICES'));
    expect(error.variable).toBe('MODEL_PRICES');
    expect(error.message).toMatch(/^MODEL_PRICES: must be JSON/);
  });

  it.each([
    ['[]', /JSON object/],
    ['null', /JSON object/],
    ['"prices"', /JSON object/],
  ])('refuses %s at the top level', (json, message) => {
    const error = configError(() => parseModelPrices(json, 'PRICES_VAR'));
    expect(error.variable).toBe('PRICES_VAR');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['{"gpt-4o-mini":{"input":-1,"output":0.6}}', "key 'gpt-4o-mini' field 'input'"],
    ['{"gpt-4o-mini":{"input":0.15}}', "key 'gpt-4o-mini' field 'output'"],
    ['{"gpt-4o-mini":{"input":"0.15","output":0.6}}', "key 'gpt-4o-mini' field 'input'"],
    ['{"gpt-4o-mini":{"input":0.15,"output":null}}', "key 'gpt-4o-mini' field 'output'"],
    ['{"gpt-4o-mini":{"input":0.15,"output":1e999}}', "key 'gpt-4o-mini' field 'output'"],
    ['{"gpt-4o":{"input":2.5,"output":10,"cached_input":-1}}', "key 'gpt-4o' field 'cached_input'"],
    ['{"gpt-4o":{"input":2.5,"output":10,"cache_write":"3"}}', "key 'gpt-4o' field 'cache_write'"],
    [
      '{"openai/gpt-4o":{"input":2.5,"output":10,"cached":1.25}}',
      "key 'openai/gpt-4o' has unknown field 'cached'",
    ],
    ['{"openai/gpt-4o":[2.5,10]}', "key 'openai/gpt-4o' must map to"],
    ['{"openai/gpt-4o":2.5}', "key 'openai/gpt-4o' must map to"],
    ['{"":{"input":1,"output":1}}', "key ''"],
    ['{"openai/":{"input":1,"output":1}}', "key 'openai/'"],
    ['{" gpt-4o":{"input":1,"output":1}}', "key ' gpt-4o'"],
  ])('refuses %s, naming the key and field', (json, named) => {
    const error = configError(() => parseModelPrices(json, 'MODEL_PRICES'));
    expect(error.variable).toBe('MODEL_PRICES');
    expect(error.message.startsWith('MODEL_PRICES: ')).toBe(true);
    expect(error.message).toContain(named);
  });
});

describe('PriceBook.price', () => {
  it('knows openai gpt-4o-mini from genai-prices, also by its dated id', () => {
    const book = new PriceBook({}, IDS);
    // No price of its own for cache writes: they cost the input price, as genai-prices charges them.
    const expected = {
      inputPerMTokUsd: 0.15,
      outputPerMTokUsd: 0.6,
      cachedInputPerMTokUsd: 0.075,
      cacheWritePerMTokUsd: 0.15,
      source: 'genai-prices',
    };
    expect(book.price('openai', 'gpt-4o-mini')).toEqual(expected);
    expect(book.price('openai', 'gpt-4o-mini-2024-07-18')).toEqual(expected);
  });

  it('knows anthropic claude-3-5-haiku-latest from genai-prices, also by its dated id', () => {
    const book = new PriceBook({}, IDS);
    const expected = {
      inputPerMTokUsd: 0.8,
      outputPerMTokUsd: 4,
      cachedInputPerMTokUsd: 0.08,
      cacheWritePerMTokUsd: 1,
      source: 'genai-prices',
    };
    expect(book.price('anthropic', 'claude-3-5-haiku-latest')).toEqual(expected);
    expect(book.price('anthropic', 'claude-3-5-haiku-20241022')).toEqual(expected);
  });

  it('looks the package up under the mapped pricing provider id', () => {
    const book = new PriceBook({}, { primary: 'openai', local: 'openai' });
    expect(book.price('primary', 'gpt-4o-mini')?.inputPerMTokUsd).toBe(0.15);
    expect(book.price('local', 'gpt-4o-mini')?.outputPerMTokUsd).toBe(0.6);
  });

  it('is undefined for an unknown model, a model of another provider, or an unmapped provider', () => {
    const book = new PriceBook({}, IDS);
    expect(book.price('openai', 'no-such-model-xyz')).toBeUndefined();
    expect(book.price('anthropic', 'gpt-4o-mini')).toBeUndefined();
    expect(book.price('unmapped', 'gpt-4o-mini')).toBeUndefined();
    expect(new PriceBook({}, { fake: 'no-such-provider' }).price('fake', 'gpt-4o-mini')).toBeUndefined();
  });

  it('prices every model of a provider with a configured `provider/*`, after exact and bare-model keys', () => {
    const book = new PriceBook(
      {
        'local/*': { inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.2 },
        'local/big': { inputPerMTokUsd: 3, outputPerMTokUsd: 4 },
        'shared-model': { inputPerMTokUsd: 5, outputPerMTokUsd: 6 },
      },
      { local: 'openai' },
    );
    expect(book.price('local', 'anything')).toMatchObject({ inputPerMTokUsd: 0.1, source: 'config' });
    expect(book.price('local', 'big')?.inputPerMTokUsd).toBe(3);
    expect(book.price('local', 'shared-model')?.inputPerMTokUsd).toBe(5);
    expect(book.price('other', 'anything')).toBeUndefined();
  });

  it('prefers a configured price to the package price', () => {
    const book = new PriceBook({ 'gpt-4o-mini': { inputPerMTokUsd: 1, outputPerMTokUsd: 2 } }, IDS);
    expect(book.price('openai', 'gpt-4o-mini')).toEqual({
      inputPerMTokUsd: 1,
      outputPerMTokUsd: 2,
      cachedInputPerMTokUsd: 1,
      cacheWritePerMTokUsd: 1,
      source: 'config',
    });
  });

  it('prefers provider/model to a bare model, which applies to any provider', () => {
    const book = new PriceBook(
      {
        'openai/gpt-4o-mini': { inputPerMTokUsd: 3, outputPerMTokUsd: 4 },
        'gpt-4o-mini': { inputPerMTokUsd: 1, outputPerMTokUsd: 2 },
      },
      IDS,
    );
    expect(book.price('openai', 'gpt-4o-mini')?.inputPerMTokUsd).toBe(3);
    expect(book.price('azure', 'gpt-4o-mini')?.inputPerMTokUsd).toBe(1);
  });

  it('applies a provider/model price to that provider only', () => {
    const book = new PriceBook({ 'fake/fake-model': { inputPerMTokUsd: 0.5, outputPerMTokUsd: 1.5 } }, IDS);
    expect(book.price('fake', 'fake-model')).toEqual({
      inputPerMTokUsd: 0.5,
      outputPerMTokUsd: 1.5,
      cachedInputPerMTokUsd: 0.5,
      cacheWritePerMTokUsd: 0.5,
      source: 'config',
    });
    expect(book.price('openai', 'fake-model')).toBeUndefined();
  });

  it('takes the overrides parsed from MODEL_PRICES', () => {
    const overrides = parseModelPrices('{"fake/fake-model":{"input":0.5,"output":1.5}}', 'MODEL_PRICES');
    expect(new PriceBook(overrides, {}).price('fake', 'fake-model')?.outputPerMTokUsd).toBe(1.5);
  });

  it('refuses a configured price that is not a finite number >= 0, naming the key', () => {
    expect(() => new PriceBook({ m: { inputPerMTokUsd: -1, outputPerMTokUsd: 0 } }, {})).toThrow(
      /price 'm': inputPerMTokUsd/,
    );
    expect(() => new PriceBook({ m: { inputPerMTokUsd: 0, outputPerMTokUsd: NaN } }, {})).toThrow(RangeError);
  });

  it('returns a read-only price', () => {
    const price = new PriceBook({}, IDS).price('openai', 'gpt-4o-mini');
    expect(Object.isFrozen(price)).toBe(true);
  });

  it("carries genai-prices' long-context tiers (google gemini-2.5-pro)", () => {
    const price = new PriceBook({}, IDS).price('google', 'gemini-2.5-pro');
    expect(price?.inputPerMTokUsd).toBe(1.25);
    expect(price?.outputPerMTokUsd).toBe(10);
    expect(price?.cachedInputPerMTokUsd).toBe(0.125);
    expect(price?.tiers).toEqual([
      {
        aboveInputTokens: 200_000,
        inputPerMTokUsd: 2.5,
        outputPerMTokUsd: 15,
        cachedInputPerMTokUsd: 0.25,
        cacheWritePerMTokUsd: 2.5,
      },
    ]);
  });

  it('takes the highest price of the next 24 hours for a time-of-day price (deepseek deepseek-chat)', () => {
    const offPeak = new Date('2026-01-10T20:00:00Z');
    const peak = new Date('2026-01-10T03:00:00Z');
    const highestInput = Math.max(
      packageMicros('deepseek-chat', 'deepseek', 1_000_000, 0, offPeak),
      packageMicros('deepseek-chat', 'deepseek', 1_000_000, 0, peak),
    );
    expect(packageMicros('deepseek-chat', 'deepseek', 1_000_000, 0, offPeak)).toBeLessThan(highestInput);
    for (const at of [offPeak, peak]) {
      const book = new PriceBook({}, IDS, { now: () => at.getTime() });
      expect(book.price('deepseek', 'deepseek-chat')?.inputPerMTokUsd).toBeCloseTo(highestInput / 1e6, 9);
    }
  });
});

describe('PriceBook.costMicros', () => {
  const book = new PriceBook(
    {
      'fake/fake-model': { inputPerMTokUsd: 0.5, outputPerMTokUsd: 1.5 },
      noisy: { inputPerMTokUsd: 0.07, outputPerMTokUsd: 0.1 },
    },
    IDS,
  );

  it('is the exact cost in micro-dollars when it is whole', () => {
    // gpt-4o-mini: 0.15 and 0.6 USD per million tokens are 0.15 and 0.6 micro-dollars per token.
    expect(book.costMicros('openai', 'gpt-4o-mini', 1000, 1000)).toBe(750);
    expect(book.costMicros('fake', 'fake-model', 2, 2)).toBe(4);
    expect(book.costMicros('openai', 'gpt-4o-mini', 0, 0)).toBe(0);
  });

  it('rounds up to a whole micro-dollar, without float noise', () => {
    expect(book.costMicros('openai', 'gpt-4o-mini', 1, 0)).toBe(1);
    expect(book.costMicros('openai', 'gpt-4o-mini', 7, 0)).toBe(2);
    expect(book.costMicros('fake', 'fake-model', 1, 1)).toBe(2);
    // 0.07 × 100 is 7.000000000000001 in floating point; the cost is 7.
    expect(book.costMicros('any', 'noisy', 100, 0)).toBe(7);
    expect(book.costMicros('any', 'noisy', 0, 30)).toBe(3);
  });

  it('is an integer and never below what genai-prices charges', () => {
    for (const [input, output] of [
      [1, 1],
      [123, 456],
      [4096, 1024],
      [99_999, 7],
    ] as const) {
      for (const [provider, model] of [
        ['openai', 'gpt-4o-mini'],
        ['anthropic', 'claude-3-5-haiku-latest'],
      ] as const) {
        const micros = book.costMicros(provider, model, input, output);
        const exact = packageMicros(model, IDS[provider], input, output);
        expect(Number.isInteger(micros)).toBe(true);
        expect(micros).toBeGreaterThanOrEqual(exact - 1e-6);
        expect(micros).toBeLessThan(exact + 1);
      }
    }
  });

  it('applies the long-context tier chosen by the input tokens, as genai-prices does', () => {
    for (const [input, output] of [
      [200_000, 1000],
      [200_001, 1000],
      [150_000, 50_000],
      [300_000, 0],
    ] as const) {
      const micros = book.costMicros('google', 'gemini-2.5-pro', input, output) ?? NaN;
      const exact = packageMicros('gemini-2.5-pro', 'google', input, output);
      expect(micros).toBeGreaterThanOrEqual(exact - 1e-6);
      expect(micros).toBeLessThan(exact + 1);
    }
    expect(book.costMicros('google', 'gemini-2.5-pro', 200_000, 0)).toBe(250_000);
    expect(book.costMicros('google', 'gemini-2.5-pro', 200_001, 0)).toBe(500_003);
  });

  it('never decreases as either token count grows', () => {
    for (const [provider, model] of [
      ['openai', 'gpt-4o-mini'],
      ['google', 'gemini-2.5-pro'],
      ['any', 'noisy'],
    ] as const) {
      let previousRow = -1;
      for (let input = 0; input <= 400_000; input += 33_333) {
        let previous = -1;
        for (let output = 0; output <= 9000; output += 1000) {
          const micros = book.costMicros(provider, model, input, output) ?? NaN;
          expect(micros).toBeGreaterThanOrEqual(previous);
          previous = micros;
        }
        const row = book.costMicros(provider, model, input, 0) ?? NaN;
        expect(row).toBeGreaterThanOrEqual(previousRow);
        previousRow = row;
      }
      expect(book.costMicros(provider, model, 200_000, 5)).toBeLessThanOrEqual(
        book.costMicros(provider, model, 200_001, 5) ?? NaN,
      );
    }
  });

  it('is undefined for a model without a price', () => {
    expect(book.costMicros('openai', 'no-such-model-xyz', 10, 10)).toBeUndefined();
    expect(book.costMicros('fake', 'other-model', 10, 10)).toBeUndefined();
  });

  it('refuses token counts that are not non-negative integers, naming them', () => {
    expect(() => book.costMicros('openai', 'gpt-4o-mini', -1, 0)).toThrow(/inputTokens/);
    expect(() => book.costMicros('openai', 'gpt-4o-mini', 1.5, 0)).toThrow(RangeError);
    expect(() => book.costMicros('openai', 'gpt-4o-mini', 0, NaN)).toThrow(/outputTokens/);
  });

  it('answers from its cache: 100,000 package-priced lookups take well under a second', () => {
    const fresh = new PriceBook({}, IDS);
    fresh.costMicros('openai', 'gpt-4o-mini', 1, 1);
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) fresh.costMicros('openai', 'gpt-4o-mini', i, 100);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('looks package prices up again once an hour, with the same result', () => {
    let now = Date.parse('2026-01-10T12:00:00Z');
    const clocked = new PriceBook({}, IDS, { now: () => now });
    const first = clocked.costMicros('openai', 'gpt-4o-mini', 1000, 1000);
    now += 2 * 3_600_000;
    expect(clocked.costMicros('openai', 'gpt-4o-mini', 1000, 1000)).toBe(first);
  });
});

describe('PriceBook.costMicros with cached input', () => {
  const book = new PriceBook(
    {
      'local/plain': { inputPerMTokUsd: 2, outputPerMTokUsd: 8 },
      'local/cached': {
        inputPerMTokUsd: 3,
        outputPerMTokUsd: 15,
        cachedInputPerMTokUsd: 0.3,
        cacheWritePerMTokUsd: 3.75,
      },
    },
    IDS,
  );

  it('charges what genai-prices charges for cache reads and writes (within a micro-dollar, never below)', () => {
    const models = [
      ['openai', 'gpt-4o-mini'],
      ['anthropic', 'claude-3-5-haiku-latest'],
      ['anthropic', 'claude-sonnet-4-5'],
      ['google', 'gemini-2.5-pro'],
    ] as const;
    const usages = [
      { input: 10_000, output: 500, read: 8000, write: 0 },
      { input: 10_000, output: 500, read: 0, write: 6000 },
      { input: 50_000, output: 100, read: 20_000, write: 25_000 },
      { input: 300_000, output: 2000, read: 150_000, write: 100_000 },
    ];
    for (const [provider, model] of models) {
      for (const { input, output, read, write } of usages) {
        const micros = book.costMicros(provider, model, input, output, {
          readTokens: read,
          writeTokens: write,
        });
        const exact = packageMicros(model, IDS[provider], input, output, undefined, { read, write });
        expect(micros, `${model} ${JSON.stringify({ input, read, write })}`).toBeGreaterThanOrEqual(
          exact - 1e-6,
        );
        expect(micros).toBeLessThan(exact + 1);
      }
    }
  });

  it('charges less for cache reads where the price has a cached price', () => {
    const uncached = book.costMicros('openai', 'gpt-4o-mini', 1_000_000, 0) ?? NaN;
    expect(uncached).toBe(150_000);
    expect(book.costMicros('openai', 'gpt-4o-mini', 1_000_000, 0, { readTokens: 1_000_000 })).toBe(75_000);
    expect(book.costMicros('openai', 'gpt-4o-mini', 1_000_000, 0, { readTokens: 400_000 })).toBe(120_000);
  });

  it('charges cache writes at the premium Anthropic bills them', () => {
    // claude-3-5-haiku: 0.8 input, 1 cache write, 0.08 cache read per million.
    expect(
      book.costMicros('anthropic', 'claude-3-5-haiku-latest', 1_000_000, 0, { writeTokens: 1_000_000 }),
    ).toBe(1_000_000);
    expect(
      book.costMicros('anthropic', 'claude-3-5-haiku-latest', 1_000_000, 0, {
        readTokens: 500_000,
        writeTokens: 500_000,
      }),
    ).toBe(540_000);
  });

  it('charges a configured price without cached prices the full input price for cached input', () => {
    const full = book.costMicros('local', 'plain', 10_000, 1000);
    expect(full).toBe(28_000);
    expect(book.costMicros('local', 'plain', 10_000, 1000, { readTokens: 9000, writeTokens: 1000 })).toBe(
      full,
    );
  });

  it('charges a configured price with cached prices at them', () => {
    // 2000 uncached × 3 + 5000 read × 0.3 + 3000 written × 3.75 + 100 output × 15 micro-dollars per token.
    expect(book.costMicros('local', 'cached', 10_000, 100, { readTokens: 5000, writeTokens: 3000 })).toBe(
      6000 + 1500 + 11_250 + 1500,
    );
    // Fractions round up once, to the micro-dollar.
    expect(book.costMicros('local', 'cached', 1, 0, { readTokens: 1 })).toBe(1);
  });

  it('chooses the long-context tier by all input tokens, cached ones included', () => {
    const below = book.costMicros('google', 'gemini-2.5-pro', 200_000, 0, { readTokens: 100_000 });
    const above = book.costMicros('google', 'gemini-2.5-pro', 200_001, 0, { readTokens: 100_000 });
    expect(below).toBe(100_000 * 1.25 + 100_000 * 0.125);
    expect(above).toBe(Math.ceil(100_001 * 2.5 + 100_000 * 0.25));
  });

  it('reads cache counts above the input as counted apart from it, so nothing is under-charged', () => {
    // 1000 input (uncached) plus 2000 read, as Anthropic reports its usage.
    expect(book.costMicros('local', 'cached', 1000, 0, { readTokens: 2000 })).toBe(3000 + 600);
  });

  it('refuses cache counts that are not non-negative integers, naming them', () => {
    expect(() => book.costMicros('local', 'cached', 10, 0, { readTokens: -1 })).toThrow(/cache.readTokens/);
    expect(() => book.costMicros('local', 'cached', 10, 0, { writeTokens: 0.5 })).toThrow(
      /cache.writeTokens/,
    );
  });
});
