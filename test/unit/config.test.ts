import { describe, expect, it } from 'vitest';
import { configError } from '../support/config-error';
import {
  ConfigError,
  ENV_VARIABLES,
  loadConfig,
  type BreakwaterConfig,
  type VariableTable,
} from '../../src/config';

type Env = Record<string, string | undefined>;

/** The documented default of a variable: its env text, or a derived default in words. */
function documentedDefault(name: string): string | undefined {
  const variable = (ENV_VARIABLES as VariableTable)[name];
  if (variable === undefined) return undefined;
  return typeof variable.default === 'string' ? variable.default : variable.default.derived;
}

const OPENAI_KEY = 'sk-openai-Ab3dEf6hIj9kLm2nOp5q';
const LOCAL_KEY = 'local-key-Zx9yW8vU7tS6rQ5p';

/** Where each numeric documented variable lands in the config. */
const NUMERIC_FIELDS: Record<string, (config: BreakwaterConfig) => number> = {
  LLM_TIMEOUT_P95_FACTOR: (c) => c.timeouts.p95Factor,
  LLM_TIMEOUT_MIN_MS: (c) => c.timeouts.minMs,
  LLM_TIMEOUT_MIN_SAMPLES: (c) => c.timeouts.minSamples,
  LLM_SLOW_CALL_MS: (c) => c.timeouts.slowCallMs,
  BREAKER_SLOW_CALL_RATE: (c) => c.breaker.slowCallRate,
  REDIS_COMMAND_TIMEOUT_MS: (c) => c.redis.commandTimeoutMs,
  REDIS_WAIT_REPLICAS: (c) => c.redis.replicaWait.replicas,
  REDIS_WAIT_TIMEOUT_MS: (c) => c.redis.replicaWait.timeoutMs,
  GUARD_UNAVAILABLE_RETRY_MS: (c) => c.guard.unavailableRetryMs,
  DEGRADED_QUEUE_LIMIT: (c) => c.degraded.queueLimit,
  DEGRADED_RETRY_AFTER_SEC: (c) => c.degraded.retryAfterSec,
  DEGRADED_RECONCILE_SEC: (c) => c.degraded.reconcileMs / 1000,
  RETRY_INITIAL_INTERVAL_MS: (c) => c.policy.retry.initialIntervalMs,
  RETRY_BACKOFF_COEFFICIENT: (c) => c.policy.retry.backoffCoefficient,
  RETRY_MAXIMUM_INTERVAL_MS: (c) => c.policy.retry.maximumIntervalMs,
  RETRY_MAXIMUM_ATTEMPTS: (c) => c.policy.retry.maximumAttempts,
  RETRY_AFTER_CAP_MS: (c) => c.policy.retry.retryAfterCapMs,
  LLM_CALL_TIMEOUT_MS: (c) => c.policy.callTimeoutMs,
  LLM_FIRST_TOKEN_TIMEOUT_MS: (c) => c.policy.firstTokenTimeoutMs ?? Number.NaN,
  LLM_STREAM_IDLE_TIMEOUT_MS: (c) => c.policy.streamIdleTimeoutMs ?? Number.NaN,
  ACTIVITY_HEARTBEAT_TIMEOUT_MS: (c) => c.policy.heartbeatTimeoutMs,
  TASK_DEADLINE_MS: (c) => c.taskDeadlineMs,
  MAX_REQUEST_BYTES: (c) => c.maxRequestBytes,
  MAX_BLOCKED_MS: (c) => c.policy.maxBlockedMs,
  WORKER_MAX_CONCURRENT_ACTIVITIES: (c) => c.worker.maxConcurrentActivities,
  WORKER_MAX_CACHED_WORKFLOWS: (c) => c.worker.maxCachedWorkflows,
  WORKER_SHUTDOWN_GRACE_MS: (c) => c.worker.shutdownGraceMs,
  HTTP_PORT: (c) => c.worker.httpPort,
  HEALTH_DLQ_DEPTH: (c) => c.health.dlqDepthThreshold,
  HEALTH_DLQ_GROWTH_SEC: (c) => c.health.dlqGrowthWindowMs / 1000,
  STATUS_LEDGER_WINDOW_SEC: (c) => c.status.ledgerWindowMs / 1000,
  BREAKWATER_CODEC_SERVER_PORT: (c) => c.codecServer.port,
  BREAKER_FAILS: (c) => c.breaker.failureThreshold,
  BREAKER_RESET_SEC: (c) => c.breaker.resetMs / 1000,
  BREAKER_HALF_OPEN_PROBES: (c) => c.breaker.halfOpenProbes,
  BREAKER_HALF_OPEN_PROB: (c) => c.breaker.halfOpenProbability,
  BREAKER_SUCCESS_THRESHOLD: (c) => c.breaker.successThreshold,
  BREAKER_HALF_OPEN_RETRY_MS: (c) => c.breaker.halfOpenRetryMs,
  BREAKER_WINDOW_SEC: (c) => c.breaker.windowMs / 1000,
  BREAKER_FAILURE_RATE: (c) => c.breaker.failureRate,
  BREAKER_MIN_VOLUME: (c) => c.breaker.minimumVolume,
  BREAKER_MIN_WORKERS: (c) => c.breaker.minDistinctWorkers,
  BUDGET_RUN_USD: (c) => c.budget.ceilings.runMicros / 1_000_000,
  BUDGET_OPERATION_USD: (c) => c.budget.ceilings.operationMicros / 1_000_000,
  BUDGET_DAILY_USD: (c) => c.budget.ceilings.dailyMicros / 1_000_000,
  TOKENS_PER_TURN: (c) => c.budget.ceilings.turnTokens,
  TOOL_CALLS_PER_TURN: (c) => c.budget.ceilings.turnToolCalls,
  BUDGET_BUSY_RETRY_MS: (c) => c.budget.busyRetryMs,
  BUDGET_TTL_SEC: (c) => c.budget.ttlMs / 1000,
  RATE_LIMIT_RPM: (c) => c.providers[0]!.rateLimit.rpm,
  RATE_LIMIT_BURST: (c) => c.providers[0]!.rateLimit.burst,
  RATE_LIMIT_TPM: (c) => c.providers[0]!.rateLimit.tpm,
  RATE_LIMIT_CALLS_PER_TASK: (c) => c.rateLimit.callsPerTask,
  WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SEC: (c) => c.worker.maxTaskQueueActivitiesPerSecond,
  DLQ_MAX_LEN: (c) => c.dlq.maxLen,
  STREAM_DELTAS_MAX_LEN: (c) => c.deltas.maxLen,
  STREAM_DELTAS_TTL_SEC: (c) => c.deltas.ttlMs / 1000,
  ANSWER_RECOVERY_TTL_SEC: (c) => c.answers.ttlMs / 1000,
  DLQ_MAX_AGE_SEC: (c) => c.dlq.maxAgeMs / 1000,
  DLQ_DEAD_MAX_AGE_SEC: (c) => c.dlq.deadMaxAgeMs / 1000,
  DLQ_MAX_REPLAYS: (c) => c.dlq.maxReplays,
};

