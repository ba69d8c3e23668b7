/** The stable names of Breakwater's errors. Imported by workflow code: constants and types only. */

/** The stable `type` strings, used as Temporal `ApplicationFailure.type`. */
export const ErrorType = {
  RetryableExternal: 'RetryableExternalError',
  RateLimited: 'RateLimitedError',
  NonRetryableInput: 'NonRetryableInputError',
  ProviderConfiguration: 'ProviderConfigurationError',
  CircuitBreakerOpen: 'CircuitBreakerOpenError',
  GuardUnavailable: 'GuardUnavailableError',
  BudgetExceeded: 'BudgetExceededError',
  BudgetBusy: 'BudgetBusyError',
  RateLimitWait: 'RateLimitWaitError',
  RateLimitExceeded: 'RateLimitExceededError',
  ContentPolicy: 'ContentPolicyError',
  UnknownEncryptionKey: 'UnknownEncryptionKeyError',
  PayloadDecryptionFailed: 'PayloadDecryptionError',
  ServiceDegraded: 'ServiceDegradedError',
  Overloaded: 'OverloadedError',
  ToolCircuitOpen: 'ToolCircuitOpenError',
  ToolRateLimitWait: 'ToolRateLimitWaitError',
  ToolRateLimitExceeded: 'ToolRateLimitExceededError',
  ToolCallCap: 'ToolCallCapError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Where an error happened. Never holds prompt text, responses or secrets. */
export interface ErrorContext {
  operation?: string;
  runId?: string;
  provider?: string;
  attempt?: number;
  /** ISO-8601 time the error was raised. */
  timestamp: string;
}
