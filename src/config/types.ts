/** The shape of Breakwater's configuration, as `loadConfig` returns it. */
import type { BreakerSettings } from '../breaker/settings';
import type { ConfiguredPrice } from '../budget/pricing';
import type { DlqSettings } from '../dlq/dlq-store';
import type { BudgetCeilings, RateLimit } from '../guard/guard-scripts';
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
  modelPrices: Record<string, ConfiguredPrice>;
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