/** The rate limit every provider gets by default (seed 004's tool defaults). */
const DEFAULT_RATE = { rpm: 60, tpm: 0, burst: 5, tokenBurst: 1 };

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('gives the documented defaults for an empty environment', () => {
    expect(config).toEqual({
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'breakwater' },
      redis: {
        url: 'redis://127.0.0.1:6379',
        keyPrefix: 'bw',
        commandTimeoutMs: 1000,
        replicaWait: { replicas: 0, timeoutMs: 100 },
      },
      guard: { failOpen: false, unavailableRetryMs: 5000 },
      resilience: { enabled: true },
      degraded: { queueLimit: 10_000, readonly: true, retryAfterSec: 30, reconcileMs: 30_000 },
      alerts: {},
      providers: [
        {
          name: 'openai',
          kind: 'openai',
          baseUrl: 'https://api.openai.com/v1',
          rateLimit: DEFAULT_RATE,
          pricingProvider: 'openai',
        },
        {
          name: 'anthropic',
          kind: 'anthropic',
          baseUrl: 'https://api.anthropic.com',
          apiVersion: '2023-06-01',
          rateLimit: DEFAULT_RATE,
          pricingProvider: 'anthropic',
        },
      ],
      policy: {
        retry: {
          initialIntervalMs: 1000,
          backoffCoefficient: 2,
          maximumIntervalMs: 30_000,
          maximumAttempts: 4,
          retryAfterCapMs: 300_000,
        },
        callTimeoutMs: 60_000,
        attemptTimeoutMs: 70_000,
        heartbeatTimeoutMs: 15_000,
        maxBlockedMs: 600_000,
        firstTokenTimeoutMs: 30_000,
        streamIdleTimeoutMs: 20_000,
      },
      timeouts: { p95Factor: 2, minMs: 5000, minSamples: 20, slowCallMs: 30_000 },
      breaker: {
        mode: 'consecutive',
        failureThreshold: 5,
        resetMs: 60_000,
        halfOpenProbes: 1,
        halfOpenProbability: 1,
        successThreshold: 2,
        halfOpenRetryMs: 2000,
        windowMs: 60_000,
        failureRate: 0.5,
        minimumVolume: 10,
        minDistinctWorkers: 1,
        slowCallRate: 0,
      },
      budget: {
        enabled: true,
        ceilings: {
          runMicros: 5_000_000,
          operationMicros: 1_000_000,
          dailyMicros: 0,
          turnTokens: 4000,
          turnToolCalls: 6,
        },
        busyRetryMs: 1000,
        ttlMs: 604_800_000,
        modelPrices: {},
      },
      rateLimit: { mode: 'wait', callsPerTask: 10, operations: {} },
      toolGuards: {},
      dlq: { maxLen: 10_000, maxAgeMs: 86_400_000, deadMaxAgeMs: 604_800_000, maxReplays: 3 },
      deltas: { maxLen: 10_000, ttlMs: 3_600_000 },
      answers: { ttlMs: 900_000 },
      taskDeadlineMs: 900_000,
      maxRequestBytes: 1_572_864,
      worker: {
        maxConcurrentActivities: 100,
        maxTaskQueueActivitiesPerSecond: 0,
        maxCachedWorkflows: 500,
        shutdownGraceMs: 30_000,
        httpPort: 9464,
        httpHost: '0.0.0.0',
      },
      health: { dlqDepthThreshold: 100, dlqGrowthWindowMs: 300_000 },
      status: { ledgerWindowMs: 3_600_000 },
      log: { level: 'info' },
      tracing: { serviceName: 'breakwater-worker' },
      production: false,
      encryption: { mode: 'off', keys: [], compression: 'off' },
      codecServer: { host: '127.0.0.1', port: 8888, corsOrigins: [] },
    });
  });

  it.each(Object.keys(NUMERIC_FIELDS))('matches the documented default of %s', (name) => {
    const doc = documentedDefault(name);
    expect(doc).toBeDefined();
    expect(NUMERIC_FIELDS[name]?.(config)).toBe(Number(doc));
  });

  it('documents every numeric default it checks, and checks every numeric documented default', () => {
    const numeric = Object.keys(ENV_VARIABLES).filter((name) =>
      /^-?\d+(\.\d+)?$/.test(documentedDefault(name) ?? ''),
    );
    expect(numeric.sort()).toEqual(Object.keys(NUMERIC_FIELDS).sort());
  });

  it('matches the documented non-numeric defaults', () => {
    const doc = documentedDefault;
    expect(doc('TEMPORAL_ADDRESS')).toContain(`\`${config.temporal.address}\``);
    expect(doc('TEMPORAL_NAMESPACE')).toContain(`\`${config.temporal.namespace}\``);
    expect(config.temporal.taskQueue).toBe(doc('TEMPORAL_TASK_QUEUE'));
    expect(config.redis.url).toBe(doc('REDIS_URL'));
    expect(config.redis.keyPrefix).toBe(doc('REDIS_KEY_PREFIX'));
    expect(String(config.guard.failOpen)).toBe(doc('GUARD_FAIL_OPEN'));
    expect(String(config.resilience.enabled)).toBe(doc('RESILIENCE_ENABLED'));
    expect(String(config.degraded.readonly)).toBe(doc('DEGRADED_READONLY_ENABLED'));
    expect(config.providers.map((provider) => provider.name).join(',')).toBe(doc('LLM_PROVIDERS'));
    expect(config.worker.httpHost).toBe(doc('HTTP_HOST'));
    expect(config.log.level).toBe(doc('LOG_LEVEL'));
    expect(config.breaker.mode).toBe(doc('BREAKER_MODE'));
    expect(String(config.budget.enabled)).toBe(doc('BUDGET_ENABLED'));
    expect(JSON.stringify(config.budget.modelPrices)).toBe(doc('MODEL_PRICES'));
    expect(config.rateLimit.mode).toBe(doc('RATE_LIMIT_MODE'));
    expect(JSON.stringify(config.rateLimit.operations)).toBe(doc('RATE_LIMIT_OPERATIONS'));
  });

  it('derives the attempt timeout from the call timeout', () => {
    expect(loadConfig({ LLM_CALL_TIMEOUT_MS: '5000' }).policy.attemptTimeoutMs).toBe(15_000);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ RETRY_MAXIMUM_ATTEMPTS: '  ', LOG_LEVEL: '' })).toEqual(config);
  });
});

