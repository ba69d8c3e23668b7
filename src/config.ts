/**
 * Environment → typed, validated configuration. Every knob has a default; a bad value fails
 * start-up with a `ConfigError` that names the variable.
 */
import type { RetrySettings } from './backoff';
import { ConfigError } from './config-error';
import type { BreakerMode, BreakerSettings } from './breaker/types';
import { parseModelPrices } from './budget/pricing';
import type { DlqSettings } from './dlq/dlq-store';
import type { BudgetCeilings } from './budget/types';
import type { RateLimit } from './ratelimit/types';
import type { TaskPolicy } from './task';

export { ConfigError };

export type ProviderKind = 'openai' | 'anthropic';

/** One configured LLM provider. */
export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey?: string;
  /** Anthropic's `anthropic-version` header. */
  apiVersion?: string;
  /** Its shared rate limit (requests and tokens per minute, with bursts). */
  rateLimit: RateLimit;
  /** The provider id prices are looked up under (`openai`, `anthropic`, …). */
  pricingProvider: string;
}

export interface BudgetSettings {
  /** Reserve and settle every call against the budgets (default true). Off: no price is needed either. */
  enabled: boolean;
  /** Default ceilings; `breakwater budget set` overrides them in Redis. */
  ceilings: BudgetCeilings;
  /** How long a call waits (BLOCKED) when only reservations in flight are in the way. */
  busyRetryMs: number;
  /** How long a run's and a turn's budgets live after their last charge. */
  ttlMs: number;
  /** Configured prices, USD per million tokens, by `provider/model` or `model`. */
  modelPrices: ReturnType<typeof parseModelPrices>;
}

export interface RateLimitSettings {
  /** When a provider's rate limit has no room: `wait` (BLOCKED, no attempt burnt) or `refuse` (FAILED). */
  mode: 'wait' | 'refuse';
  /** The most provider calls one task may make, across retries, fallbacks and replays. */
  callsPerTask: number;
  /** Operations (an agent's tools) with a shared rate limit of their own, by name. */
  operations: Record<string, RateLimit>;
}

export interface BreakwaterConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number };
  guard: {
    /** Admit calls when Redis is unreachable (default false: fail closed). */
    failOpen: boolean;
    /** How long a task waits `BLOCKED` before it tries Redis again. */
    unavailableRetryMs: number;
  };
  providers: ProviderConfig[];
  breaker: BreakerSettings;
  budget: BudgetSettings;
  rateLimit: RateLimitSettings;
  dlq: DlqSettings;
  /** Defaults for every task; a submit may override the deadline. */
  policy: TaskPolicy;
  taskDeadlineMs: number;
  worker: {
    maxConcurrentActivities: number;
    /** Temporal's own cap on activities per second for the whole task queue (0 = none). */
    maxTaskQueueActivitiesPerSecond: number;
    shutdownGraceMs: number;
    /** Port of `/metrics` and `/health`; 0 picks a free port; -1 turns the server off. */
    httpPort: number;
    httpHost: string;
  };
  log: { level: LogLevel };
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;

/** A documented environment variable: the README's config table is checked against this list. */
export interface VariableDoc {
  name: string;
  default: string;
  description: string;
}

