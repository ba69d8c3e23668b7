/**
 * Environment → typed, validated configuration, read through the configuration tables. A bad value
 * fails start-up with a `ConfigError` that names the variable.
 */
import { readFileSync } from 'node:fs';
import type { EncryptionKey, EncryptionSettings } from '../codec/types';
import { ConfigError } from './config-error';
import { parseEncryptionKeys } from './encryption-keys';
import { defaultTokenBurst } from './operation-rate-limits';
import {
  BUILT_IN_PROVIDERS,
  DEFAULT_PROVIDER_KIND,
  PROVIDER_VARIABLES,
  providerPrefix,
} from './provider-variables';
import { loadTemporalConnection } from './temporal-profile';
import type { BreakwaterConfig, ProviderConfig, RedisTlsFiles } from './types';
import { readVariables, type VariableValues } from './variable-table';
import { ATTEMPT_TIMEOUT_MARGIN_MS, ENV_VARIABLES } from './variables';

type Env = Record<string, string | undefined>;

/** The rows that name the providers and hold their keys; every other row is shared by all callers. */
const { LLM_PROVIDERS, OPENAI_API_KEY, ANTHROPIC_API_KEY, ...SHARED_VARIABLES } = ENV_VARIABLES;
const PROVIDER_LIST_VARIABLES = { LLM_PROVIDERS, OPENAI_API_KEY, ANTHROPIC_API_KEY };

type Values = VariableValues<typeof SHARED_VARIABLES>;
type ProviderListValues = VariableValues<typeof PROVIDER_LIST_VARIABLES>;

/** What `loadConfig` reads besides the shared rows. */
export interface LoadConfigOptions {
  /**
   * Read the providers (`LLM_PROVIDERS`, their `LLM_<NAME>_*` rows and keys). Default true; false
   * for a caller that never calls a provider (the operator CLI): `providers` is then empty and no
   * provider variable is read, so none can be missing or wrong.
   */
  providers?: boolean;
}

/** Reads and validates the configuration from `env` (default: `process.env`). */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): BreakwaterConfig {
  const values = readVariables(SHARED_VARIABLES, env);
  return {
    temporal: { ...loadTemporalConnection(values, env), taskQueue: values.TEMPORAL_TASK_QUEUE },
    redis: readRedis(values),
    guard: { failOpen: values.GUARD_FAIL_OPEN, unavailableRetryMs: values.GUARD_UNAVAILABLE_RETRY_MS },
    resilience: { enabled: values.RESILIENCE_ENABLED },
    degraded: {
      queueLimit: values.DEGRADED_QUEUE_LIMIT,
      readonly: values.DEGRADED_READONLY_ENABLED,
      retryAfterSec: values.DEGRADED_RETRY_AFTER_SEC,
      reconcileMs: values.DEGRADED_RECONCILE_SEC,
    },
    alerts: values.ALERT_WEBHOOK_URL === undefined ? {} : { webhookUrl: values.ALERT_WEBHOOK_URL },
    providers: options.providers === false ? [] : readProviders(values, env),
    breaker: {
      ...slowCallRateOf(values),
      mode: values.BREAKER_MODE,
      failureThreshold: values.BREAKER_FAILS,
      resetMs: values.BREAKER_RESET_SEC,
      halfOpenProbes: values.BREAKER_HALF_OPEN_PROBES,
      halfOpenProbability: values.BREAKER_HALF_OPEN_PROB,
      successThreshold: values.BREAKER_SUCCESS_THRESHOLD,
      halfOpenRetryMs: values.BREAKER_HALF_OPEN_RETRY_MS,
      windowMs: values.BREAKER_WINDOW_SEC,
      failureRate: values.BREAKER_FAILURE_RATE,
      minimumVolume: values.BREAKER_MIN_VOLUME,
      minDistinctWorkers: values.BREAKER_MIN_WORKERS,
    },
    budget: {
      enabled: values.BUDGET_ENABLED,
      ceilings: {
        runMicros: values.BUDGET_RUN_USD,
        operationMicros: values.BUDGET_OPERATION_USD,
        dailyMicros: values.BUDGET_DAILY_USD,
        turnTokens: values.TOKENS_PER_TURN,
        turnToolCalls: values.TOOL_CALLS_PER_TURN,
      },
      busyRetryMs: values.BUDGET_BUSY_RETRY_MS,
      ttlMs: values.BUDGET_TTL_SEC,
      modelPrices: values.MODEL_PRICES,
    },
    rateLimit: {
      mode: values.RATE_LIMIT_MODE,
      callsPerTask: values.RATE_LIMIT_CALLS_PER_TASK,
      operations: values.RATE_LIMIT_OPERATIONS,
    },
    toolGuards: values.TOOL_GUARDS,
    dlq: {
      maxLen: values.DLQ_MAX_LEN,
      maxAgeMs: values.DLQ_MAX_AGE_SEC,
      deadMaxAgeMs: values.DLQ_DEAD_MAX_AGE_SEC,
      maxReplays: values.DLQ_MAX_REPLAYS,
    },
    deltas: { maxLen: values.STREAM_DELTAS_MAX_LEN, ttlMs: values.STREAM_DELTAS_TTL_SEC },
    answers: { ttlMs: values.ANSWER_RECOVERY_TTL_SEC },
    policy: readPolicy(values),
    timeouts: {
      p95Factor: values.LLM_TIMEOUT_P95_FACTOR,
      minMs: values.LLM_TIMEOUT_MIN_MS,
      minSamples: values.LLM_TIMEOUT_MIN_SAMPLES,
      slowCallMs: values.LLM_SLOW_CALL_MS,
    },
    taskDeadlineMs: values.TASK_DEADLINE_MS,
    maxRequestBytes: values.MAX_REQUEST_BYTES,
    worker: {
      maxConcurrentActivities: values.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxTaskQueueActivitiesPerSecond: values.WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SEC,
      maxCachedWorkflows: values.WORKER_MAX_CACHED_WORKFLOWS,
      shutdownGraceMs: values.WORKER_SHUTDOWN_GRACE_MS,
      httpPort: values.HTTP_PORT,
      httpHost: values.HTTP_HOST,
    },
    health: {
      dlqDepthThreshold: values.HEALTH_DLQ_DEPTH,
      dlqGrowthWindowMs: values.HEALTH_DLQ_GROWTH_SEC,
    },
    status: { ledgerWindowMs: values.STATUS_LEDGER_WINDOW_SEC },
    log: { level: values.LOG_LEVEL },
    tracing: {
      serviceName: values.OTEL_SERVICE_NAME,
      ...(values.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
        ? {}
        : { endpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT }),
    },
    production: values.NODE_ENV === 'production',
    encryption: readEncryption(values),
    codecServer: {
      host: values.BREAKWATER_CODEC_SERVER_HOST,
      port: values.BREAKWATER_CODEC_SERVER_PORT,
      corsOrigins: values.BREAKWATER_CODEC_SERVER_CORS_ORIGINS ?? [],
      ...(values.BREAKWATER_CODEC_SERVER_TOKEN === undefined
        ? {}
        : { token: values.BREAKWATER_CODEC_SERVER_TOKEN }),
    },
  };
}

