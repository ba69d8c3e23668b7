/**
 * `TOOL_GUARDS`: the activities (an agent's tools) guarded like LLM calls, by activity type: a shared
 * breaker, a shared rate limit and a cap on calls per task. Seed 004's defaults; the `toolGuards`
 * option of `BreakwaterPlugin` and `createWorker` takes the same shape.
 */
import { z } from 'zod';
import type { BreakerSettings } from '../breaker/types';
import type { RateLimit } from '../ratelimit/types';
import { configErrorOf } from './config-error';
import { jsonFields, jsonRecord } from './schemas';

/** A tool's shared rate limit, and what a call it refuses does. */
export interface ToolRateLimit {
  rate: RateLimit;
  /** `wait`: the workflow waits BLOCKED (no attempt burnt); `refuse`: the call fails (`ToolRateLimitExceededError`). */
  onLimit: 'wait' | 'refuse';
  /** The least a `wait` lasts (seed 004's cooldown); 0: just until the bucket has room. */
  cooldownMs: number;
}

/** Which thrown errors count against a tool's breaker (by `ApplicationFailure.type`, else the error's name). */
export interface ToolFailureRule {
  /** Only these types count; unset: every error but a non-retryable `ApplicationFailure`. */
  errorTypes?: string[];
  /** These types never count. */
  ignoreErrorTypes: string[];
}

/** How one tool (an activity type) is guarded. */
export interface ToolGuard {
  breaker: BreakerSettings;
  /** How long a call's admission (a probe's too) holds if its worker dies before settling it. */
  leaseMs: number;
  rateLimit?: ToolRateLimit;
  /** The most calls (attempts admitted) one task (workflow id) may make of this tool. */
  maxCallsPerTask?: number;
  failures: ToolFailureRule;
}

/** Guarded tools by activity type. */
export type ToolGuards = Record<string, ToolGuard>;

const count = (min: number) =>
  z
    .number({
      error: (issue) => (issue.input === undefined ? 'is required' : `must be an integer >= ${min}`),
    })
    .int(`must be an integer >= ${min}`)
    .min(min, `must be an integer >= ${min}`);

const typeList = z.array(z.string().min(1, 'must not be empty'), 'must be a list of error types');

const breaker = jsonFields(
  {
    mode: z.enum(['consecutive', 'rate'], 'must be consecutive or rate').default('consecutive'),
    failureThreshold: count(1).default(5),
    successThreshold: count(1).default(2),
    resetTimeoutMs: count(1).default(60_000),
    windowMs: count(1).default(300_000),
    failureRate: z.number().min(0.01, 'must be 0.01 to 1').max(1, 'must be 0.01 to 1').default(0.5),
    minimumVolume: count(1).default(10),
    halfOpenProbes: count(1).default(1),
    halfOpenRetryMs: count(10).default(2000),
    probeLeaseMs: count(100).default(60_000),
  },
  '{"mode", "failureThreshold", "successThreshold", "resetTimeoutMs", "windowMs", "failureRate", "minimumVolume", "halfOpenProbes", "halfOpenRetryMs", "probeLeaseMs"}',
);

const rateLimit = jsonFields(
  {
    maxCallsPerMinute: count(1),
    burstSize: count(1).optional(),
    onLimit: z.enum(['wait', 'refuse'], 'must be wait or refuse').default('wait'),
    cooldownMs: count(0).default(0),
  },
  '{"maxCallsPerMinute", "burstSize", "onLimit", "cooldownMs"}',
);

const failures = jsonFields(
  { errorTypes: typeList.optional(), ignoreErrorTypes: typeList.default([]) },
  '{"errorTypes", "ignoreErrorTypes"}',
);

const toolName = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$.-]{0,99}$/, 'is not an activity type (letters, digits, _, $, . or -)');

const toolGuard = jsonFields(
  {
    breaker: breaker.default(() => breaker.parse({})),
    rateLimit: rateLimit.optional(),
    maxCallsPerTask: count(1).optional(),
    failures: failures.default(() => failures.parse({})),
  },
  '{"breaker", "rateLimit", "maxCallsPerTask", "failures"}',
).transform((settings): ToolGuard => ({
  breaker: {
    mode: settings.breaker.mode,
    failureThreshold: settings.breaker.failureThreshold,
    resetMs: settings.breaker.resetTimeoutMs,
    halfOpenProbes: settings.breaker.halfOpenProbes,
    halfOpenProbability: 1,
    successThreshold: settings.breaker.successThreshold,
    halfOpenRetryMs: settings.breaker.halfOpenRetryMs,
    windowMs: settings.breaker.windowMs,
    failureRate: settings.breaker.failureRate,
    minimumVolume: settings.breaker.minimumVolume,
    minDistinctWorkers: 1,
    slowCallRate: 0,
  },
  leaseMs: settings.breaker.probeLeaseMs,
  ...(settings.rateLimit
    ? {
        rateLimit: {
          rate: {
            rpm: settings.rateLimit.maxCallsPerMinute,
            tpm: 0,
            burst: settings.rateLimit.burstSize ?? 1,
            tokenBurst: 1,
          },
          onLimit: settings.rateLimit.onLimit,
          cooldownMs: settings.rateLimit.cooldownMs,
        },
      }
    : {}),
  ...(settings.maxCallsPerTask !== undefined ? { maxCallsPerTask: settings.maxCallsPerTask } : {}),
  failures: {
    ...(settings.failures.errorTypes ? { errorTypes: settings.failures.errorTypes } : {}),
    ignoreErrorTypes: settings.failures.ignoreErrorTypes,
  },
}));

/** The settings of one tool as written in `TOOL_GUARDS` (or the `toolGuards` option): every field optional. */
export type ToolGuardInput = z.input<typeof toolGuard>;

const toolGuardRecord = z.record(toolName, toolGuard);

/** `{"<activity type>": {"breaker": {…}, "rateLimit": {…}, "maxCallsPerTask": n, "failures": {…}}}`. */
export const toolGuardsSchema = jsonRecord(
  toolName,
  toolGuard,
  'must be a JSON object of tool settings by activity type',
  'JSON object of `{"breaker", "rateLimit", "maxCallsPerTask", "failures"}` by activity type',
);

/**
 * The `toolGuards` option read like `TOOL_GUARDS`.
 *
 * @throws ConfigError `toolGuards: key '<tool>' field '<field>' …` naming what is wrong
 */
export function parseToolGuards(input: Record<string, ToolGuardInput>): ToolGuards {
  const result = toolGuardRecord.safeParse(input, { reportInput: true });
  if (!result.success) throw configErrorOf('toolGuards', result.error);
  return result.data;
}
