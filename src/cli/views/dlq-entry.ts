/**
 * How `dlq list` and `dlq dead list` show entries, as a table and as JSON. Never the prompt: an
 * entry's payload is only summarized (number of messages, their size in characters, a prefix of the
 * payload's checksum), and the last error goes through `redactText` again before it is shown.
 */
import type { StoredDlqEntry } from '../../dlq/dlq-entry';
import type { DlqFilter } from '../../dlq/dlq-store';
import type { DlqStream } from '../../dlq/types';
import { formatTable } from '../../format-table';
import { contentText } from '../../llm/content';
import type { TextPart } from '../../llm/request';
import { redactText } from '../../observability/redaction';
import { countOf, formatDuration, truncate } from './format';

/** How much of the last error a table shows (JSON shows the stored preview, itself at most 500). */
const TABLE_ERROR_CHARS = 60;
const JSON_ERROR_CHARS = 500;
/** How much of the payload's sha256 a preview shows. */
const CHECKSUM_PREFIX = 12;

/** What the payload looks like, without its content. */
interface PayloadPreview {
  /** Messages of the request. */
  messages: number;
  /** Characters of all their text together (every text part; images not counted). */
  promptChars: number;
  /** The first characters of the payload's sha256 (`checksum`). */
  checksum: string;
  /** The id of the key the payload is encrypted with; null when it is stored in the clear. */
  keyId: string | null;
  /** Why the payload does not open with the configured keys (its size is then unknown: 0). */
  decryptError: string | null;
}

/** One entry as `list` and `dead list` show it. */
export interface DlqEntryJson {
  jobId: string;
  stream: DlqStream;
  reason: string;
  /** Entries of ai:dead only: `invalid_input`, or `poisoned` after too many replays. */
  deadReason?: string;
  errorType: string | null;
  provider: string;
  operation: string;
  agent: string;
  attempts: number;
  replayCount: number;
  /** Since the entry was added to its stream. */
  ageMs: number;
  age: string;
  /** The last error's message, redacted and truncated. */
  lastError: string | null;
  preview: PayloadPreview;
  workflowId: string;
  /** The failed workflow run. */
  runId: string;
  enqueuedAt: string;
  firstFailureAt: string;
  lastFailureAt: string;
}

/** The text parts of stored content (an entry is read as it was stored: any shape). */
function textParts(content: unknown): TextPart[] {
  if (!Array.isArray(content)) return [];
  return content.filter(
    (part: unknown): part is TextPart =>
      (part as Partial<TextPart> | null)?.type === 'text' && typeof (part as TextPart).text === 'string',
  );
}

/** Counts the request's messages and the characters of all their text, reading nothing else of them. */
export function messageStats(entry: StoredDlqEntry): { messages: number; promptChars: number } {
  const messages: unknown = entry.payload?.input?.request?.messages;
  if (!Array.isArray(messages)) return { messages: 0, promptChars: 0 };
  const promptChars = messages.reduce<number>((sum, message: unknown) => {
    const content = (message as { content?: unknown } | null)?.content;
    return sum + contentText(typeof content === 'string' ? content : textParts(content)).length;
  }, 0);
  return { messages: messages.length, promptChars };
}

/** `1 message, 42 chars`: the size of a request. */
export function formatRequestSize({
  messages,
  promptChars,
}: {
  messages: number;
  promptChars: number;
}): string {
  return `${countOf(messages, 'message')}, ${promptChars} chars`;
}

/** The request's size, or that the payload does not decrypt (an operator then adds its key). */
function formatPreviewSize(preview: PayloadPreview): string {
  return preview.decryptError === null
    ? formatRequestSize(preview)
    : `does not decrypt (key ${preview.keyId ?? '-'})`;
}

/** One entry as `list` shows it, `now` giving its age. */
export function entryJson(entry: StoredDlqEntry, now: number): DlqEntryJson {
  const ageMs = Math.max(0, now - entry.enqueuedAt);
  return {
    jobId: entry.jobId,
    stream: entry.stream,
    reason: entry.reason,
    ...(entry.stream === 'dead' ? { deadReason: entry.deadReason ?? entry.reason } : {}),
    errorType: entry.errorType ?? null,
    provider: entry.provider,
    operation: entry.operation,
    agent: entry.agent,
    attempts: entry.attempts,
    replayCount: entry.replayCount,
    ageMs,
    age: formatDuration(ageMs),
    lastError: entry.lastError === undefined ? null : truncate(redactText(entry.lastError), JSON_ERROR_CHARS),
    preview: {
      ...messageStats(entry),
      checksum: entry.checksum.slice(0, CHECKSUM_PREFIX),
      keyId: entry.sealedPayload.keyId ?? null,
      decryptError: entry.payloadError ?? null,
    },
    workflowId: entry.workflowId,
    runId: entry.runId,
    enqueuedAt: new Date(entry.enqueuedAt).toISOString(),
    firstFailureAt: entry.firstFailureAt,
    lastFailureAt: entry.lastFailureAt,
  };
}

/** The table of `list`, or of `dead list` (`dead`: with the dead reason). */
export function formatEntries(entries: readonly DlqEntryJson[], dead: boolean): string {
  const header = [
    'job',
    'reason',
    ...(dead ? ['dead reason'] : []),
    'error type',
    'provider',
    'operation',
    'agent',
    'attempts',
    'replays',
    'age',
    'last error',
    'preview',
  ];
  const rows = entries.map((entry) => [
    entry.jobId,
    entry.reason,
    ...(dead ? [entry.deadReason ?? '-'] : []),
    entry.errorType ?? '-',
    entry.provider,
    entry.operation,
    entry.agent,
    entry.attempts,
    entry.replayCount,
    entry.age,
    entry.lastError === null ? '-' : truncate(entry.lastError.replace(/\s+/g, ' '), TABLE_ERROR_CHARS),
    `${formatPreviewSize(entry.preview)}, sha256 ${entry.preview.checksum}`,
  ]);
  return formatTable([header, ...rows]);
}

/** `no entries in ai:dlq (reason retries_exhausted, older than 1h)`. */
export function formatNoEntries(stream: DlqStream, filter: DlqFilter): string {
  const parts = [
    filter.reason !== undefined ? `reason ${filter.reason}` : undefined,
    filter.provider !== undefined ? `provider ${filter.provider}` : undefined,
    filter.olderThanMs !== undefined ? `older than ${formatDuration(filter.olderThanMs)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return `no entries in ai:${stream}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
}