export const CONFIG_VARIABLES: readonly VariableDoc[] = [
  { name: 'TEMPORAL_ADDRESS', default: 'localhost:7233', description: 'Temporal frontend, host:port' },
  { name: 'TEMPORAL_NAMESPACE', default: 'default', description: 'Temporal namespace' },
  { name: 'TEMPORAL_TASK_QUEUE', default: 'breakwater', description: 'Task queue of the LLM tasks' },
  {
    name: 'REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    description: 'Shared guard state (redis:// or rediss://)',
  },
  { name: 'REDIS_KEY_PREFIX', default: 'bw', description: 'Prefix of every Redis key' },
  { name: 'REDIS_COMMAND_TIMEOUT_MS', default: '1000', description: 'Per-command timeout against Redis' },
  { name: 'GUARD_FAIL_OPEN', default: 'false', description: 'Admit calls when Redis is unreachable' },
  {
    name: 'GUARD_UNAVAILABLE_RETRY_MS',
    default: '5000',
    description: 'Wait (BLOCKED) before retrying an unreachable Redis',
  },
  {
    name: 'LLM_PROVIDERS',
    default: 'openai,anthropic',
    description: 'Provider names; each reads LLM_<NAME>_KIND, _BASE_URL, _API_KEY',
  },
  { name: 'OPENAI_API_KEY', default: '(none)', description: 'Key of the `openai` provider' },
  { name: 'ANTHROPIC_API_KEY', default: '(none)', description: 'Key of the `anthropic` provider' },
  {
    name: 'BREAKER_MODE',
    default: 'consecutive',
    description: 'consecutive failures, or a failure rate over a window',
  },
  { name: 'BREAKER_FAILS', default: '5', description: 'Consecutive counted failures that open a breaker' },
  { name: 'BREAKER_RESET_SEC', default: '60', description: 'Time OPEN before a breaker may half-open' },
  {
    name: 'BREAKER_HALF_OPEN_PROBES',
    default: '1',
    description: 'Probes at once while HALF_OPEN, cluster-wide',
  },
  {
    name: 'BREAKER_HALF_OPEN_PROB',
    default: '1',
    description: 'Chance a free probe slot admits a call (0-1)',
  },
  { name: 'BREAKER_SUCCESS_THRESHOLD', default: '2', description: 'Probe successes that close a breaker' },
  {
    name: 'BREAKER_HALF_OPEN_RETRY_MS',
    default: '2000',
    description: 'Wait of a call refused while probes run',
  },
  { name: 'BREAKER_WINDOW_SEC', default: '60', description: 'Rate mode: sliding window' },
  { name: 'BREAKER_FAILURE_RATE', default: '0.5', description: 'Rate mode: failure share that opens' },
  {
    name: 'BREAKER_MIN_VOLUME',
    default: '10',
    description: 'Rate mode: calls in the window before the rate counts',
  },
  {
    name: 'BREAKER_MIN_WORKERS',
    default: '1',
    description: 'Distinct workers whose failures are needed to open',
  },
  {
    name: 'BUDGET_ENABLED',
    default: 'true',
    description: 'Reserve and settle every call against the budgets',
  },
  { name: 'BUDGET_RUN_USD', default: '5', description: 'Ceiling of one run (runId), USD; 0 = none' },
  {
    name: 'BUDGET_OPERATION_USD',
    default: '1',
    description: 'Most one call of an operation may cost, USD; 0 = none',
  },
  { name: 'BUDGET_DAILY_USD', default: '0', description: 'Cluster-wide cap per UTC day, USD; 0 = none' },
  { name: 'TOKENS_PER_TURN', default: '4000', description: 'Tokens per turn (runId + turn); 0 = none' },
  { name: 'TOOL_CALLS_PER_TURN', default: '6', description: 'LLM calls per turn; 0 = none' },
  {
    name: 'BUDGET_BUSY_RETRY_MS',
    default: '1000',
    description: 'Wait while reservations in flight hold a scope',
  },
  {
    name: 'BUDGET_TTL_SEC',
    default: '604800',
    description: 'Life of a run and turn budget after its last charge',
  },
  {
    name: 'MODEL_PRICES',
    default: '{}',
    description: 'JSON prices, USD per million tokens, by provider/model or model',
  },
  { name: 'RATE_LIMIT_RPM', default: '60', description: 'Requests per minute per provider; 0 = none' },
  { name: 'RATE_LIMIT_BURST', default: '5', description: 'Requests at once above the steady rate' },
  { name: 'RATE_LIMIT_TPM', default: '0', description: 'Tokens per minute per provider; 0 = none' },
  { name: 'RATE_LIMIT_TOKEN_BURST', default: 'TPM / 6', description: 'Tokens at once above the steady rate' },
  { name: 'RATE_LIMIT_MODE', default: 'wait', description: 'wait (BLOCKED) or refuse (FAILED) when limited' },
  { name: 'RATE_LIMIT_CALLS_PER_TASK', default: '10', description: 'Most provider calls one task may make' },
  {
    name: 'RATE_LIMIT_OPERATIONS',
    default: '{}',
    description: 'JSON rate limits per operation (tool): {"search":{"rpm":30,"burst":5,"tpm":0}}',
  },
  {
    name: 'DLQ_MAX_LEN',
    default: '10000',
    description: 'About this many entries kept in ai:dlq and in ai:dead',
  },
  { name: 'DLQ_MAX_AGE_SEC', default: '86400', description: 'Age at which ai:dlq entries are trimmed' },
  {
    name: 'DLQ_DEAD_MAX_AGE_SEC',
    default: '604800',
    description: 'Age at which ai:dead entries are trimmed',
  },
  {
    name: 'DLQ_MAX_REPLAYS',
    default: '3',
    description: 'Replays a task may have; the next moves it to ai:dead',
  },
  {
    name: 'WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SEC',
    default: '0',
    description: "Temporal's global activity rate cap on the task queue; 0 = none",
  },
  { name: 'RETRY_INITIAL_INTERVAL_MS', default: '1000', description: 'First retry delay' },
  { name: 'RETRY_BACKOFF_COEFFICIENT', default: '2', description: 'Backoff growth per attempt' },
  { name: 'RETRY_MAXIMUM_INTERVAL_MS', default: '30000', description: 'Largest retry delay' },
  { name: 'RETRY_MAXIMUM_ATTEMPTS', default: '4', description: 'Attempts in all (1 + retries)' },
  { name: 'RETRY_AFTER_CAP_MS', default: '300000', description: 'Largest provider Retry-After honoured' },
  { name: 'LLM_CALL_TIMEOUT_MS', default: '60000', description: 'Abort of one provider call' },
  {
    name: 'ACTIVITY_START_TO_CLOSE_MS',
    default: 'call timeout + 10000',
    description: 'Temporal startToCloseTimeout per attempt',
  },
  { name: 'ACTIVITY_HEARTBEAT_TIMEOUT_MS', default: '15000', description: 'Temporal heartbeatTimeout' },
  { name: 'TASK_DEADLINE_MS', default: '900000', description: 'Deadline of a task submitted without one' },
  { name: 'MAX_BLOCKED_MS', default: '600000', description: 'Longest total wait BLOCKED before FAILED' },
  {
    name: 'WORKER_MAX_CONCURRENT_ACTIVITIES',
    default: '100',
    description: 'Concurrent LLM calls per worker',
  },
  { name: 'WORKER_SHUTDOWN_GRACE_MS', default: '30000', description: 'Grace for in-flight calls on SIGTERM' },
  { name: 'HTTP_PORT', default: '9464', description: '/metrics and /health port (0 = any, -1 = off)' },
  { name: 'HTTP_HOST', default: '0.0.0.0', description: 'Interface of the metrics and health server' },
  { name: 'LOG_LEVEL', default: 'info', description: 'trace, debug, info, warn, error or silent' },
];

class EnvReader {
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    return raw.trim();
  }

  optional(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  }

  int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer (got '${raw}')`);
    const value = Number(raw);
    if (value < min || value > max)
      throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new ConfigError(name, `must be a number (got '${raw}')`);
    if (value < min || value > max)
      throw new ConfigError(name, `must be between ${min} and ${max} (got ${value})`);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new ConfigError(name, `must be true or false (got '${raw}')`);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got '${raw}')`);
    }
    return raw as T;
  }

  url(name: string, fallback: string | undefined, protocols: readonly string[]): string {
    const raw = this.optional(name) ?? fallback;
    if (raw === undefined) throw new ConfigError(name, 'is required');
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      // The value is not echoed: a URL may carry credentials (user:password@, ?key=…).
      throw new ConfigError(name, 'must be a URL (value not shown: it may carry credentials)');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')} (got '${parsed.protocol}')`);
    }
    return raw.replace(/\/+$/, '');
  }
}