/** The encryption keys (from the variable or the file, not both), the active one and the mode. */
function readEncryption(values: Values): EncryptionSettings {
  const file = values.BREAKWATER_ENCRYPTION_KEY_FILE;
  if (file !== undefined && values.BREAKWATER_ENCRYPTION_KEYS !== undefined) {
    throw new ConfigError(
      'BREAKWATER_ENCRYPTION_KEY_FILE',
      'cannot be used with BREAKWATER_ENCRYPTION_KEYS: set one',
    );
  }
  const keys = file === undefined ? (values.BREAKWATER_ENCRYPTION_KEYS ?? []) : readKeyFile(file);
  const mode = values.BREAKWATER_ENCRYPTION ?? (keys.length > 0 ? 'optional' : 'off');
  if (mode === 'required' && keys.length === 0) {
    throw new ConfigError(
      'BREAKWATER_ENCRYPTION_KEYS',
      'is required with BREAKWATER_ENCRYPTION=required (or BREAKWATER_ENCRYPTION_KEY_FILE)',
    );
  }
  const active = values.BREAKWATER_ENCRYPTION_ACTIVE_KEY;
  if (active !== undefined && !keys.some((key) => key.id === active)) {
    throw new ConfigError('BREAKWATER_ENCRYPTION_ACTIVE_KEY', `names no configured key (got '${active}')`);
  }
  const activeKeyId = active ?? keys.at(-1)?.id;
  return {
    mode,
    keys,
    ...(activeKeyId === undefined ? {} : { activeKeyId }),
    compression: values.BREAKWATER_ENCRYPTION_COMPRESS,
  };
}

function readKeyFile(path: string): EncryptionKey[] {
  const keys = parseEncryptionKeys(readFileSync(path, 'utf8'));
  if (typeof keys === 'string') throw new ConfigError('BREAKWATER_ENCRYPTION_KEY_FILE', keys);
  return keys;
}

/** The configuration of an empty environment: every default. */
export function defaultConfig(): BreakwaterConfig {
  return loadConfig({});
}

