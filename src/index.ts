/**
 * `breakwater`: the API for application code (start and read tasks), operators' tools (budgets,
 * the DLQ and its replays, the breaker) and configuration. Workers: `breakwater/worker`; workflow
 * code: `breakwater/workflows`; tests: `breakwater/testing`.
 */
export { BreakwaterClient, TaskFailedError } from './client/breakwater-client';
export type {
  BreakwaterClientOptions,
  PolicyOverrides,
  ResubmitOptions,
  SubmitOptions,
  TaskHandle,
} from './client/breakwater-client';
export { taskWorkflowId } from './client/workflow-id';
export { ConfigError, defaultConfig, loadConfig, ENV_VARIABLES, PROVIDER_VARIABLES } from './config';
export type { BreakwaterConfig, ProviderConfig } from './config';
export * from './codec';
export * from './errors';
export { createLogger } from './observability/logger';
export { redact, redactText } from './observability/redaction';
export { getMetrics } from './observability/metrics';
export type * from './task';
export type * from './llm/request';
export type * from './llm/response';
export { DEFAULT_MAX_TOKENS, maxOutputTokens } from './llm/request';
export { FINISH_REASONS } from './llm/response';
export { LEDGER_STATES, PRIORITIES, TASK_FAILED_TYPE } from './task';
export { TokenManager } from './budget/token-manager';
export type { BudgetCheck, ScopeStatus, TokenManagerOptions } from './budget/token-manager';
export { PriceBook } from './budget/pricing';
export { DlqStore } from './dlq/dlq-store';
export { Replayer } from './dlq/replayer';
export type { ReplayOutcome, ReplayResult } from './dlq/replayer';
export { RedisBreaker } from './breaker/redis-breaker';
export type { BreakerSettings, BreakerStatus, BreakerTransition } from './breaker/types';
export type { BudgetSettings } from './budget/types';
export type { RateLimit, RateLimitSettings } from './ratelimit/types';
export { createRedis } from './redis/connection';
export { GuardScripts } from './redis/guard-scripts';
export { KEY_MAP, KeySpace } from './redis/keys';