/** What a provider name may be: lowercase letters, digits, - and _ (it names Redis keys and metric labels). */
export const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const DEFAULT_BASE_URLS: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};
const DEFAULT_KEY_VARIABLES: Record<string, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};

/** A provider's rate limit: `LLM_<NAME>_RPM`, `_TPM`, `_BURST`, `_TOKEN_BURST`, else the RATE_LIMIT_* defaults. */
function readRateLimit(reader: EnvReader, prefix: string): RateLimit {
  const rpm = reader.int(`${prefix}_RPM`, reader.int('RATE_LIMIT_RPM', 60, 0), 0);
  const tpm = reader.int(`${prefix}_TPM`, reader.int('RATE_LIMIT_TPM', 0, 0), 0);
  const burst = reader.int(`${prefix}_BURST`, reader.int('RATE_LIMIT_BURST', 5, 1), 1);
  const tokenBurstDefault = reader.int('RATE_LIMIT_TOKEN_BURST', Math.max(1, Math.ceil(tpm / 6)), 1);
  return { rpm, tpm, burst, tokenBurst: reader.int(`${prefix}_TOKEN_BURST`, tokenBurstDefault, 1) };
}

function readProviders(reader: EnvReader): ProviderConfig[] {
  const names = reader
    .string('LLM_PROVIDERS', 'openai,anthropic')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new ConfigError('LLM_PROVIDERS', 'must name at least one provider');
  return names.map((name) => {
    if (!PROVIDER_NAME.test(name)) {
      throw new ConfigError(
        'LLM_PROVIDERS',
        `'${name}' is not a valid provider name (lowercase letters, digits, - and _)`,
      );
    }
    const prefix = `LLM_${name.toUpperCase().replace(/-/g, '_')}`;
    const kind = reader.oneOf<ProviderKind>(`${prefix}_KIND`, name === 'anthropic' ? 'anthropic' : 'openai', [
      'openai',
      'anthropic',
    ]);
    const baseUrl = reader.url(`${prefix}_BASE_URL`, DEFAULT_BASE_URLS[name], ['http:', 'https:']);
    const keyVariable = DEFAULT_KEY_VARIABLES[name];
    const apiKey =
      reader.optional(`${prefix}_API_KEY`) ?? (keyVariable ? reader.optional(keyVariable) : undefined);
    const provider: ProviderConfig = {
      name,
      kind,
      baseUrl,
      rateLimit: readRateLimit(reader, prefix),
      pricingProvider: reader.string(`${prefix}_PRICING`, kind),
    };
    if (apiKey !== undefined) provider.apiKey = apiKey;
    if (kind === 'anthropic') provider.apiVersion = reader.string(`${prefix}_API_VERSION`, '2023-06-01');
    return provider;
  });
}