/** Where Redis is (one server, a Cluster or a Sentinel-managed primary) and how writes are confirmed. */
function readRedis(values: Values): BreakwaterConfig['redis'] {
  const url = values.REDIS_URL;
  const clusterUrl = typeof url === 'string' ? undefined : url;
  const { REDIS_CLUSTER_NODES: clusterNodes, REDIS_SENTINELS: sentinels } = values;
  const masterName = values.REDIS_SENTINEL_MASTER;
  if (sentinels && (clusterNodes || clusterUrl)) {
    throw new ConfigError(
      'REDIS_SENTINELS',
      `cannot be used with ${clusterNodes ? 'REDIS_CLUSTER_NODES' : 'a redis+cluster:// REDIS_URL'}: Redis is either a Cluster or Sentinel-managed`,
    );
  }
  if (clusterNodes && clusterUrl) {
    throw new ConfigError(
      'REDIS_CLUSTER_NODES',
      'cannot be used with a redis+cluster:// REDIS_URL: set one of them',
    );
  }
  if (sentinels && masterName === undefined) {
    throw new ConfigError('REDIS_SENTINEL_MASTER', 'is required with REDIS_SENTINELS');
  }
  if (!sentinels && masterName !== undefined) {
    throw new ConfigError('REDIS_SENTINEL_MASTER', 'needs REDIS_SENTINELS');
  }
  if (values.REDIS_WAIT_REPLICAS > 0 && values.REDIS_WAIT_TIMEOUT_MS >= values.REDIS_COMMAND_TIMEOUT_MS) {
    throw new ConfigError(
      'REDIS_WAIT_TIMEOUT_MS',
      `must be below REDIS_COMMAND_TIMEOUT_MS (${values.REDIS_COMMAND_TIMEOUT_MS}), or every WAIT would time out as a failed command`,
    );
  }
  const cluster = clusterNodes ? { nodes: clusterNodes } : clusterUrl;
  const password = values.REDIS_SENTINEL_PASSWORD;
  const redis: BreakwaterConfig['redis'] = {
    url: typeof url === 'string' ? url : '',
    keyPrefix: values.REDIS_KEY_PREFIX,
    commandTimeoutMs: values.REDIS_COMMAND_TIMEOUT_MS,
    ...(cluster ? { cluster } : {}),
    ...(sentinels && masterName !== undefined
      ? { sentinel: { sentinels, masterName, ...(password === undefined ? {} : { password }) } }
      : {}),
    replicaWait: { replicas: values.REDIS_WAIT_REPLICAS, timeoutMs: values.REDIS_WAIT_TIMEOUT_MS },
  };
  return { ...redis, ...readRedisSecurity(values, typeof url === 'string' ? url : undefined) };
}

/** The ACL user and TLS files: credentials from the variables or the URL (not both), TLS files for `rediss://`. */
function readRedisSecurity(
  values: Values,
  serverUrl: string | undefined,
): Pick<BreakwaterConfig['redis'], 'username' | 'password' | 'tls'> {
  const url = serverUrl === undefined ? undefined : new URL(serverUrl);
  if (values.REDIS_USERNAME !== undefined && url && url.username !== '') {
    throw new ConfigError('REDIS_USERNAME', 'REDIS_URL names a user too: give it in one place');
  }
  if (values.REDIS_PASSWORD !== undefined && url && url.password !== '') {
    throw new ConfigError('REDIS_PASSWORD', 'REDIS_URL carries a password too: give it in one place');
  }
  const security: Pick<BreakwaterConfig['redis'], 'username' | 'password' | 'tls'> = {};
  if (values.REDIS_USERNAME !== undefined) security.username = values.REDIS_USERNAME;
  if (values.REDIS_PASSWORD !== undefined) security.password = values.REDIS_PASSWORD;
  const tls = readRedisTls(values);
  if (url?.protocol === 'rediss:') security.tls = tls;
  else {
    const [variable] =
      Object.entries(REDIS_TLS_VARIABLES).find(([, field]) => tls[field] !== undefined) ?? [];
    if (variable !== undefined) throw new ConfigError(variable, 'needs a rediss:// REDIS_URL (TLS)');
  }
  return security;
}

const REDIS_TLS_VARIABLES = {
  REDIS_TLS_CA_PATH: 'caPath',
  REDIS_TLS_CERT_PATH: 'certPath',
  REDIS_TLS_KEY_PATH: 'keyPath',
  REDIS_TLS_SERVER_NAME: 'serverName',
} as const satisfies Record<string, keyof RedisTlsFiles>;

function readRedisTls(values: Values): RedisTlsFiles {
  const tls: RedisTlsFiles = {};
  for (const [variable, field] of Object.entries(REDIS_TLS_VARIABLES)) {
    const value = values[variable as keyof typeof REDIS_TLS_VARIABLES];
    if (value !== undefined) tls[field] = value;
  }
  if (tls.certPath !== undefined && tls.keyPath === undefined) {
    throw new ConfigError('REDIS_TLS_KEY_PATH', 'is required with REDIS_TLS_CERT_PATH');
  }
  if (tls.keyPath !== undefined && tls.certPath === undefined) {
    throw new ConfigError('REDIS_TLS_CERT_PATH', 'is required with REDIS_TLS_KEY_PATH');
  }
  return tls;
}

