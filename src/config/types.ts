/** The shape of Breakwater's configuration, as `loadConfig` returns it. */
import type { BreakerSettings } from '../breaker/types';
import type { BudgetSettings } from '../budget/types';
import type { DeltaStreamSettings } from '../deltas/types';
import type { DlqSettings } from '../dlq/types';
import type { RateLimit, RateLimitSettings } from '../ratelimit/types';
import type { RedisClusterSettings, RedisSentinelSettings, ReplicaWaitSettings } from '../redis/types';
import type { TaskPolicy } from '../task';

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

export interface BreakwaterConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  redis: {
    /** The one server (unused with `cluster` or `sentinel`). */
    url: string;
    keyPrefix: string;
    commandTimeoutMs: number;
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
  providers: ProviderConfig[];
  breaker: BreakerSettings;
  budget: BudgetSettings;
  rateLimit: RateLimitSettings;
  dlq: DlqSettings;
  /** Live deltas of streamed tasks (a capped Redis Stream per task). */
  deltas: DeltaStreamSettings;
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