function readRetry(reader: EnvReader): RetrySettings {
  const initialIntervalMs = reader.int('RETRY_INITIAL_INTERVAL_MS', 1000, 1);
  const maximumIntervalMs = reader.int('RETRY_MAXIMUM_INTERVAL_MS', 30_000, 1);
  if (maximumIntervalMs < initialIntervalMs) {
    throw new ConfigError(
      'RETRY_MAXIMUM_INTERVAL_MS',
      `must be at least RETRY_INITIAL_INTERVAL_MS (${initialIntervalMs})`,
    );
  }
  return {
    initialIntervalMs,
    backoffCoefficient: reader.number('RETRY_BACKOFF_COEFFICIENT', 2, 1, 100),
    maximumIntervalMs,
    maximumAttempts: reader.int('RETRY_MAXIMUM_ATTEMPTS', 4, 1, 100),
    retryAfterCapMs: reader.int('RETRY_AFTER_CAP_MS', 300_000, 0),
  };
}

function readBreaker(reader: EnvReader): BreakerSettings {
  return {
    mode: reader.oneOf<BreakerMode>('BREAKER_MODE', 'consecutive', ['consecutive', 'rate']),
    failureThreshold: reader.int('BREAKER_FAILS', 5, 1),
    resetMs: Math.round(reader.number('BREAKER_RESET_SEC', 60, 0.01, 86_400) * 1000),
    halfOpenProbes: reader.int('BREAKER_HALF_OPEN_PROBES', 1, 1, 1000),
    halfOpenProbability: reader.number('BREAKER_HALF_OPEN_PROB', 1, 0.001, 1),
    successThreshold: reader.int('BREAKER_SUCCESS_THRESHOLD', 2, 1, 1000),
    halfOpenRetryMs: reader.int('BREAKER_HALF_OPEN_RETRY_MS', 2000, 10),
    windowMs: Math.round(reader.number('BREAKER_WINDOW_SEC', 60, 0.1, 86_400) * 1000),
    failureRate: reader.number('BREAKER_FAILURE_RATE', 0.5, 0.01, 1),
    minimumVolume: reader.int('BREAKER_MIN_VOLUME', 10, 1),
    minDistinctWorkers: reader.int('BREAKER_MIN_WORKERS', 1, 1, 1000),
  };
}

