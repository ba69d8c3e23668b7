/** Breakwater's public API for application code and workers. */
export { BreakwaterClient, TaskFailedError } from './client/breakwater-client';
export type { PolicyOverrides, SubmitOptions, TaskHandle } from './client/breakwater-client';
export { taskWorkflowId } from './client/workflow-id';
export { ConfigError, loadConfig, CONFIG_VARIABLES } from './config';
export type { BreakwaterConfig, ProviderConfig } from './config';
export * from './errors';
export { createWorker } from './worker/create-worker';
export type { BreakwaterWorker, CreateWorkerOptions } from './worker/create-worker';
export { createActivities } from '../activities';
export type { BreakwaterActivities } from '../activities';
export { createLogger } from './observability/logger';
export { redact, redactText } from './observability/redaction';
export { getMetrics } from './observability/metrics';
export type * from './task';
export { LEDGER_STATES, PRIORITIES, TASK_FAILED_TYPE } from './task';
