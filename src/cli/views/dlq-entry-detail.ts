/**
 * How `dlq show` shows one entry: the list's fields plus the shape of the request and its policy,
 * as `name  value` lines and as JSON. Never the prompt; free text (model names) is redacted again.
 */
import type { StoredDlqEntry } from '../../dlq/dlq-entry';
import { redactText } from '../../observability/redaction';
import type { FallbackProvider, TaskPolicy } from '../../task';
import { entryJson, formatRequestSize, messageStats, type DlqEntryJson } from './dlq-entry';
import { fieldLines, formatDuration } from './format';

/** One entry as `show` shows it: the list fields, plus the shape of the request and its policy. */
export interface DlqEntryDetailJson extends DlqEntryJson {
  idempotencyKey: string;
  /** The payload's full sha256. */
  checksum: string;
  /** `DLQ_MAX_REPLAYS`: replays allowed before the entry moves to ai:dead. */
  maxReplays: number;
  priority: string | null;
  /** The agent run the task belongs to (its budgets), if any. */
  agentRunId: string | null;
  turn: string | null;
  request: {
    provider: string;
    model: string;
    messages: number;
    promptChars: number;
    maxTokens: number | null;
    temperature: number | null;
  };
  policy: TaskPolicy | null;
  /** The deadline a replay gets, from its start. */
  deadlineMs: number | null;
  fallbacks: FallbackProvider[];
}

/** One entry as `show` shows it, `now` giving its age and `maxReplays` the replays allowed. */
export function entryDetailJson(entry: StoredDlqEntry, now: number, maxReplays: number): DlqEntryDetailJson {
  const { input, deadlineMs } = entry.payload ?? {};
  const request = input?.request;
  return {
    ...entryJson(entry, now),
    idempotencyKey: entry.idempotencyKey,
    checksum: entry.checksum,
    maxReplays,
    priority: input?.meta?.priority ?? null,
    agentRunId: input?.meta?.runId ?? null,
    turn: input?.meta?.turn ?? null,
    request: {
      provider: request?.provider ?? entry.provider,
      model: redactText(String(request?.model ?? '')),
      ...messageStats(entry),
      maxTokens: request?.max_completion_tokens ?? request?.max_tokens ?? null,
      temperature: request?.temperature ?? null,
    },
    policy: input?.policy ?? null,
    deadlineMs: deadlineMs ?? null,
    fallbacks: (input?.fallbacks ?? []).map((fallback) => ({
      provider: fallback.provider,
      ...(fallback.model !== undefined ? { model: redactText(fallback.model) } : {}),
    })),
  };
}

function policyFields(policy: TaskPolicy): Array<[string, string]> {
  const { retry } = policy;
  return [
    [
      'retry',
      `${retry.maximumAttempts} attempts, ${retry.initialIntervalMs} ms initial, x${retry.backoffCoefficient}, ` +
        `${retry.maximumIntervalMs} ms cap, Retry-After cap ${retry.retryAfterCapMs} ms`,
    ],
    [
      'timeouts',
      `call ${policy.callTimeoutMs} ms, attempt ${policy.attemptTimeoutMs} ms, ` +
        `heartbeat ${policy.heartbeatTimeoutMs} ms, blocked at most ${policy.maxBlockedMs} ms`,
    ],
  ];
}

function formatFallbacks(fallbacks: readonly FallbackProvider[]): string {
  if (fallbacks.length === 0) return '-';
  return fallbacks
    .map((fallback) => (fallback.model ? `${fallback.provider} (${fallback.model})` : fallback.provider))
    .join(', ');
}

/** Whether the payload is encrypted, and by which key, or why it does not decrypt. */
function formatPayloadState({ keyId, decryptError }: DlqEntryDetailJson['preview']): string {
  if (decryptError !== null) return `does not decrypt with the configured keys: ${decryptError}`;
  return keyId === null ? 'stored in the clear' : `encrypted with key ${keyId}`;
}

/** What `show` prints: one `name  value` line per field. */
export function formatEntryDetail(detail: DlqEntryDetailJson): string {
  const { request } = detail;
  return fieldLines([
    ['job', detail.jobId],
    ['stream', `ai:${detail.stream}`],
    ['reason', detail.reason],
    ...(detail.deadReason === undefined ? [] : [['dead reason', detail.deadReason] as const]),
    ['error type', detail.errorType ?? '-'],
    ['last error', detail.lastError ?? '-'],
    ['attempts', detail.attempts],
    ['replays', `${detail.replayCount} of ${detail.maxReplays} allowed (DLQ_MAX_REPLAYS)`],
    ['provider', request.provider],
    ['model', request.model],
    [
      'request',
      `${formatRequestSize(request)}, maxTokens ${request.maxTokens ?? 'default'}` +
        (request.temperature === null ? '' : `, temperature ${request.temperature}`),
    ],
    ['payload', formatPayloadState(detail.preview)],
    ['checksum', `sha256 ${detail.checksum}`],
    ['fallbacks', formatFallbacks(detail.fallbacks)],
    ['operation', detail.operation],
    ['agent', detail.agent],
    ['priority', detail.priority ?? '-'],
    ['agent run', detail.agentRunId ?? '-'],
    ['turn', detail.turn ?? '-'],
    ['deadline', detail.deadlineMs === null ? '-' : `${formatDuration(detail.deadlineMs)} from the start`],
    ...(detail.policy ? policyFields(detail.policy) : []),
    ['workflow', detail.workflowId],
    ['failed run', detail.runId],
    ['enqueued', `${detail.enqueuedAt} (${detail.age} ago)`],
    ['first failure', detail.firstFailureAt],
    ['last failure', detail.lastFailureAt],
  ]);
}
