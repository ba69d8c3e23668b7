/**
 * The shapes of one task, shared by the client, the workflow and the activities.
 *
 * Imported by workflow code: types and constants only, no Node built-ins.
 */
import type { Sinks } from '@temporalio/workflow';
import type { RetrySettings } from './backoff';
import type { LlmRequest } from './llm/request';
import type { LlmResponse } from './llm/response';

/** The states of a task's ledger. */
export const LEDGER_STATES = ['QUEUED', 'RUNNING', 'RETRY', 'BLOCKED', 'DONE', 'FAILED'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Who and what a task is for. Every field is safe to log and to index. */
export interface TaskMeta {
  idempotencyKey: string;
  /** The agent run this call belongs to (budgets are kept per run). */
  runId?: string;
  /** The run's turn this call belongs to (per-turn token and tool-call budgets; needs `runId`). */
  turn?: string;
  operation: string;
  agent: string;
  priority: Priority;
}

/** How a task retries, times out and waits. Resolved by the client so the workflow needs no config. */
export interface TaskPolicy {
  retry: RetrySettings;
  /** Abort of one provider call, inside the activity. */
  callTimeoutMs: number;
  /** Temporal's `startToCloseTimeout` of one attempt (the call timeout plus admission and settle). */
  attemptTimeoutMs: number;
  /** Temporal's `heartbeatTimeout`; the activity heartbeats three times per period. */
  heartbeatTimeoutMs: number;
  /** The longest a task may wait `BLOCKED` in all before it fails. */
  maxBlockedMs: number;
  /** A streamed call: the longest wait for the first token (default: the call timeout). */
  firstTokenTimeoutMs?: number;
  /** A streamed call: the longest gap between two events once the answer started (default: the call timeout). */
  streamIdleTimeoutMs?: number;
}

/** A provider to switch to while the task's provider has its circuit breaker open. */
export interface FallbackProvider {
  provider: string;
  /** The model to ask of it (default: the request's model). */
  model?: string;
}

/** The workflow's input. */
export interface TaskInput {
  request: LlmRequest;
  meta: TaskMeta;
  /** Tried in order, for this call, when the breaker of the provider before refuses. */
  fallbacks?: FallbackProvider[];
  policy: TaskPolicy;
  /** Absolute deadline (ISO-8601): past it the task ends `FAILED` with reason `deadline_exceeded`. */
  deadline?: string;
  /** How many times the task was replayed from the dead-letter queue. */
  replayCount: number;
}

/** Why a task ended `FAILED`. */
export type FailureReason =
  | 'retries_exhausted'
  | 'deadline_exceeded'
  | 'invalid_input'
  | 'provider_configuration'
  | 'undecryptable_payload'
  | 'content_policy'
  | 'budget_exceeded'
  | 'circuit_open_timeout'
  | 'guard_unavailable_timeout'
  | 'degraded_timeout'
  | 'budget_busy_timeout'
  | 'rate_limited'
  | 'rate_limit_timeout'
  | 'cancelled';

/** One row of the audit trail. */
export interface LedgerEntry {
  /** ISO-8601 time of the transition. */
  at: string;
  from: LedgerState | null;
  to: LedgerState;
  reason: string;
  /** Attempts that had reached the provider when the transition happened. */
  attempt: number;
  errorType?: string;
  nextDelayMs?: number;
  provider?: string;
  /**
   * On `DONE`: the answer is one an earlier attempt received, kept in Redis and returned by a retry
   * because that attempt's completion never reached Temporal; the provider was called once for it.
   */
  recovered?: true;
}

export interface LedgerSnapshot {
  state: LedgerState;
  attempts: number;
  entries: LedgerEntry[];
  failureReason?: FailureReason;
}

/** What a `DONE` task returns. */
export interface TaskResult {
  idempotencyKey: string;
  response: LlmResponse;
  attempts: number;
  ledger: LedgerSnapshot;
}

/** The Temporal failure type a `FAILED` task ends its workflow with. */
export const TASK_FAILED_TYPE = 'BreakwaterTaskFailed';

/** The 429-style refusal of a budget, as an API in front of Breakwater can return it. */
export interface BudgetRefusal {
  error: 'budget_exceeded';
  scope: string;
  /** Seconds until the scope resets; null when it never does (a run's, a turn's, an operation's). */
  retry_after_sec: number | null;
}

/** Details of a `BreakwaterTaskFailed` failure. */
export interface TaskFailureDetails {
  reason: FailureReason;
  errorType?: string;
  attempts: number;
  ledger?: LedgerSnapshot;
  /** Set when a budget refused the task. */
  refusal?: BudgetRefusal;
  /** The last error's message. */
  lastError?: string;
}

/** Names of the workflow's query and signals, shared with the activity and the client. */
export const TaskMessages = {
  ledgerQuery: 'breakwater.ledger',
  attemptFailedSignal: 'breakwater.attemptFailed',
  attemptStartedSignal: 'breakwater.attemptStarted',
} as const;

/**
 * The sink Breakwater's workflows log through (`proxySinks<TaskLogSinks>()`): `BreakwaterPlugin`
 * writes it to Breakwater's redacting logger, whoever installed Temporal's Runtime.
 */
export interface TaskLogSinks extends Sinks {
  breakwaterLog: { info(message: string, fields: Record<string, unknown>): void };
}

/** Sent by the activity when an attempt failed and Temporal will retry it. */
export interface AttemptFailedReport {
  attempt: number;
  errorType: string;
  nextDelayMs: number;
  provider: string;
}

/** Sent by the activity when a retry attempt starts. */
export interface AttemptStartedReport {
  attempt: number;
  provider: string;
}
