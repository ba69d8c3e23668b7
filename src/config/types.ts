/** The shape of Breakwater's configuration, as `loadConfig` returns it. */
import type { TLSConfig } from '@temporalio/client';
import type { KeptAnswerSettings } from '../answers/types';
import type { BreakerSettings } from '../breaker/types';
import type { CodecServerSettings, EncryptionSettings } from '../codec/types';
import type { BudgetSettings } from '../budget/types';
import type { DeltaStreamSettings } from '../deltas/types';
import type { DlqSettings } from '../dlq/types';
import type { RateLimit, RateLimitSettings } from '../ratelimit/types';
import type { RedisClusterSettings, RedisSentinelSettings, ReplicaWaitSettings } from '../redis/types';
import type { TaskPolicy } from '../task';
import type { ToolGuards } from './tool-guards';

export const PROVIDER_KINDS = ['openai', 'anthropic'] as const;
/** The API a provider speaks. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

/** Where and how to connect to Temporal (the profile of `@temporalio/envconfig`, certificates read). */
export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  /** Sent as `Authorization: Bearer <key>`; TLS is on with it unless `TEMPORAL_TLS=false`. */
  apiKey?: string;
  /** TLS settings, `true` for TLS with the system's CAs, `false` or unset for plain gRPC. */
  tls?: TLSConfig | boolean;
  /** gRPC metadata sent with every call (`TEMPORAL_GRPC_META_*`, the profile's `grpc_meta`). */
  metadata?: Record<string, string>;
}

/** TLS of a `rediss://` connection: files of PEM, read when the connection is made. */
export interface RedisTlsFiles {
  caPath?: string;
  certPath?: string;
  keyPath?: string;
  /** The name checked against the server's certificate (default: the URL's host). */
  serverName?: string;
}

export interface BreakwaterConfig {
  temporal: TemporalConnectionSettings & { taskQueue: string };
  redis: {
    /** The one server (unused with `cluster` or `sentinel`). */
    url: string;
    keyPrefix: string;
    commandTimeoutMs: number;
    /** ACL user of the data nodes (else the URL's, else `default`). */
    username?: string;
    /** Its password (else the URL's). */
    password?: string;
    /** Set for a `rediss://` URL. */
    tls?: RedisTlsFiles;
    /** A Redis Cluster (REDIS_CLUSTER_NODES, or a `redis+cluster://` REDIS_URL). */
    cluster?: RedisClusterSettings;
    /** A Sentinel-managed primary (REDIS_SENTINELS, REDIS_SENTINEL_MASTER). */
    sentinel?: RedisSentinelSettings;
    /** `WAIT` after admissions and settles (REDIS_WAIT_REPLICAS). */
    replicaWait: ReplicaWaitSettings;
  };
  guard: {
    /** Admit calls when Redis is unreachable (default false: fail closed). */
    failOpen: boolean;
    /** How long a task waits `BLOCKED` before it tries Redis again. */
    unavailableRetryMs: number;
  };
  /** `RESILIENCE_ENABLED`: false turns the guards, parking and shedding off. */
  resilience: { enabled: boolean };
  /** Degraded mode and load shedding (`DEGRADED_*`). */
  degraded: {
    /** Waiting tasks past which `low` and `normal` submits are shed. */
    queueLimit: number;
    /** Accept (park) submits while degraded, instead of refusing them. */
    readonly: boolean;
    /** `retry_after_sec` of a shed submit, or of a refusal while degraded mode is forced. */
    retryAfterSec: number;
    /** How often the waiting-task counts are reconciled with Temporal visibility. */
    reconcileMs: number;
  };
  /** Alert webhook (`ALERT_WEBHOOK_URL`). */
  alerts: { webhookUrl?: string };
  providers: ProviderConfig[];
  breaker: BreakerSettings;
  budget: BudgetSettings;
  rateLimit: RateLimitSettings;
  /** Activities (an agent's tools) guarded like LLM calls (`TOOL_GUARDS`), by activity type. */
  toolGuards: ToolGuards;
  dlq: DlqSettings;
  /** Live deltas of streamed tasks (a capped Redis Stream per task). */
  deltas: DeltaStreamSettings;
  /** Answers kept for a retry whose completion was lost (a Redis string per call). */
  answers: KeptAnswerSettings;
  /** Defaults for every task; a submit may override the deadline. */
  policy: TaskPolicy;
  /** Adaptive call timeouts and slow-call detection, on the worker (`LLM_TIMEOUT_*`, `LLM_SLOW_CALL_MS`). */
  timeouts: AdaptiveTimeoutSettings;
  taskDeadlineMs: number;
  /** The largest request a submit accepts, in UTF-8 bytes of its JSON. */
  maxRequestBytes: number;
  worker: {
    maxConcurrentActivities: number;
    /** Temporal's own cap on activities per second for the whole task queue (0 = none). */
    maxTaskQueueActivitiesPerSecond: number;
    /** Temporal's sticky cache: workflows kept in memory between their tasks (0 = none). */
    maxCachedWorkflows: number;
    shutdownGraceMs: number;
    /** Port of `/metrics` and `/health`; 0 picks a free port; -1 turns the server off. */
    httpPort: number;
    httpHost: string;
  };
  /** What `/health` calls degraded beyond an open breaker. */
  health: {
    /** `ai:dlq` depth above which the worker is degraded. */
    dlqDepthThreshold: number;
    /** The worker is degraded while tasks were added to `ai:dlq` this recently (0: off). */
    dlqGrowthWindowMs: number;
  };
  /** The status snapshot (`/status`, `breakwater status`). */
  status: {
    /** The ledger statistics' recent window: tasks closed within it. */
    ledgerWindowMs: number;
  };
  log: { level: LogLevel };
  /** Tracing over OTLP/HTTP: off while `endpoint` is unset. */
  tracing: TracingSettings;
  /** `NODE_ENV=production`. */
  production: boolean;
  /** Payload encryption in Temporal (`BREAKWATER_ENCRYPTION_*`). */
  encryption: EncryptionSettings;
  /** `breakwater codec-server` (`BREAKWATER_CODEC_SERVER_*`). */
  codecServer: CodecServerSettings;
}

/** `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME`. */
export interface TracingSettings {
  /** The OTLP/HTTP collector's base URL; unset, tracing is off. */
  endpoint?: string;
  serviceName: string;
}

/**
 * How a worker derives each call's timeout from its model's rolling p95 of successful calls:
 * `clamp(p95 × p95Factor, minMs, the task's fixed timeout)`, once the model has `minSamples` samples.
 */
export interface AdaptiveTimeoutSettings {
  /** 0 turns adaptation off: every call gets the task's fixed timeouts. */
  p95Factor: number;
  minMs: number;
  minSamples: number;
  /** A provider call longer than this is a slow call (0 = no detection). */
  slowCallMs: number;
}