describe('loadConfig values', () => {
  it('reads and trims values', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: ' temporal:7233 ',
      REDIS_URL: 'rediss://cache.internal:6380/',
      RETRY_MAXIMUM_ATTEMPTS: '6',
      RETRY_BACKOFF_COEFFICIENT: '1.5',
      HTTP_PORT: '-1',
      LOG_LEVEL: 'debug',
    });
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.redis.url).toBe('rediss://cache.internal:6380');
    expect(config.policy.retry.maximumAttempts).toBe(6);
    expect(config.policy.retry.backoffCoefficient).toBe(1.5);
    expect(config.worker.httpPort).toBe(-1);
    expect(config.log.level).toBe('debug');
  });

  it.each([
    ['true', true],
    ['1', true],
    ['YES', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['Off', false],
  ])('reads GUARD_FAIL_OPEN=%s as %s', (raw, expected) => {
    expect(loadConfig({ GUARD_FAIL_OPEN: raw }).guard.failOpen).toBe(expected);
  });
});

describe('loadConfig refusals', () => {
  it.each<[string, Env, string]>([
    ['a non-Redis URL', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    ['an unparseable URL', { REDIS_URL: 'not a url' }, 'REDIS_URL'],
    ['zero attempts', { RETRY_MAXIMUM_ATTEMPTS: '0' }, 'RETRY_MAXIMUM_ATTEMPTS'],
    ['a non-numeric attempt count', { RETRY_MAXIMUM_ATTEMPTS: 'abc' }, 'RETRY_MAXIMUM_ATTEMPTS'],
    ['a fractional attempt count', { RETRY_MAXIMUM_ATTEMPTS: '2.5' }, 'RETRY_MAXIMUM_ATTEMPTS'],
    ['a non-numeric coefficient', { RETRY_BACKOFF_COEFFICIENT: 'fast' }, 'RETRY_BACKOFF_COEFFICIENT'],
    ['a coefficient below 1', { RETRY_BACKOFF_COEFFICIENT: '0.5' }, 'RETRY_BACKOFF_COEFFICIENT'],
    ['a non-boolean', { GUARD_FAIL_OPEN: 'maybe' }, 'GUARD_FAIL_OPEN'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['an invalid provider name', { LLM_PROVIDERS: 'Bad Name' }, 'LLM_PROVIDERS'],
    ['an empty provider list', { LLM_PROVIDERS: ' , ' }, 'LLM_PROVIDERS'],
    ['a custom provider without a base URL', { LLM_PROVIDERS: 'local' }, 'LLM_LOCAL_BASE_URL'],
    [
      'an unknown provider kind',
      { LLM_PROVIDERS: 'local', LLM_LOCAL_KIND: 'grpc', LLM_LOCAL_BASE_URL: 'http://localhost:8000/v1' },
      'LLM_LOCAL_KIND',
    ],
    [
      'a base URL that is not HTTP',
      { LLM_PROVIDERS: 'local', LLM_LOCAL_BASE_URL: 'ftp://localhost/v1' },
      'LLM_LOCAL_BASE_URL',
    ],
    [
      'an attempt timeout equal to the call timeout',
      { LLM_CALL_TIMEOUT_MS: '5000', ACTIVITY_START_TO_CLOSE_MS: '5000' },
      'ACTIVITY_START_TO_CLOSE_MS',
    ],
    [
      'an attempt timeout below the call timeout',
      { ACTIVITY_START_TO_CLOSE_MS: '30000' },
      'ACTIVITY_START_TO_CLOSE_MS',
    ],
    [
      'a maximum interval below the initial interval',
      { RETRY_INITIAL_INTERVAL_MS: '5000', RETRY_MAXIMUM_INTERVAL_MS: '4999' },
      'RETRY_MAXIMUM_INTERVAL_MS',
    ],
    ['a slow-call rate in consecutive mode', { BREAKER_SLOW_CALL_RATE: '0.5' }, 'BREAKER_SLOW_CALL_RATE'],
    [
      'a slow-call rate without slow calls',
      { BREAKER_MODE: 'rate', BREAKER_SLOW_CALL_RATE: '0.5', LLM_SLOW_CALL_MS: '0' },
      'BREAKER_SLOW_CALL_RATE',
    ],
    [
      'a timeout sample minimum above the window',
      { LLM_TIMEOUT_MIN_SAMPLES: '101' },
      'LLM_TIMEOUT_MIN_SAMPLES',
    ],
    ['a negative p95 factor', { LLM_TIMEOUT_P95_FACTOR: '-1' }, 'LLM_TIMEOUT_P95_FACTOR'],
    ['a port above 65535', { HTTP_PORT: '70000' }, 'HTTP_PORT'],
    ['a port below -1', { HTTP_PORT: '-2' }, 'HTTP_PORT'],
    ['a negative answer recovery time', { ANSWER_RECOVERY_TTL_SEC: '-1' }, 'ANSWER_RECOVERY_TTL_SEC'],
  ])('refuses %s with a ConfigError naming the variable', (_label, env, variable) => {
    const error = configError(env);
    expect(error.name).toBe('ConfigError');
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('accepts the boundary values that the refusals sit next to', () => {
    const config = loadConfig({
      RETRY_MAXIMUM_ATTEMPTS: '1',
      HTTP_PORT: '65535',
      LLM_CALL_TIMEOUT_MS: '5000',
      ACTIVITY_START_TO_CLOSE_MS: '5001',
      RETRY_INITIAL_INTERVAL_MS: '5000',
      RETRY_MAXIMUM_INTERVAL_MS: '5000',
    });
    expect(config.policy.retry.maximumAttempts).toBe(1);
    expect(config.worker.httpPort).toBe(65535);
    expect(config.policy.attemptTimeoutMs).toBe(5001);
    expect(config.policy.retry.maximumIntervalMs).toBe(5000);
  });

  it('names the bad provider in an LLM_PROVIDERS refusal', () => {
    expect(configError({ LLM_PROVIDERS: 'openai,Bad Name' }).message).toContain("'Bad Name'");
  });
});

describe('loadConfig without the providers', () => {
  it('reads no provider variable, so a missing or bad one does not stop it', () => {
    const env = {
      LLM_PROVIDERS: 'Bad Name,local',
      LLM_LOCAL_BASE_URL: 'ftp://localhost/v1',
      LLM_LOCAL_RPM: 'many',
      OPENAI_API_KEY: ' ',
      REDIS_KEY_PREFIX: 'ops',
    };
    const config = loadConfig(env, { providers: false });
    expect(config.providers).toEqual([]);
    expect(config.redis.keyPrefix).toBe('ops');
  });

  it('still refuses the other variables, naming them', () => {
    expect(() => loadConfig({ BREAKER_FAILS: 'many' }, { providers: false })).toThrow(/^BREAKER_FAILS: /);
    expect(() => loadConfig({ REDIS_URL: 'http://x' }, { providers: false })).toThrow(/^REDIS_URL: /);
  });
});

describe('providers', () => {
  it('reads a custom provider alongside a built-in one', () => {
    const config = loadConfig({
      LLM_PROVIDERS: 'local,anthropic',
      LLM_LOCAL_BASE_URL: 'http://localhost:8000/v1/',
      LLM_LOCAL_API_KEY: LOCAL_KEY,
    });
    expect(config.providers).toEqual([
      {
        name: 'local',
        kind: 'openai',
        baseUrl: 'http://localhost:8000/v1',
        apiKey: LOCAL_KEY,
        rateLimit: DEFAULT_RATE,
        pricingProvider: 'openai',
      },
      {
        name: 'anthropic',
        kind: 'anthropic',
        baseUrl: 'https://api.anthropic.com',
        apiVersion: '2023-06-01',
        rateLimit: DEFAULT_RATE,
        pricingProvider: 'anthropic',
      },
    ]);
  });

  it('reads the kind, and the API version of an anthropic-kind custom provider', () => {
    const config = loadConfig({
      LLM_PROVIDERS: 'my-proxy',
      LLM_MY_PROXY_KIND: 'anthropic',
      LLM_MY_PROXY_BASE_URL: 'https://proxy.internal',
      LLM_MY_PROXY_API_VERSION: '2024-01-01',
    });
    expect(config.providers).toEqual([
      {
        name: 'my-proxy',
        kind: 'anthropic',
        baseUrl: 'https://proxy.internal',
        apiVersion: '2024-01-01',
        rateLimit: DEFAULT_RATE,
        pricingProvider: 'anthropic',
      },
    ]);
  });

  it('uses OPENAI_API_KEY and ANTHROPIC_API_KEY for the built-in providers', () => {
    const config = loadConfig({ OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: 'anthropic-key-123456' });
    expect(config.providers.find((p) => p.name === 'openai')?.apiKey).toBe(OPENAI_KEY);
    expect(config.providers.find((p) => p.name === 'anthropic')?.apiKey).toBe('anthropic-key-123456');
  });

  it('prefers LLM_OPENAI_API_KEY over OPENAI_API_KEY', () => {
    const config = loadConfig({ OPENAI_API_KEY: OPENAI_KEY, LLM_OPENAI_API_KEY: 'override-key-123456' });
    expect(config.providers[0]?.apiKey).toBe('override-key-123456');
  });

  it('does not give OPENAI_API_KEY to a custom provider', () => {
    const config = loadConfig({
      LLM_PROVIDERS: 'local',
      LLM_LOCAL_BASE_URL: 'http://localhost:8000/v1',
      OPENAI_API_KEY: OPENAI_KEY,
    });
    expect(config.providers[0]).not.toHaveProperty('apiKey');
  });

  it("reads a provider's own rate limit and pricing id over the defaults", () => {
    const config = loadConfig({
      LLM_PROVIDERS: 'local',
      LLM_LOCAL_BASE_URL: 'http://localhost:8000/v1',
      LLM_LOCAL_RPM: '600',
      LLM_LOCAL_TPM: '60000',
      LLM_LOCAL_BURST: '20',
      LLM_LOCAL_PRICING: 'anthropic',
      RATE_LIMIT_RPM: '30',
    });
    expect(config.providers[0]?.rateLimit).toEqual({ rpm: 600, tpm: 60_000, burst: 20, tokenBurst: 10_000 });
    expect(config.providers[0]?.pricingProvider).toBe('anthropic');
  });

  it.each([
    ['LLM_LOCAL_RPM', '-1'],
    ['RATE_LIMIT_BURST', '0'],
    ['RATE_LIMIT_MODE', 'sometimes'],
    ['BUDGET_RUN_USD', 'lots'],
    ['TOKENS_PER_TURN', '-5'],
    ['MODEL_PRICES', '{"gpt-x": {"input": -1, "output": 1}}'],
    ['RATE_LIMIT_OPERATIONS', '{"search": {"rpm": -1}}'],
    ['RATE_LIMIT_OPERATIONS', '{"search": {"rpn": 5}}'],
    ['RATE_LIMIT_OPERATIONS', '[1]'],
  ])('names %s when its value %s is bad', (variable, value) => {
    const env = { LLM_PROVIDERS: 'local', LLM_LOCAL_BASE_URL: 'http://localhost:8000/v1', [variable]: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}:`));
  });

  it('reads per-operation (tool) rate limits', () => {
    const config = loadConfig({
      RATE_LIMIT_OPERATIONS: '{"search":{"rpm":30,"burst":3},"embed":{"tpm":6000}}',
    });
    expect(config.rateLimit.operations).toEqual({
      search: { rpm: 30, tpm: 0, burst: 3, tokenBurst: 1 },
      embed: { rpm: 0, tpm: 6000, burst: 1, tokenBurst: 1000 },
    });
  });

  it('lets a built-in provider point at another base URL', () => {
    const config = loadConfig({ LLM_PROVIDERS: 'openai', LLM_OPENAI_BASE_URL: 'http://127.0.0.1:9000/v1//' });
    expect(config.providers).toEqual([
      {
        name: 'openai',
        kind: 'openai',
        baseUrl: 'http://127.0.0.1:9000/v1',
        rateLimit: DEFAULT_RATE,
        pricingProvider: 'openai',
      },
    ]);
  });
});

describe('secrets in ConfigError messages', () => {
  const keys = { OPENAI_API_KEY: OPENAI_KEY, LLM_LOCAL_API_KEY: LOCAL_KEY };

  it.each<[string, Env]>([
    ['a bad provider list', { LLM_PROVIDERS: 'local,Bad Name' }],
    ['a missing base URL', { LLM_PROVIDERS: 'local' }],
    ['a bad kind', { LLM_PROVIDERS: 'local', LLM_LOCAL_KIND: 'grpc' }],
    ['a bad Redis URL', { REDIS_URL: 'http://x' }],
    ['a bad number', { RETRY_MAXIMUM_ATTEMPTS: 'abc' }],
    [
      'a base URL carrying the key, with a bad port',
      { LLM_OPENAI_BASE_URL: `https://api.example.com:99999/?key=${OPENAI_KEY}` },
    ],
    ['a Redis URL carrying a password, with a bad port', { REDIS_URL: `redis://:${LOCAL_KEY}@cache:6379x` }],
  ])('never carries an API key value (%s)', (_label, env) => {
    const error = configError({ ...keys, ...env });
    expect(error.message).not.toContain(OPENAI_KEY);
    expect(error.message).not.toContain(LOCAL_KEY);
  });
});

describe('ConfigError messages', () => {
  it.each<[Env, string]>([
    [{ BREAKER_FAILS: 'many' }, "BREAKER_FAILS: must be an integer (got 'many')"],
    [{ BREAKER_HALF_OPEN_PROBES: '0' }, 'BREAKER_HALF_OPEN_PROBES: must be between 1 and 1000 (got 0)'],
    [{ BREAKER_FAILS: '0' }, 'BREAKER_FAILS: must be at least 1 (got 0)'],
    [{ LOG_LEVEL: 'loud' }, "LOG_LEVEL: must be one of trace, debug, info, warn, error, silent (got 'loud')"],
    [
      { RATE_LIMIT_OPERATIONS: '{"search": {"rpm": -1}}' },
      "RATE_LIMIT_OPERATIONS: key 'search' field 'rpm' must be an integer >= 0 (got -1)",
    ],
    [{ LLM_PROVIDERS: 'constructor' }, 'LLM_CONSTRUCTOR_BASE_URL: is required'],
    [{ MAX_REQUEST_BYTES: '2097152' }, 'MAX_REQUEST_BYTES: must be between 1024 and 2031616 (got 2097152)'],
  ])('%j refuses with %s', (env, message) => {
    expect(configError(env).message).toBe(message);
  });
});

describe('tracing', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT, on with it, under OTEL_SERVICE_NAME', () => {
    expect(loadConfig({}).tracing).toEqual({ serviceName: 'breakwater-worker' });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'agents' })
        .tracing,
    ).toEqual({ endpoint: 'http://collector:4318', serviceName: 'agents' });
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    const error = configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    expect(error.variable).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(error.message).toContain('must be a URL with protocol http: or https:');
  });
});

describe('money and JSON values', () => {
  it('reads USD ceilings exactly, to the micro-dollar', () => {
    expect(loadConfig({ BUDGET_RUN_USD: '0.1', BUDGET_DAILY_USD: '0.000001' }).budget.ceilings).toMatchObject(
      {
        runMicros: 100_000,
        dailyMicros: 1,
      },
    );
  });

  it('refuses a USD amount finer than a micro-dollar', () => {
    expect(configError({ BUDGET_RUN_USD: '0.0000001' }).variable).toBe('BUDGET_RUN_USD');
  });

  it('refuses __proto__ as an operation name', () => {
    expect(configError({ RATE_LIMIT_OPERATIONS: '{"__proto__":{"rpm":3}}' }).message).toBe(
      "RATE_LIMIT_OPERATIONS: key '__proto__' is not an operation name (letters, digits, ., _, : or -)",
    );
  });
});
