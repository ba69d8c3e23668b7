/** `MODEL_PRICES`: configured prices of models, USD per million tokens (they take precedence over the bundled ones). */
import { z } from 'zod';
import type { ConfiguredPrice } from '../budget/types';
import { jsonFields, jsonRecord } from './schemas';

const AMOUNT = 'must be a finite number >= 0, USD per million tokens';
const amount = z.number({ error: AMOUNT }).min(0, AMOUNT);

const configuredPrice = jsonFields(
  { input: amount, output: amount, cached_input: amount.optional(), cache_write: amount.optional() },
  '{"input": n, "output": n} (optional "cached_input", "cache_write")',
).transform(({ input, output, cached_input: cachedInput, cache_write: cacheWrite }): ConfiguredPrice => {
  const price: ConfiguredPrice = { inputPerMTokUsd: input, outputPerMTokUsd: output };
  if (cachedInput !== undefined) price.cachedInputPerMTokUsd = cachedInput;
  if (cacheWrite !== undefined) price.cacheWritePerMTokUsd = cacheWrite;
  return price;
});

/**
 * `MODEL_PRICES`: JSON whose keys are `provider/model` (that provider only) or a bare `model` (any
 * provider), and whose values are `{ "input": n, "output": n }` in USD per million tokens, finite
 * and ≥ 0, with optional `cached_input` and `cache_write` prices of input read from and written to
 * the provider's prompt cache (absent: the input price). For example
 * `{"fake/fake-model":{"input":0.5,"output":1.5},"gpt-4o-mini":{"input":0.15,"output":0.6,"cached_input":0.075}}`.
 */
export const modelPrices = jsonRecord(
  z
    .string()
    .refine(
      (key) => key.trim() === key && key !== '' && !key.startsWith('/') && !key.endsWith('/'),
      "must be 'provider/model' or 'model'",
    ),
  configuredPrice,
  `must be a JSON object of {"input": n, "output": n} by 'provider/model' or 'model'`,
  '`{"input": n, "output": n}` (also `cached_input`, `cache_write`) by `provider/model` or `model`',
);