/** `RATE_LIMIT_OPERATIONS`: `{"<operation>": {"rpm": n, "tpm": n, "burst": n, "tokenBurst": n}}`. */
function readOperationRateLimits(json: string): Record<string, RateLimit> {
  const variable = 'RATE_LIMIT_OPERATIONS';
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfigError(
      variable,
      'must be a JSON object of {"rpm", "tpm", "burst", "tokenBurst"} by operation',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      variable,
      'must be a JSON object of {"rpm", "tpm", "burst", "tokenBurst"} by operation',
    );
  }
  const limits: Record<string, RateLimit> = {};
  for (const [operation, value] of Object.entries(parsed)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(operation)) {
      throw new ConfigError(
        variable,
        `'${operation}' is not an operation name (letters, digits, ., _, : or -)`,
      );
    }
    const fields = (value ?? {}) as Record<string, unknown>;
    for (const field of Object.keys(fields)) {
      if (!['rpm', 'tpm', 'burst', 'tokenBurst'].includes(field)) {
        throw new ConfigError(
          variable,
          `'${operation}' has unknown field '${field}' (expected rpm, tpm, burst, tokenBurst)`,
        );
      }
    }
    const count = (field: string, fallback: number, min: number) => {
      const amount = fields[field] ?? fallback;
      if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < min) {
        throw new ConfigError(variable, `'${operation}' field '${field}' must be an integer >= ${min}`);
      }
      return amount;
    };
    const tpm = count('tpm', 0, 0);
    limits[operation] = {
      rpm: count('rpm', 0, 0),
      tpm,
      burst: count('burst', 1, 1),
      tokenBurst: count('tokenBurst', Math.max(1, Math.ceil(tpm / 6)), 1),
    };
  }
  return limits;
}

const usdToMicros = (usd: number) => Math.round(usd * 1_000_000);

function readBudget(reader: EnvReader): BudgetSettings {
  return {
    enabled: reader.bool('BUDGET_ENABLED', true),
    ceilings: {
      runMicros: usdToMicros(reader.number('BUDGET_RUN_USD', 5, 0, 1_000_000)),
      operationMicros: usdToMicros(reader.number('BUDGET_OPERATION_USD', 1, 0, 1_000_000)),
      dailyMicros: usdToMicros(reader.number('BUDGET_DAILY_USD', 0, 0, 100_000_000)),
      turnTokens: reader.int('TOKENS_PER_TURN', 4000, 0),
      turnToolCalls: reader.int('TOOL_CALLS_PER_TURN', 6, 0),
    },
    busyRetryMs: reader.int('BUDGET_BUSY_RETRY_MS', 1000, 10),
    ttlMs: reader.int('BUDGET_TTL_SEC', 604_800, 60) * 1000,
    modelPrices: parseModelPrices(reader.string('MODEL_PRICES', '{}'), 'MODEL_PRICES'),
  };
}

