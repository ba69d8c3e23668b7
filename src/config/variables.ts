/**
 * The configuration table: every environment variable Breakwater reads, one row each (the
 * per-provider ones are in `provider-variables.ts`). `loadConfig` reads it, and the README's and
 * `docs/configuration.md`'s tables are generated from it (`npm run docs:config`).
 */
import { COMPRESSIONS, ENCRYPTION_MODES } from '../codec/types';
import { encryptionKeys } from './encryption-keys';
import { modelPrices } from './model-prices';
import { DEFAULT_TOKEN_BURST_IN_WORDS, operationRateLimits } from './operation-rate-limits';
import { toolGuardsSchema } from './tool-guards';
import { providerNames } from './provider-variables';
import {
  boolean,
  commaList,
  decimal,
  hostPorts,
  integer,
  oneOf,
  readableFile,
  redisUrl,
  secondsToMs,
  text,
  url,
  usd,
} from './schemas';
import { LOG_LEVELS } from './types';
import { derived, NO_DEFAULT, type VariableTable } from './variable-table';

/** The default `ACTIVITY_START_TO_CLOSE_MS` is the call timeout plus this, for admission and settle. */
export const ATTEMPT_TIMEOUT_MARGIN_MS = 10_000;

/** Temporal's default limit on one payload (the server's `limit.blobSize.error`, 2 MiB). */
const TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;
/** Room kept beside the request in its largest payload: meta, policy, fallbacks, the codec's envelope. */
const PAYLOAD_ENVELOPE_BYTES = 64 * 1024;
/** The largest `MAX_REQUEST_BYTES` that still fits a Temporal payload with its envelope. */
const MAX_REQUEST_BYTES_CEILING = TEMPORAL_PAYLOAD_LIMIT_BYTES - PAYLOAD_ENVELOPE_BYTES;
/**
 * 1.5 MiB: room for the largest image a request may carry inline (1 MiB, about 1.4 MB as base64) and
 * its conversation, while every payload that carries the request (the workflow's input, each `llmCall`
 * activity's input, the DLQ routing's input) keeps 512 KiB under Temporal's limit for the rest.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;

export const ENV_VARIABLES = {
  TEMPORAL_CONFIG_FILE: {
    default: derived('`~/.config/temporalio/temporal.toml`, if it exists'),
    schema: readableFile,
    description:
      "The `temporal` CLI's TOML file of connection profiles; the variables below override the profile (read by `@temporalio/envconfig`)",
  },
  TEMPORAL_PROFILE: {
    default: derived('`default`'),
    schema: text,
    description: 'Profile of `TEMPORAL_CONFIG_FILE` to connect with',
  },
  TEMPORAL_ADDRESS: {
    default: derived("the profile's `address`, else `localhost:7233`"),
    schema: text,
    description: 'Temporal frontend, host:port',
  },
  TEMPORAL_NAMESPACE: {
    default: derived("the profile's `namespace`, else `default`"),
    schema: text,
    description: 'Temporal namespace',
  },
  TEMPORAL_API_KEY: {
    default: NO_DEFAULT,
    schema: text,
    description: 'API key (Temporal Cloud), sent as a bearer token; turns TLS on',
    secret: true,
  },
  TEMPORAL_TLS: {
    default: derived('on with an API key or any `TEMPORAL_TLS_*`, else off'),
    schema: boolean,
    description: 'TLS to Temporal; `false` forces plain gRPC',
  },
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: {
    default: derived("the system's CAs"),
    schema: readableFile,
    description: "PEM of the CA that signed the server's certificate",
  },
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: {
    default: NO_DEFAULT,
    schema: text,
    description: 'That CA as PEM text, instead of a file',
  },
  TEMPORAL_TLS_CLIENT_CERT_PATH: {
    default: NO_DEFAULT,
    schema: readableFile,
    description: 'mTLS: PEM of the client certificate (with its key)',
  },
  TEMPORAL_TLS_CLIENT_CERT_DATA: {
    default: NO_DEFAULT,
    schema: text,
    description: 'mTLS: the client certificate as PEM text, instead of a file',
  },
  TEMPORAL_TLS_CLIENT_KEY_PATH: {
    default: NO_DEFAULT,
    schema: readableFile,
    description: "mTLS: PEM of the client certificate's private key",
  },
  TEMPORAL_TLS_CLIENT_KEY_DATA: {
    default: NO_DEFAULT,
    schema: text,
    description: 'mTLS: that key as PEM text, instead of a file',
    secret: true,
  },
  TEMPORAL_TLS_SERVER_NAME: {
    default: derived("the address's host"),
    schema: text,
    description: "Name checked against the server's certificate (and sent as SNI)",
  },
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: {
    default: 'false',
    schema: boolean,
    description:
      "Accepted as `false` only: the TypeScript SDK always verifies the server's name (set `TEMPORAL_TLS_SERVER_NAME` instead)",
  },
  TEMPORAL_TASK_QUEUE: { default: 'breakwater', schema: text, description: 'Task queue of the LLM tasks' },
  REDIS_URL: {
    default: 'redis://127.0.0.1:6379',
    schema: redisUrl,
    description:
      'Shared guard state: one server (`rediss://` for TLS), or `redis+cluster://host:port,…` for a Redis Cluster (`[user:password@]` allowed)',
    secret: true,
  },
  REDIS_USERNAME: {
    default: derived("the URL's, else `default`"),
    schema: text,
    description: 'Redis ACL user (see docs/redis-acl.md for its minimal ACL)',
  },
  REDIS_PASSWORD: {
    default: derived("the URL's"),
    schema: text,
    description: "That user's password; give it here or in `REDIS_URL`, not both",
    secret: true,
  },
  REDIS_TLS_CA_PATH: {
    default: derived("the system's CAs"),
    schema: readableFile,
    description: "`rediss://`: PEM of the CA that signed the server's certificate",
  },
  REDIS_TLS_CERT_PATH: {
    default: NO_DEFAULT,
    schema: readableFile,
    description: '`rediss://`: PEM of a client certificate (with its key), for `tls-auth-clients yes`',
  },
  REDIS_TLS_KEY_PATH: {
    default: NO_DEFAULT,
    schema: readableFile,
    description: "`rediss://`: PEM of the client certificate's private key",
  },
  REDIS_TLS_SERVER_NAME: {
    default: derived("the URL's host"),
    schema: text,
    description: "`rediss://`: name checked against the server's certificate (and sent as SNI)",
  },
  REDIS_CLUSTER_NODES: {
    default: NO_DEFAULT,
    schema: hostPorts,
    description: 'Seed nodes of a Redis Cluster (instead of `REDIS_URL`); the others are discovered',
  },
  REDIS_SENTINELS: {
    default: NO_DEFAULT,
    schema: hostPorts,
    description:
      'Redis Sentinels that name the primary (instead of `REDIS_URL`); needs `REDIS_SENTINEL_MASTER`',
  },
  REDIS_SENTINEL_MASTER: {
    default: NO_DEFAULT,
    schema: text,
    description: 'The master name the sentinels monitor (with `REDIS_SENTINELS`)',
  },
  REDIS_SENTINEL_PASSWORD: {
    default: NO_DEFAULT,
    schema: text,
    description: "The sentinels' own password (`requirepass` in sentinel.conf), when they have one",
    secret: true,
  },
  REDIS_WAIT_REPLICAS: {
    default: '0',
    schema: integer(0, 16),
    description:
      '`WAIT` for this many replicas after each admission and settle (0 = never); an admission not acknowledged in time is given back, the task waits `BLOCKED`',
  },
  REDIS_WAIT_TIMEOUT_MS: {
    default: '100',
    schema: integer(1),
    description: 'Longest `WAIT` for `REDIS_WAIT_REPLICAS`; below `REDIS_COMMAND_TIMEOUT_MS`',
  },
  REDIS_KEY_PREFIX: { default: 'bw', schema: text, description: 'Prefix of every Redis key' },
  REDIS_COMMAND_TIMEOUT_MS: {
    default: '1000',
    schema: integer(10),
    description: 'Per-command timeout against Redis',
  },
  GUARD_FAIL_OPEN: {
    default: 'false',
    schema: boolean,
    description: 'Admit calls when Redis is unreachable',
  },
  GUARD_UNAVAILABLE_RETRY_MS: {
    default: '5000',
    schema: integer(10),
    description: 'Wait (BLOCKED) before retrying an unreachable Redis',
  },
  RESILIENCE_ENABLED: {
    default: 'true',
    schema: boolean,
    description:
      "Guard every call (breakers, rate limits, budgets), park or refuse submits while degraded and shed load; `false`: calls run under Temporal's retry policy alone (the worker warns at start)",
  },
  DEGRADED_QUEUE_LIMIT: {
    default: '10000',
    schema: integer(1),
    description:
      'Waiting tasks (`QUEUED` + `BLOCKED`) of a task queue past which `low` and `normal` submits are refused with `OverloadedError`; `high` and `critical` pass',
  },
  DEGRADED_READONLY_ENABLED: {
    default: 'true',
    schema: boolean,
    description:
      "While degraded, accept submits and park them (`accepted: 'parked'`, they wait `BLOCKED`); `false` refuses them with `ServiceDegradedError`",
  },
  DEGRADED_RETRY_AFTER_SEC: {
    default: '30',
    schema: integer(1, 86_400),
    description:
      '`retry_after_sec` of a shed submit, and of a refusal while degraded mode is forced (a breaker-driven refusal gives its time to half-open)',
  },
  DEGRADED_RECONCILE_SEC: {
    default: '30',
    schema: decimal(0.1, 86_400).transform(secondsToMs),
    description:
      'How often one worker reconciles the waiting-task counts in Redis with Temporal visibility (repairs drift)',
  },
  ALERT_WEBHOOK_URL: {
    default: NO_DEFAULT,
    schema: url(['http', 'https']),
    description:
      'Receives a JSON POST for each breaker transition, degraded mode on and off, and a budget crossing 90 %; once per event cluster-wide, retried with backoff',
    secret: true,
  },
  LLM_PROVIDERS: {
    default: 'openai,anthropic',
    schema: providerNames,
    description: 'Provider names; each also reads the `LLM_<NAME>_*` variables of the provider table',
  },
  OPENAI_API_KEY: {
    default: NO_DEFAULT,
    schema: text,
    description: 'Key of the `openai` provider',
    secret: true,
  },
  ANTHROPIC_API_KEY: {
    default: NO_DEFAULT,
    schema: text,
    description: 'Key of the `anthropic` provider',
    secret: true,
  },
  BREAKER_MODE: {
    default: 'consecutive',
    schema: oneOf(['consecutive', 'rate']),
    description: '`consecutive` failures, or a failure `rate` over a window',
  },
  BREAKER_FAILS: {
    default: '5',
    schema: integer(1),
    description: 'Consecutive counted failures that open a breaker',
  },
  BREAKER_RESET_SEC: {
    default: '60',
    schema: decimal(0.01, 86_400).transform(secondsToMs),
    description: 'Time OPEN before a breaker may half-open',
  },
  BREAKER_HALF_OPEN_PROBES: {
    default: '1',
    schema: integer(1, 1000),
    description: 'Probes at once while HALF_OPEN, cluster-wide',
  },
  BREAKER_HALF_OPEN_PROB: {
    default: '1',
    schema: decimal(0.001, 1),
    description: 'Chance a free probe slot admits a call',
  },
  BREAKER_SUCCESS_THRESHOLD: {
    default: '2',
    schema: integer(1, 1000),
    description: 'Probe successes that close a breaker',
  },
  BREAKER_HALF_OPEN_RETRY_MS: {
    default: '2000',
    schema: integer(10),
    description: 'Wait of a call refused while probes run',
  },
  BREAKER_WINDOW_SEC: {
    default: '60',
    schema: decimal(0.1, 86_400).transform(secondsToMs),
    description: 'Rate mode: sliding window',
  },
  BREAKER_FAILURE_RATE: {
    default: '0.5',
    schema: decimal(0.01, 1),
    description: 'Rate mode: failure share that opens',
  },
  BREAKER_MIN_VOLUME: {
    default: '10',
    schema: integer(1),
    description: 'Rate mode: calls in the window before the rate counts',
  },
  BREAKER_SLOW_CALL_RATE: {
    default: '0',
    schema: decimal(0, 1),
    description: 'Rate mode: share of calls slower than `LLM_SLOW_CALL_MS` in the window that opens; 0 = off',
  },
  BREAKER_MIN_WORKERS: {
    default: '1',
    schema: integer(1, 1000),
    description: 'Distinct workers whose failures are needed to open',
  },
  BUDGET_ENABLED: {
    default: 'true',
    schema: boolean,
    description: 'Reserve and settle every call against the budgets (then every model needs a price)',
  },
  BUDGET_RUN_USD: {
    default: '5',
    schema: usd(1_000_000),
    description: 'Ceiling of one run (`runId`), USD; 0 = none',
  },
  BUDGET_OPERATION_USD: {
    default: '1',
    schema: usd(1_000_000),
    description: 'Most one call of an operation may cost, USD; 0 = none',
  },
  BUDGET_DAILY_USD: {
    default: '0',
    schema: usd(100_000_000),
    description: 'Cluster-wide cap per UTC day, USD; 0 = none',
  },
  TOKENS_PER_TURN: {
    default: '4000',
    schema: integer(0),
    description: 'Tokens per turn (`runId` + `turn`); 0 = none',
  },
  TOOL_CALLS_PER_TURN: {
    default: '6',
    schema: integer(0),
    description: 'LLM calls per turn plus the tool calls their answers ask for; 0 = none',
  },
  BUDGET_BUSY_RETRY_MS: {
    default: '1000',
    schema: integer(10),
    description: 'Wait (BLOCKED) while reservations in flight hold a scope',
  },
  BUDGET_TTL_SEC: {
    default: '604800',
    schema: integer(60).transform(secondsToMs),
    description: "Life of a run's and a turn's budget after its last charge",
  },
  MODEL_PRICES: {
    default: '{}',
    schema: modelPrices,
    description:
      'Prices (USD per million tokens), e.g. `{"local/llama3":{"input":0.1,"output":0.2,"cached_input":0.05}}` (`local/*`: every model of `local`); others: `@pydantic/genai-prices`',
  },
  RATE_LIMIT_RPM: {
    default: '60',
    schema: integer(0),
    description:
      'Requests per minute per provider, exact: never more in any 60 s (`LLM_<NAME>_RPM` overrides); 0 = none',
  },
  RATE_LIMIT_BURST: {
    default: '5',
    schema: integer(1),
    description: 'Requests at once, within the RPM (`LLM_<NAME>_BURST` overrides)',
  },
  RATE_LIMIT_TPM: {
    default: '0',
    schema: integer(0),
    description:
      'Tokens per minute per provider, a token bucket: a minute that starts full may take TPM plus the token burst (`LLM_<NAME>_TPM` overrides); 0 = none',
  },
  RATE_LIMIT_TOKEN_BURST: {
    default: derived(`the provider's ${DEFAULT_TOKEN_BURST_IN_WORDS}`),
    schema: integer(1),
    description: 'Tokens at once above the steady rate (`LLM_<NAME>_TOKEN_BURST` overrides)',
  },
  RATE_LIMIT_MODE: {
    default: 'wait',
    schema: oneOf(['wait', 'refuse']),
    description: '`wait` (BLOCKED, no attempt burnt) or `refuse` (FAILED, `rate_limited`)',
  },
  RATE_LIMIT_CALLS_PER_TASK: {
    default: '10',
    schema: integer(1),
    description: 'Most provider calls one task may make',
  },
  RATE_LIMIT_OPERATIONS: {
    default: '{}',
    schema: operationRateLimits,
    description:
      'Rate limits per operation (an agent\'s tool), shared by every worker, `rpm` exact per 60 s as a provider\'s: `{"search":{"rpm":30,"burst":5,"tpm":0}}`',
  },
  TOOL_GUARDS: {
    default: '{}',
    schema: toolGuardsSchema,
    description:
      'Activities (an agent\'s tools) guarded like LLM calls, by activity type: a shared `breaker` (`mode`, `failureThreshold` 5, `successThreshold` 2, `resetTimeoutMs` 60000, `windowMs` 300000, `failureRate` 0.5, `minimumVolume` 10, `halfOpenProbes` 1, `halfOpenRetryMs` 2000, `probeLeaseMs` 60000), a shared `rateLimit` (`maxCallsPerMinute`, never more in any 60 s, `burstSize` 1 at once, `onLimit` `wait` or `refuse`, `cooldownMs` 0), `maxCallsPerTask`, and which `failures` count (`errorTypes`, `ignoreErrorTypes`; default: every error but a non-retryable `ApplicationFailure`): `{"searchWeb":{"rateLimit":{"maxCallsPerMinute":30,"burstSize":5},"maxCallsPerTask":20}}`',
  },
  DLQ_MAX_LEN: {
    default: '10000',
    schema: integer(1),
    description: 'About this many entries kept in `ai:dlq` and in `ai:dead`',
  },
  DLQ_MAX_AGE_SEC: {
    default: '86400',
    schema: integer(1).transform(secondsToMs),
    description: 'Age at which `ai:dlq` entries are trimmed',
  },
  DLQ_DEAD_MAX_AGE_SEC: {
    default: '604800',
    schema: integer(1).transform(secondsToMs),
    description: 'Age at which `ai:dead` entries are trimmed',
  },
  DLQ_MAX_REPLAYS: {
    default: '3',
    schema: integer(0),
    description: 'Replays a task may have; the next one moves it to `ai:dead` (poisoned)',
  },
  STREAM_DELTAS_MAX_LEN: {
    default: '10000',
    schema: integer(1),
    description: 'About this many live deltas kept per streamed task (a capped Redis Stream)',
  },
  STREAM_DELTAS_TTL_SEC: {
    default: '3600',
    schema: integer(1).transform(secondsToMs),
    description: "Life of a streamed task's live deltas after its last attempt started or ended",
  },
  ANSWER_RECOVERY_TTL_SEC: {
    default: '900',
    schema: integer(0).transform(secondsToMs),
    description:
      "How long a call's answer stays in Redis, sealed with the payload keys, for a retry whose earlier attempt's completion was lost to return instead of calling again; 0 = off",
  },
  RETRY_INITIAL_INTERVAL_MS: { default: '1000', schema: integer(1), description: 'First retry delay' },
  RETRY_BACKOFF_COEFFICIENT: {
    default: '2',
    schema: decimal(1, 100),
    description: 'Backoff growth per attempt',
  },
  RETRY_MAXIMUM_INTERVAL_MS: {
    default: '30000',
    schema: integer(1),
    description: 'Largest retry delay; at least `RETRY_INITIAL_INTERVAL_MS`',
  },
  RETRY_MAXIMUM_ATTEMPTS: {
    default: '4',
    schema: integer(1, 100),
    description: 'Attempts in all (1 + retries)',
  },
  RETRY_AFTER_CAP_MS: {
    default: '300000',
    schema: integer(0),
    description: 'Largest provider Retry-After honoured',
  },
  LLM_CALL_TIMEOUT_MS: { default: '60000', schema: integer(100), description: 'Abort of one provider call' },
  LLM_FIRST_TOKEN_TIMEOUT_MS: {
    default: '30000',
    schema: integer(100),
    description: 'A streamed call: longest wait for the first token (text or a tool call)',
  },
  LLM_STREAM_IDLE_TIMEOUT_MS: {
    default: '20000',
    schema: integer(100),
    description: 'A streamed call: longest gap between two events once the answer started',
  },
  LLM_TIMEOUT_P95_FACTOR: {
    default: '2',
    schema: decimal(0, 100),
    description:
      'Adaptive timeouts: the model\'s rolling p95 times this, clamped to [`LLM_TIMEOUT_MIN_MS`, the fixed timeout]; 0 = off (see "Adaptive timeouts")',
  },
  LLM_TIMEOUT_MIN_MS: {
    default: '5000',
    schema: integer(100),
    description: 'Adaptive timeouts: the shortest an adaptive timeout gets (a smaller fixed timeout wins)',
  },
  LLM_TIMEOUT_MIN_SAMPLES: {
    default: '20',
    schema: integer(1, 100),
    description:
      'Adaptive timeouts: samples of the last 100 a model needs before its p95 counts; fewer, and the fixed timeout applies',
  },
  LLM_SLOW_CALL_MS: {
    default: '30000',
    schema: integer(0),
    description:
      'A provider call longer than this is logged, counted in `ai_llm_slow_calls_total` and reported to `onSlowCall`; 0 = off',
  },
  ACTIVITY_START_TO_CLOSE_MS: {
    default: derived(`\`LLM_CALL_TIMEOUT_MS\` + ${ATTEMPT_TIMEOUT_MARGIN_MS}`),
    schema: integer(1),
    description: 'Temporal startToCloseTimeout per attempt; more than `LLM_CALL_TIMEOUT_MS`',
  },
  ACTIVITY_HEARTBEAT_TIMEOUT_MS: {
    default: '15000',
    schema: integer(100),
    description: 'Temporal heartbeatTimeout',
  },
  TASK_DEADLINE_MS: {
    default: '900000',
    schema: integer(1000),
    description: 'Deadline of a task submitted without one',
  },
  MAX_REQUEST_BYTES: {
    default: String(DEFAULT_MAX_REQUEST_BYTES),
    schema: integer(1024, MAX_REQUEST_BYTES_CEILING),
    description:
      "Largest request a submit accepts, in UTF-8 bytes of its JSON (as Temporal's payload converter encodes it); Temporal refuses payloads over 2 MiB",
  },
  MAX_BLOCKED_MS: {
    default: '600000',
    schema: integer(0),
    description: 'Longest total wait BLOCKED before FAILED',
  },
  WORKER_MAX_CONCURRENT_ACTIVITIES: {
    default: '100',
    schema: integer(1),
    description: 'Concurrent LLM calls per worker',
  },
  WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SEC: {
    default: '0',
    schema: decimal(0, 1_000_000),
    description:
      "Temporal's own global activity rate cap on the task queue (`maxTaskQueueActivitiesPerSecond`); 0 = none",
  },
  WORKER_MAX_CACHED_WORKFLOWS: {
    default: '500',
    schema: integer(0),
    description:
      "Workflows a worker keeps in memory between their tasks (Temporal's sticky cache; 0 = none); Temporal's own default grows with the heap limit, to about 2,300 at 4 GB",
  },
  WORKER_SHUTDOWN_GRACE_MS: {
    default: '30000',
    schema: integer(0),
    description: 'Grace for in-flight calls on SIGTERM',
  },
  HTTP_PORT: {
    default: '9464',
    schema: integer(-1, 65_535),
    description: '`/metrics` and `/health` port (0 = any, -1 = off)',
  },
  HTTP_HOST: { default: '0.0.0.0', schema: text, description: 'Interface of the metrics and health server' },
  HEALTH_DLQ_DEPTH: {
    default: '100',
    schema: integer(0),
    description: '`/health` reports `degraded` while `ai:dlq` holds more entries than this (0 = any entry)',
  },
  HEALTH_DLQ_GROWTH_SEC: {
    default: '300',
    schema: integer(0).transform(secondsToMs),
    description:
      '`/health` reports `degraded` while tasks were added to `ai:dlq` within this many seconds (0 = off)',
  },
  STATUS_LEDGER_WINDOW_SEC: {
    default: '3600',
    schema: integer(1).transform(secondsToMs),
    description:
      'The recent window of the ledger statistics in `/status` and `breakwater status` (tasks closed within it)',
  },
  LOG_LEVEL: { default: 'info', schema: oneOf(LOG_LEVELS), description: 'Least level logged' },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    default: NO_DEFAULT,
    schema: url(['http', 'https']),
    description:
      'Turns tracing on: spans go over OTLP/HTTP to `<endpoint>/v1/traces` (the exporter also reads `OTEL_EXPORTER_OTLP_HEADERS`); unset, nothing is traced',
    secret: true,
  },
  OTEL_SERVICE_NAME: {
    default: 'breakwater-worker',
    schema: text,
    description: '`service.name` of the exported spans',
  },
  NODE_ENV: {
    default: NO_DEFAULT,
    schema: text,
    description: '`production`: the worker warns at start when payloads are not encrypted',
  },
  BREAKWATER_ENCRYPTION: {
    default: derived('`optional` when keys are configured, else `off`'),
    schema: oneOf(ENCRYPTION_MODES),
    description:
      'Payload encryption in Temporal: `required` refuses to start without a key; `optional` encrypts when a key is configured; `off` sends payloads as they are',
  },
  BREAKWATER_ENCRYPTION_KEYS: {
    default: NO_DEFAULT,
    schema: encryptionKeys,
    description:
      'AES-256-GCM keys by id: `id=base64key,id=base64key` or JSON `{"id": "base64key"}` (`openssl rand -base64 32`); every key decrypts',
    secret: true,
  },
  BREAKWATER_ENCRYPTION_KEY_FILE: {
    default: NO_DEFAULT,
    schema: readableFile,
    description:
      'A file of keys in the format of `BREAKWATER_ENCRYPTION_KEYS` (one `id=base64key` a line allowed), instead of it',
  },
  BREAKWATER_ENCRYPTION_ACTIVE_KEY: {
    default: derived('the last key configured'),
    schema: text,
    description: 'Id of the key that encrypts new payloads; add a key and make it active to rotate',
  },
  BREAKWATER_ENCRYPTION_COMPRESS: {
    default: 'off',
    schema: oneOf(COMPRESSIONS),
    description: 'Compress payloads before encrypting them (marked in the payload metadata)',
  },
  BREAKWATER_CODEC_SERVER_HOST: {
    default: '127.0.0.1',
    schema: text,
    description: 'Interface of `breakwater codec-server`',
  },
  BREAKWATER_CODEC_SERVER_PORT: {
    default: '8888',
    schema: integer(0, 65_535),
    description: 'Port of `breakwater codec-server` (0 picks a free port)',
  },
  BREAKWATER_CODEC_SERVER_CORS_ORIGINS: {
    default: NO_DEFAULT,
    schema: commaList(url(['http', 'https']), 'origin', '`http(s)://host:port`, comma-separated'),
    description:
      "Origins allowed to call the codec server from a browser: the Temporal Web UI's (e.g. `http://localhost:8233`)",
  },
  BREAKWATER_CODEC_SERVER_TOKEN: {
    default: NO_DEFAULT,
    schema: text,
    description:
      "When set, the codec server answers only calls with `Authorization: Bearer <token>` (`temporal --codec-auth`, the Web UI's codec settings)",
    secret: true,
  },
} satisfies VariableTable;
