/** `MODEL_PRICES`: configured prices of models, USD per million tokens (they take precedence over the bundled ones). */
import { z } from 'zod';
import type { ConfiguredPrice } from '../budget/types';
import { jsonFields, jsonRecord } from './schemas';

const AMOUNT = 'must be a finite number >= 0, USD per million tokens';
const amount = z.number({ error: AMOUNT }).min(0, AMOUNT);

const configuredPrice = jsonFields({ input: amount, output: amount }, '{"input": n, "output": n}').transform(
  ({ input, output }): ConfiguredPrice => ({ inputPerMTokUsd: input, outputPerMTokUsd: output }),
);

/**
 * `MODEL_PRICES`: JSON whose keys are `provider/model` (that provider only) or a bare `model` (any
 * provider), and whose values are `{ "input": n, "output": n }` in USD per million tokens, finite
 * and ≥ 0. For example
 * `{"fake/fake-model":{"input":0.5,"output":1.5},"gpt-4o-mini":{"input":0.15,"output":0.6}}`.
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
  'JSON object of `{"input": n, "output": n}` by `provider/model` or `model`',
);
