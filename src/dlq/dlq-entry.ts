/**
 * A dead-letter entry: what an operator needs to see why a task failed, and what a replay needs to
 * start it again. Stored as the fields of one Redis stream entry.
 */
import { createHash } from 'node:crypto';
import type { SealedJson } from '../codec/sealed-json';
import type { FailureReason, TaskInput } from '../task';

/** What a replay starts the task with again (the original input, less its absolute deadline). */
export interface ReplayPayload {
  input: Omit<TaskInput, 'deadline'>;
  /** The original deadline as a duration from the task's start, so a replay gets as long again. */
  deadlineMs?: number;
}

export interface DlqEntry {
  /** The job's id in the DLQ: its idempotency key. */
  jobId: string;
  idempotencyKey: string;
  workflowId: string;
  /** The failed workflow run. */
  runId: string;
  /** The task queue the task ran on: a replay starts it there again. */
  taskQueue: string;
  reason: FailureReason;
  errorType?: string;
  attempts: number;
  replayCount: number;
  /**
   * sha256 of the payload's plaintext, to tell a job's entries apart from a changed task; it does
   * not change when the encryption key rotates.
   */
  checksum: string;
  provider: string;
  operation: string;
  agent: string;
  firstFailureAt: string;
  lastFailureAt: string;
  /** The last error's message, redacted (never prompt text). */
  lastError?: string;
  payload: ReplayPayload;
}

/** An entry as read back, with where it is. */
export interface StoredDlqEntry extends Omit<DlqEntry, 'payload'> {
  /** The replay payload; absent when it does not open with the configured keys (`payloadError`). */
  payload?: ReplayPayload;
  /** Why the payload does not open: its key is not configured, or it does not decrypt. */
  payloadError?: string;
  /** The payload as stored, encrypted when encryption is on. */
  sealedPayload: SealedJson;
  stream: 'dlq' | 'dead';
  /** The stream entry id (its first part is the time it was added, epoch ms). */
  entryId: string;
  /** When it was added, epoch ms. */
  enqueuedAt: number;
  /** Why an entry in ai:dead is there: `invalid_input`, or `poisoned` after too many replays. */
  deadReason?: string;
}

/** A stable digest of what a replay would run. */
export function payloadChecksum(payload: ReplayPayload): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The entry as stream fields, `[field, value, field, value, …]`: everything in the clear but the
 * payload, which is stored sealed (`payload`, and `payloadKeyId` when it is encrypted).
 */
export function encodeEntry(
  entry: Omit<DlqEntry, 'payload'>,
  payload: SealedJson,
  extra: Record<string, string> = {},
): string[] {
  const fields: Record<string, string> = {
    jobId: entry.jobId,
    idempotencyKey: entry.idempotencyKey,
    workflowId: entry.workflowId,
    runId: entry.runId,
    taskQueue: entry.taskQueue,
    reason: entry.reason,
    attempts: String(entry.attempts),
    replayCount: String(entry.replayCount),
    checksum: entry.checksum,
    provider: entry.provider,
    operation: entry.operation,
    agent: entry.agent,
    firstFailureAt: entry.firstFailureAt,
    lastFailureAt: entry.lastFailureAt,
    payload: payload.text,
    ...extra,
  };
  if (payload.keyId !== undefined) fields.payloadKeyId = payload.keyId;
  if (entry.errorType !== undefined) fields.errorType = entry.errorType;
  if (entry.lastError !== undefined) fields.lastError = entry.lastError;
  return Object.entries(fields).flat();
}

/**
 * Reads a stream entry back, its payload still sealed; undefined for one that is not a Breakwater
 * entry.
 */
export function decodeEntry(
  stream: 'dlq' | 'dead',
  entryId: string,
  raw: string[],
): StoredDlqEntry | undefined {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) fields[raw[i]!] = raw[i + 1]!;
  if (!fields.jobId || !fields.payload) return undefined;
  const entry: StoredDlqEntry = {
    stream,
    entryId,
    enqueuedAt: Number(entryId.split('-')[0]),
    jobId: fields.jobId,
    idempotencyKey: fields.idempotencyKey ?? fields.jobId,
    workflowId: fields.workflowId ?? '',
    runId: fields.runId ?? '',
    taskQueue: fields.taskQueue ?? '',
    reason: fields.reason as FailureReason,
    attempts: Number(fields.attempts ?? 0),
    replayCount: Number(fields.replayCount ?? 0),
    checksum: fields.checksum ?? '',
    provider: fields.provider ?? '',
    operation: fields.operation ?? '',
    agent: fields.agent ?? '',
    firstFailureAt: fields.firstFailureAt ?? '',
    lastFailureAt: fields.lastFailureAt ?? '',
    sealedPayload:
      fields.payloadKeyId === undefined
        ? { text: fields.payload }
        : { text: fields.payload, keyId: fields.payloadKeyId },
  };
  if (fields.errorType !== undefined) entry.errorType = fields.errorType;
  if (fields.lastError !== undefined) entry.lastError = fields.lastError;
  if (fields.deadReason !== undefined) entry.deadReason = fields.deadReason;
  return entry;
}
