/**
 * Breakwater's configuration: every setting is an environment variable with a default, listed once
 * in a table (`ENV_VARIABLES`, and `PROVIDER_VARIABLES` per provider) and validated at start-up.
 */
export { ConfigError } from './config-error';
export { defaultConfig, loadConfig, type LoadConfigOptions } from './load-config';
export { PROVIDER_NAME, PROVIDER_VARIABLES } from './provider-variables';
export { LOG_LEVELS } from './types';
export type {
  AdaptiveTimeoutSettings,
  BreakwaterConfig,
  LogLevel,
  ProviderConfig,
  ProviderKind,
  RedisTlsFiles,
  TemporalConnectionSettings,
  TracingSettings,
} from './types';
export {
  parseVariable,
  type ConfigVariable,
  type DerivedDefault,
  type VariableTable,
} from './variable-table';
export { DEFAULT_MAX_REQUEST_BYTES, ENV_VARIABLES } from './variables';
export {
  parseToolGuards,
  type ToolFailureRule,
  type ToolGuard,
  type ToolGuardInput,
  type ToolGuards,
  type ToolRateLimit,
} from './tool-guards';