/** `BREAKER_SLOW_CALL_RATE`, with what it needs: the rate mode, and slow calls to count. */
function slowCallRateOf(values: Values): { slowCallRate: number } {
  const slowCallRate = values.BREAKER_SLOW_CALL_RATE;
  if (slowCallRate > 0 && values.BREAKER_MODE !== 'rate') {
    throw new ConfigError(
      'BREAKER_SLOW_CALL_RATE',
      "needs BREAKER_MODE=rate (a share of the window's calls)",
    );
  }
  if (slowCallRate > 0 && values.LLM_SLOW_CALL_MS === 0) {
    throw new ConfigError('BREAKER_SLOW_CALL_RATE', 'needs LLM_SLOW_CALL_MS above 0 (what a slow call is)');
  }
  return { slowCallRate };
}

/** The task policy, with the rules that tie its variables together. */
function readPolicy(values: Values): BreakwaterConfig['policy'] {
  if (values.RETRY_MAXIMUM_INTERVAL_MS < values.RETRY_INITIAL_INTERVAL_MS) {
    throw new ConfigError(
      'RETRY_MAXIMUM_INTERVAL_MS',
      `must be at least RETRY_INITIAL_INTERVAL_MS (${values.RETRY_INITIAL_INTERVAL_MS})`,
    );
  }
  const callTimeoutMs = values.LLM_CALL_TIMEOUT_MS;
  const attemptTimeoutMs = values.ACTIVITY_START_TO_CLOSE_MS ?? callTimeoutMs + ATTEMPT_TIMEOUT_MARGIN_MS;
  if (attemptTimeoutMs <= callTimeoutMs) {
    throw new ConfigError('ACTIVITY_START_TO_CLOSE_MS', `must exceed LLM_CALL_TIMEOUT_MS (${callTimeoutMs})`);
  }
  return {
    retry: {
      initialIntervalMs: values.RETRY_INITIAL_INTERVAL_MS,
      backoffCoefficient: values.RETRY_BACKOFF_COEFFICIENT,
      maximumIntervalMs: values.RETRY_MAXIMUM_INTERVAL_MS,
      maximumAttempts: values.RETRY_MAXIMUM_ATTEMPTS,
      retryAfterCapMs: values.RETRY_AFTER_CAP_MS,
    },
    callTimeoutMs,
    attemptTimeoutMs,
    heartbeatTimeoutMs: values.ACTIVITY_HEARTBEAT_TIMEOUT_MS,
    maxBlockedMs: values.MAX_BLOCKED_MS,
    firstTokenTimeoutMs: values.LLM_FIRST_TOKEN_TIMEOUT_MS,
    streamIdleTimeoutMs: values.LLM_STREAM_IDLE_TIMEOUT_MS,
  };
}

/** The providers named in `LLM_PROVIDERS`, in its order. */
function readProviders(values: Values, env: Env): ProviderConfig[] {
  const list = readVariables(PROVIDER_LIST_VARIABLES, env);
  return list.LLM_PROVIDERS.map((name) => readProvider(name, values, list, env));
}

/** One provider: its `LLM_<NAME>_*` variables, else the defaults of its name and the `RATE_LIMIT_*` ones. */
function readProvider(name: string, values: Values, list: ProviderListValues, env: Env): ProviderConfig {
  const prefix = providerPrefix(name);
  const own = readVariables(PROVIDER_VARIABLES, env, prefix);
  const builtIn = BUILT_IN_PROVIDERS.get(name);
  const kind = own.KIND ?? builtIn?.kind ?? DEFAULT_PROVIDER_KIND;
  const baseUrl = own.BASE_URL ?? builtIn?.baseUrl;
  if (baseUrl === undefined) throw new ConfigError(`${prefix}BASE_URL`, 'is required');
  const apiKey = own.API_KEY ?? (builtIn ? list[builtIn.keyVariable] : undefined);
  const tpm = own.TPM ?? values.RATE_LIMIT_TPM;
  const provider: ProviderConfig = {
    name,
    kind,
    baseUrl,
    rateLimit: {
      rpm: own.RPM ?? values.RATE_LIMIT_RPM,
      tpm,
      burst: own.BURST ?? values.RATE_LIMIT_BURST,
      tokenBurst: own.TOKEN_BURST ?? values.RATE_LIMIT_TOKEN_BURST ?? defaultTokenBurst(tpm),
    },
    pricingProvider: own.PRICING ?? kind,
  };
  if (apiKey !== undefined) provider.apiKey = apiKey;
  if (kind === 'anthropic') provider.apiVersion = own.API_VERSION;
  return provider;
}
