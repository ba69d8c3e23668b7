/** `RATE_LIMIT_OPERATIONS`: shared rate limits of operations (an agent's tools), by operation name. */
import { z } from 'zod';
import type { RateLimit } from '../ratelimit/types';
import { jsonFields, jsonRecord } from './schemas';

/** A token bucket's capacity when none is configured: ten seconds' worth of its tokens per minute. */
const TPM_PER_TOKEN_BURST = 6;

/** The token bucket's capacity when none is configured, for `tpm` tokens per minute. */
export function defaultTokenBurst(tpm: number): number {
  return Math.max(1, Math.ceil(tpm / TPM_PER_TOKEN_BURST));
}

/** `defaultTokenBurst` in words, for the docs. */
export const DEFAULT_TOKEN_BURST_IN_WORDS = `TPM / ${TPM_PER_TOKEN_BURST}, at least 1`;

const count = (min: number) =>
  z.number().int(`must be an integer >= ${min}`).min(min, `must be an integer >= ${min}`);

const operationName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'is not an operation name (letters, digits, ., _, : or -)');

const operationLimit = jsonFields(
  {
    rpm: count(0).default(0),
    tpm: count(0).default(0),
    burst: count(1).default(1),
    tokenBurst: count(1).optional(),
  },
  '{"rpm", "tpm", "burst", "tokenBurst"}',
).transform(({ rpm, tpm, burst, tokenBurst }): RateLimit => ({
  rpm,
  tpm,
  burst,
  tokenBurst: tokenBurst ?? defaultTokenBurst(tpm),
}));

/** `{"<operation>": {"rpm": n, "tpm": n, "burst": n, "tokenBurst": n}}`; a missing field takes its default. */
export const operationRateLimits = jsonRecord(
  operationName,
  operationLimit,
  'must be a JSON object of {"rpm", "tpm", "burst", "tokenBurst"} by operation',
  'JSON object of `{"rpm", "tpm", "burst", "tokenBurst"}` by operation name',
);