/** Reads and validates the whole configuration from `env` (default: `process.env`). */
export function loadConfig(env: Env = process.env): BreakwaterConfig {
  const reader = new EnvReader(env);
  const callTimeoutMs = reader.int('LLM_CALL_TIMEOUT_MS', 60_000, 100);
  const attemptTimeoutMs = reader.int('ACTIVITY_START_TO_CLOSE_MS', callTimeoutMs + 10_000, 1);
  if (attemptTimeoutMs <= callTimeoutMs) {
    throw new ConfigError('ACTIVITY_START_TO_CLOSE_MS', `must exceed LLM_CALL_TIMEOUT_MS (${callTimeoutMs})`);
  }
  return {
    temporal: {
      address: reader.string('TEMPORAL_ADDRESS', 'localhost:7233'),
      namespace: reader.string('TEMPORAL_NAMESPACE', 'default'),
      taskQueue: reader.string('TEMPORAL_TASK_QUEUE', 'breakwater'),
    },
    redis: {
      url: reader.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
      keyPrefix: reader.string('REDIS_KEY_PREFIX', 'bw'),
      commandTimeoutMs: reader.int('REDIS_COMMAND_TIMEOUT_MS', 1000, 10),
    },
    guard: {
      failOpen: reader.bool('GUARD_FAIL_OPEN', false),
      unavailableRetryMs: reader.int('GUARD_UNAVAILABLE_RETRY_MS', 5000, 10),
    },
    providers: readProviders(reader),
    breaker: readBreaker(reader),
    budget: readBudget(reader),
    rateLimit: {
      mode: reader.oneOf<'wait' | 'refuse'>('RATE_LIMIT_MODE', 'wait', ['wait', 'refuse']),
      callsPerTask: reader.int('RATE_LIMIT_CALLS_PER_TASK', 10, 1),
      operations: readOperationRateLimits(reader.string('RATE_LIMIT_OPERATIONS', '{}')),
    },
    dlq: {
      maxLen: reader.int('DLQ_MAX_LEN', 10_000, 1),
      maxAgeMs: reader.int('DLQ_MAX_AGE_SEC', 86_400, 1) * 1000,
      deadMaxAgeMs: reader.int('DLQ_DEAD_MAX_AGE_SEC', 604_800, 1) * 1000,
      maxReplays: reader.int('DLQ_MAX_REPLAYS', 3, 0),
    },
    policy: {
      retry: readRetry(reader),
      callTimeoutMs,
      attemptTimeoutMs,
      heartbeatTimeoutMs: reader.int('ACTIVITY_HEARTBEAT_TIMEOUT_MS', 15_000, 100),
      maxBlockedMs: reader.int('MAX_BLOCKED_MS', 600_000, 0),
    },
    taskDeadlineMs: reader.int('TASK_DEADLINE_MS', 900_000, 1000),
    worker: {
      maxConcurrentActivities: reader.int('WORKER_MAX_CONCURRENT_ACTIVITIES', 100, 1),
      maxTaskQueueActivitiesPerSecond: reader.number(
        'WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SEC',
        0,
        0,
        1_000_000,
      ),
      shutdownGraceMs: reader.int('WORKER_SHUTDOWN_GRACE_MS', 30_000, 0),
      httpPort: reader.int('HTTP_PORT', 9464, -1, 65535),
      httpHost: reader.string('HTTP_HOST', '0.0.0.0'),
    },
    log: { level: reader.oneOf('LOG_LEVEL', 'info', LOG_LEVELS) },
  };
}
