/**
 * `breakwater dlq …`: read, replay and purge the dead-letter queue (`ai:dlq` and `ai:dead`, Redis
 * Streams, through `DlqStore` and `Replayer`).
 *
 * - `list [--reason <r>] [--provider <p>] [--limit <n>] [--json]`: entries of `ai:dlq`, oldest first.
 * - `stats [--json]`: depth of both streams, by reason and provider, the oldest entry's age, counters.
 * - `show <jobId> [--json]`: one entry, wherever it is.
 * - `replay <jobId>` or `replay --all [--reason <r>] [--provider <p>] [--older-than <d>] [--json]`.
 * - `dead list [--reason <r>] [--provider <p>] [--limit <n>] [--json]`: entries of `ai:dead`.
 * - `purge --older-than <d> [--dead] [--yes] [--json]`: drops old entries, after a confirmation.
 *
 * Nothing here prints a prompt or a response: an entry's payload is only ever summarized (number of
 * messages, their size in characters, a prefix of the payload's checksum), and every free-text field
 * (the last error, model names) goes through `redactText` again before it is shown.
 */
import type Redis from 'ioredis';
import { BreakwaterClient } from '../client/breakwater-client';
import { optionsSchema } from '../client/validation';
import type { BreakwaterConfig } from '../config';
import type { StoredDlqEntry } from '../dlq/dlq-entry';
import { DlqStore, type DlqFilter, type DlqStats } from '../dlq/dlq-store';
import type { DlqStream } from '../dlq/types';
import { Replayer, type ReplayOutcome, type ReplayResult } from '../dlq/replayer';
import { formatTable } from '../format-table';
import type { Logger } from '../observability/logger';
import { redactText } from '../observability/redaction';
import type { KeySpace } from '../redis/keys';
import type { FailureReason, FallbackProvider, TaskPolicy } from '../task';
import {
  formatDuration,
  JSON_FLAG,
  parseArgs,
  parseProviderName,
  UsageError,
  type Command,
  type CommandGroup,
  type CommandSpec,
  type FlagSpec,
  type ParsedArgs,
} from './args';

/** What the dlq commands need from the entry point. */
export interface DlqCommandContext {
  config: BreakwaterConfig;
  keys: KeySpace;
  /** The Redis connection, opened on first use. */
  redis(): Promise<Redis>;
  /** Writes one block of text (a newline is added) to stdout. */
  print(text: string): void;
  /** Structured log (stderr): operator actions are recorded there. */
  logger: Logger;
  /** Whether stdin is a terminal an operator can answer a confirmation on. */
  interactive: boolean;
  /** Writes `question` to the terminal and reads one line of answer; undefined at the end of input. */
  ask(question: string): Promise<string | undefined>;
}

/**
 * A command that parses its own arguments instead of `parseArgs` with its spec (`dlq replay`, whose
 * `<jobId>` may be left out for `--all`). Throws `UsageError` or `RangeError` like `parseArgs`.
 */
export interface SelfParsingCommand<Context> extends Command<Context> {
  parse(argv: readonly string[], path: string): ParsedArgs;
}

/** Every reason a task may end FAILED with (the compiler keeps this in step with `FailureReason`). */
const FAILURE_REASONS: Record<FailureReason, true> = {
  retries_exhausted: true,
  deadline_exceeded: true,
  invalid_input: true,
  provider_configuration: true,
  budget_exceeded: true,
  circuit_open_timeout: true,
  guard_unavailable_timeout: true,
  budget_busy_timeout: true,
  rate_limited: true,
  rate_limit_timeout: true,
  cancelled: true,
};

/** Why an entry is in `ai:dead` besides its failure reason: too many replays. */
const POISONED = 'poisoned';

/** The cluster-wide counters `DlqStore.stats()` keeps, in the order they are shown. */
const COUNTERS = ['enqueued', 'dead', 'replayed', 'poisoned', 'purged', 'trimmed', 'trimmed_dead'] as const;

/** Every outcome of a replay, and `error` for one that threw. */
const OUTCOMES: ReadonlyArray<ReplayOutcome | 'error'> = [
  'started',
  'already_done',
  'already_replayed',
  'in_progress',
  'poisoned',
  'dead',
  'not_found',
  'error',
];

/** How many replays of `replay --all` run at once. */
const REPLAY_CONCURRENCY = 4;
/** How much of the last error a table shows (JSON shows the stored preview, itself at most 500). */
const TABLE_ERROR_CHARS = 60;
const JSON_ERROR_CHARS = 500;
/** How much of the payload's sha256 a preview shows. */
const CHECKSUM_PREFIX = 12;

const JOB_ID = { name: 'jobId', description: "the job's id: the task's idempotency key" };

const REASON_FLAG: FlagSpec = {
  name: 'reason',
  kind: 'string',
  valueName: 'reason',
  description: 'only entries that failed for this reason (e.g. retries_exhausted)',
};
const DEAD_REASON_FLAG: FlagSpec = {
  ...REASON_FLAG,
  description: `only entries with this failure or dead reason (e.g. invalid_input, ${POISONED})`,
};
const PROVIDER_FLAG: FlagSpec = {
  name: 'provider',
  kind: 'string',
  valueName: 'provider',
  description: "only entries of this provider (the request's provider)",
};
const LIMIT_FLAG: FlagSpec = {
  name: 'limit',
  kind: 'string',
  valueName: 'n',
  description: 'show at most this many entries (the oldest; default: all)',
};
const OLDER_THAN_FLAG: FlagSpec = {
  name: 'older-than',
  kind: 'duration',
  valueName: 'duration',
  description: 'only entries added to the queue at least this long ago (e.g. 30m, 2h)',
};
const ALL_FLAG: FlagSpec = {
  name: 'all',
  kind: 'boolean',
  description: 'replay every ai:dlq entry that passes the filters, instead of one <jobId>',
};

// ---------------------------------------------------------------------------------------------
// Arguments

/** Checks a job id as the client checks an idempotency key (`options.idempotencyKey`). */
function parseJobId(value: string): string {
  const result = optionsSchema.shape.idempotencyKey.safeParse(value);
  if (!result.success) {
    throw new RangeError(
      `<${JOB_ID.name}>: '${value}' ${result.error.issues[0]?.message ?? 'is not a valid idempotency key'}`,
    );
  }
  return value;
}

function parseReason(args: ParsedArgs, allowPoisoned: boolean): string | undefined {
  const value = args.string(REASON_FLAG.name);
  if (value === undefined) return undefined;
  const known = [...(allowPoisoned ? [POISONED] : []), ...Object.keys(FAILURE_REASONS)];
  if (!known.includes(value)) {
    throw new RangeError(`--reason: '${value}' is not a failure reason (expected: ${known.join(', ')})`);
  }
  return value;
}

function parseLimit(args: ParsedArgs): number | undefined {
  const value = args.string(LIMIT_FLAG.name);
  if (value === undefined) return undefined;
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`--limit: '${value}' is not a whole number >= 1`);
  }
  return limit;
}

/** The filter flags of `list`, `dead list` and `replay --all`. */
function parseFilter(args: ParsedArgs, allowPoisoned: boolean): DlqFilter {
  const filter: DlqFilter = {};
  const reason = parseReason(args, allowPoisoned);
  if (reason !== undefined) filter.reason = reason;
  const provider = args.string(PROVIDER_FLAG.name);
  if (provider !== undefined) filter.provider = parseProviderName(provider, '--provider');
  return filter;
}

/** A declared positional, or undefined when it was left out (see `SelfParsingCommand`). */
function optionalPositional(args: ParsedArgs, name: string): string | undefined {
  try {
    return args.positional(name);
  } catch (error) {
    if (error instanceof UsageError) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Views: what is shown of an entry (never its prompt)

/** What the payload looks like, without its content. */
interface PayloadPreview {
  /** Messages of the request. */
  messages: number;
  /** Characters of all their contents together. */
  promptChars: number;
  /** The first characters of the payload's sha256 (`checksum`). */
  checksum: string;
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

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Counts the request's messages and their characters, reading nothing else of them. */
function messageStats(entry: StoredDlqEntry): { messages: number; promptChars: number } {
  const messages: unknown = entry.payload?.input?.request?.messages;
  if (!Array.isArray(messages)) return { messages: 0, promptChars: 0 };
  const promptChars = messages.reduce<number>((sum, message: unknown) => {
    const content = (message as { content?: unknown } | null)?.content;
    return sum + (typeof content === 'string' ? content.length : 0);
  }, 0);
  return { messages: messages.length, promptChars };
}

function previewOf(entry: StoredDlqEntry): PayloadPreview {
  return { ...messageStats(entry), checksum: entry.checksum.slice(0, CHECKSUM_PREFIX) };
}

function formatPreview(preview: PayloadPreview): string {
  const messages = `${preview.messages} message${preview.messages === 1 ? '' : 's'}`;
  return `${messages}, ${preview.promptChars} chars, sha256 ${preview.checksum}`;
}

function entryJson(entry: StoredDlqEntry, now: number): DlqEntryJson {
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
    preview: previewOf(entry),
    workflowId: entry.workflowId,
    runId: entry.runId,
    enqueuedAt: new Date(entry.enqueuedAt).toISOString(),
    firstFailureAt: entry.firstFailureAt,
    lastFailureAt: entry.lastFailureAt,
  };
}

function entryDetailJson(entry: StoredDlqEntry, now: number, maxReplays: number): DlqEntryDetailJson {
  const { input, deadlineMs } = entry.payload ?? {};
  const request = input?.request;
  const { messages, promptChars } = messageStats(entry);
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
      messages,
      promptChars,
      maxTokens: request?.maxTokens ?? null,
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

function entriesTable(entries: readonly DlqEntryJson[], dead: boolean): string {
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
    formatPreview(entry.preview),
  ]);
  return formatTable([header, ...rows]);
}

/** `name  value` lines, names padded to one width. */
function fieldLines(fields: ReadonlyArray<readonly [string, string | number]>): string {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}

function describeFilter(filter: DlqFilter): string {
  const parts = [
    filter.reason !== undefined ? `reason ${filter.reason}` : undefined,
    filter.provider !== undefined ? `provider ${filter.provider}` : undefined,
    filter.olderThanMs !== undefined ? `older than ${formatDuration(filter.olderThanMs)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function printJson(context: DlqCommandContext, value: unknown): void {
  context.print(JSON.stringify(value, null, 2));
}

function storeOf(context: DlqCommandContext, redis: Redis): DlqStore {
  return new DlqStore(redis, context.keys, context.config.dlq);
}

/** Records who did what to the dead-letter queue in the structured log (stderr). */
function logAction(
  context: DlqCommandContext,
  action: string,
  fields: Record<string, unknown>,
  level: 'warn' | 'error' = 'warn',
): void {
  context.logger[level](
    { operator: process.env.USER ?? 'unknown', action, ...fields },
    'dlq operator action',
  );
}

// ---------------------------------------------------------------------------------------------
// Commands

/** `list` and `dead list`: the entries of one stream. */
function listCommand(stream: DlqStream): Command<DlqCommandContext> {
  const dead = stream === 'dead';
  return {
    name: dead ? 'dead list' : 'list',
    summary: dead ? 'entries of ai:dead (input errors, poisoned jobs)' : 'entries of ai:dlq, oldest first',
    positionals: [],
    flags: [dead ? DEAD_REASON_FLAG : REASON_FLAG, PROVIDER_FLAG, LIMIT_FLAG, JSON_FLAG],
    async run(context, args) {
      const filter = parseFilter(args, dead);
      const limit = parseLimit(args);
      if (limit !== undefined) filter.limit = limit;
      const store = storeOf(context, await context.redis());
      const now = Date.now();
      const entries = (await store.list(stream, filter)).map((entry) => entryJson(entry, now));
      if (args.boolean(JSON_FLAG.name)) return printJson(context, entries);
      if (entries.length === 0) {
        return context.print(`no entries in ai:${stream}${describeFilter(filter)}`);
      }
      context.print(entriesTable(entries, dead));
    },
  };
}

/** What `stats --json` prints. */
export interface DlqStatsJson {
  depth: number;
  deadDepth: number;
  byReason: Record<string, number>;
  byProvider: Record<string, number>;
  /** When the oldest ai:dlq entry was added (ISO-8601), and how long ago. */
  oldestAt: string | null;
  oldestAgeMs: number | null;
  counters: Record<(typeof COUNTERS)[number], number>;
}

function statsJson(stats: DlqStats, now: number): DlqStatsJson {
  const counters = Object.fromEntries(
    COUNTERS.map((name) => [name, stats.counters[name] ?? 0]),
  ) as DlqStatsJson['counters'];
  return {
    depth: stats.depth,
    deadDepth: stats.deadDepth,
    byReason: stats.byReason,
    byProvider: stats.byProvider,
    oldestAt: stats.oldestMs === null ? null : new Date(stats.oldestMs).toISOString(),
    oldestAgeMs: stats.oldestMs === null ? null : Math.max(0, now - stats.oldestMs),
    counters,
  };
}

/** Rows of a count by name, largest first. */
function countTable(title: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return formatTable([[title, 'entries'], ...rows]);
}

const stats: Command<DlqCommandContext> = {
  name: 'stats',
  summary: 'depth by stream, reason and provider; the oldest entry; counters',
  positionals: [],
  flags: [JSON_FLAG],
  async run(context, args) {
    const store = storeOf(context, await context.redis());
    const shown = statsJson(await store.stats(), Date.now());
    if (args.boolean(JSON_FLAG.name)) return printJson(context, shown);
    const entries = (count: number) => `${count} ${count === 1 ? 'entry' : 'entries'}`;
    const lines = [
      `ai:dlq   ${entries(shown.depth)}${
        shown.oldestAgeMs === null ? '' : `, the oldest added ${formatDuration(shown.oldestAgeMs)} ago`
      }`,
      `ai:dead  ${entries(shown.deadDepth)}`,
    ];
    if (shown.depth > 0) {
      lines.push('', countTable('reason', shown.byReason), '', countTable('provider', shown.byProvider));
    }
    lines.push(
      '',
      formatTable([
        ['counter (cluster-wide)', 'total'],
        ...COUNTERS.map((name) => [name, shown.counters[name]]),
      ]),
    );
    context.print(lines.join('\n'));
  },
};

function detailLines(detail: DlqEntryDetailJson): string {
  const { request, policy } = detail;
  const fields: Array<[string, string | number]> = [
    ['job', detail.jobId],
    ['stream', `ai:${detail.stream}`],
    ['reason', detail.reason],
  ];
  if (detail.deadReason !== undefined) fields.push(['dead reason', detail.deadReason]);
  fields.push(
    ['error type', detail.errorType ?? '-'],
    ['last error', detail.lastError ?? '-'],
    ['attempts', detail.attempts],
    ['replays', `${detail.replayCount} of ${detail.maxReplays} allowed (DLQ_MAX_REPLAYS)`],
    ['provider', request.provider],
    ['model', request.model],
    [
      'request',
      `${request.messages} message${request.messages === 1 ? '' : 's'}, ${request.promptChars} chars, ` +
        `maxTokens ${request.maxTokens ?? 'default'}` +
        (request.temperature === null ? '' : `, temperature ${request.temperature}`),
    ],
    ['checksum', `sha256 ${detail.checksum}`],
    [
      'fallbacks',
      detail.fallbacks.length === 0
        ? '-'
        : detail.fallbacks
            .map((fallback) =>
              fallback.model ? `${fallback.provider} (${fallback.model})` : fallback.provider,
            )
            .join(', '),
    ],
    ['operation', detail.operation],
    ['agent', detail.agent],
    ['priority', detail.priority ?? '-'],
    ['agent run', detail.agentRunId ?? '-'],
    ['turn', detail.turn ?? '-'],
    ['deadline', detail.deadlineMs === null ? '-' : `${formatDuration(detail.deadlineMs)} from the start`],
  );
  if (policy) {
    const { retry } = policy;
    fields.push(
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
    );
  }
  fields.push(
    ['workflow', detail.workflowId],
    ['failed run', detail.runId],
    ['enqueued', `${detail.enqueuedAt} (${detail.age} ago)`],
    ['first failure', detail.firstFailureAt],
    ['last failure', detail.lastFailureAt],
  );
  return fieldLines(fields);
}

const show: Command<DlqCommandContext> = {
  name: 'show',
  summary: 'one entry of ai:dlq or ai:dead, in detail',
  positionals: [JOB_ID],
  flags: [JSON_FLAG],
  async run(context, args) {
    const jobId = parseJobId(args.positional(JOB_ID.name));
    const store = storeOf(context, await context.redis());
    const entry = await store.get(jobId);
    if (!entry) {
      const replayedRun = await store.replayedRun(jobId);
      throw new Error(
        replayedRun
          ? `no entry for job '${jobId}': it was replayed (run ${replayedRun})`
          : `no entry for job '${jobId}' in ai:dlq or ai:dead (never failed, purged or trimmed)`,
      );
    }
    const detail = entryDetailJson(entry, Date.now(), store.settings.maxReplays);
    if (args.boolean(JSON_FLAG.name)) return printJson(context, detail);
    context.print(detailLines(detail));
  },
};

/** One replay's result, or the error it threw. */
type ReplayLine = ReplayResult | { jobId: string; outcome: 'error'; detail: string };

/** Replays `jobIds` a few at a time; a replay that throws is reported, and the others go on. */
async function replayEach(
  context: DlqCommandContext,
  replayer: Replayer,
  jobIds: readonly string[],
): Promise<ReplayLine[]> {
  const lines: ReplayLine[] = new Array<ReplayLine>(jobIds.length);
  let next = 0;
  const lane = async () => {
    while (next < jobIds.length) {
      const index = next++;
      const jobId = jobIds[index]!;
      try {
        const result = await replayer.replay(jobId);
        lines[index] = result;
        logAction(context, 'replay', {
          jobId,
          outcome: result.outcome,
          detail: result.detail,
          runId: result.runId,
          replayCount: result.replayCount,
        });
      } catch (error) {
        const detail = redactText(error instanceof Error ? error.message : String(error));
        lines[index] = { jobId, outcome: 'error', detail };
        logAction(context, 'replay', { jobId, outcome: 'error', detail }, 'error');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REPLAY_CONCURRENCY, jobIds.length) }, lane));
  return lines;
}

function summaryOf(lines: readonly ReplayLine[]): Record<ReplayOutcome | 'error', number> {
  const summary = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    ReplayOutcome | 'error',
    number
  >;
  for (const line of lines) summary[line.outcome] += 1;
  return summary;
}

const replaySpec: CommandSpec = {
  name: 'replay',
  summary: 'start one entry, or every matching one, again under its idempotency key',
  positionals: [{ ...JOB_ID, description: `${JOB_ID.description}; leave it out with --all` }],
  flags: [ALL_FLAG, REASON_FLAG, PROVIDER_FLAG, OLDER_THAN_FLAG, JSON_FLAG],
};

const replay: SelfParsingCommand<DlqCommandContext> = {
  ...replaySpec,
  parse(argv, path) {
    // <jobId> is optional: without it the arguments parse as a command with no positional.
    try {
      return parseArgs(argv, { ...replaySpec, positionals: [] }, path);
    } catch {
      return parseArgs(argv, replaySpec, path);
    }
  },
  async run(context, args) {
    const rawJobId = optionalPositional(args, JOB_ID.name);
    const all = args.boolean(ALL_FLAG.name);
    if (rawJobId !== undefined && all) throw new UsageError('give either <jobId> or --all, not both');
    if (rawJobId === undefined && !all) throw new UsageError('missing <jobId> (or --all)');
    const filter = parseFilter(args, false);
    const olderThanMs = args.duration(OLDER_THAN_FLAG.name);
    if (olderThanMs !== undefined) filter.olderThanMs = olderThanMs;
    if (rawJobId !== undefined) {
      const given = [REASON_FLAG, PROVIDER_FLAG, OLDER_THAN_FLAG].find(
        (flag) => args.string(flag.name) !== undefined || args.duration(flag.name) !== undefined,
      );
      if (given) throw new UsageError(`--${given.name}: only with --all (filters select the entries)`);
    }
    const jobId = rawJobId === undefined ? undefined : parseJobId(rawJobId);
    const store = storeOf(context, await context.redis());
    const jobIds =
      jobId !== undefined ? [jobId] : (await store.list('dlq', filter)).map((entry) => entry.jobId);
    let lines: ReplayLine[] = [];
    if (jobIds.length > 0) {
      const client = await BreakwaterClient.connect(context.config);
      try {
        lines = await replayEach(context, new Replayer({ store, client, logger: context.logger }), jobIds);
      } finally {
        await client.close();
      }
    }
    const summary = summaryOf(lines);
    if (args.boolean(JSON_FLAG.name)) {
      printJson(context, { results: lines, summary });
    } else if (lines.length === 0) {
      context.print(`no entries in ai:dlq${describeFilter(filter)}: nothing replayed`);
    } else {
      const table = formatTable([
        ['job', 'outcome', 'detail'],
        ...lines.map((line) => [line.jobId, line.outcome, line.detail]),
      ]);
      const counts = OUTCOMES.filter((outcome) => summary[outcome] > 0)
        .map((outcome) => `${outcome} ${summary[outcome]}`)
        .join(', ');
      context.print(
        `${table}\n\nsummary: ${counts} (${lines.length} ${lines.length === 1 ? 'job' : 'jobs'})`,
      );
    }
    const failed = lines.filter((line) => line.outcome === 'error');
    if (failed.length > 0) {
      throw new Error(
        `${failed.length} of ${lines.length} replays threw: ` +
          failed.map((line) => `${line.jobId} (${line.detail})`).join('; '),
      );
    }
  },
};

const purge: Command<DlqCommandContext> = {
  name: 'purge',
  summary: 'drop old entries of ai:dlq (or ai:dead), after a confirmation',
  positionals: [],
  flags: [
    {
      ...OLDER_THAN_FLAG,
      required: true,
      description: 'drop entries added at least this long ago (0s: all)',
    },
    { name: 'dead', kind: 'boolean', description: 'purge ai:dead instead of ai:dlq' },
    {
      name: 'yes',
      kind: 'boolean',
      description: 'do not ask for confirmation (needed when stdin is not a terminal)',
    },
    JSON_FLAG,
  ],
  async run(context, args) {
    const olderThanMs = args.duration(OLDER_THAN_FLAG.name) ?? 0;
    const stream: DlqStream = args.boolean('dead') ? 'dead' : 'dlq';
    const confirmed = args.boolean('yes');
    if (!confirmed && !context.interactive) {
      throw new UsageError('stdin is not a terminal, so purge cannot ask for confirmation: pass --yes');
    }
    const store = storeOf(context, await context.redis());
    const age = formatDuration(olderThanMs);
    if (!confirmed) {
      const count = (await store.list(stream, { olderThanMs })).length;
      if (count === 0) {
        return context.print(`no entries older than ${age} in ai:${stream}: nothing purged`);
      }
      const answer = await context.ask(
        `Purge ${count} ${count === 1 ? 'entry' : 'entries'} older than ${age} from ai:${stream}? [y/N] `,
      );
      if (!/^y(es)?$/i.test(answer?.trim() ?? '')) return context.print('not confirmed: nothing purged');
    }
    const purged = await store.purge(stream, olderThanMs);
    logAction(context, 'purge', { stream, olderThanMs, purged });
    if (args.boolean(JSON_FLAG.name)) return printJson(context, { stream, olderThanMs, purged });
    context.print(
      `purged ${purged} ${purged === 1 ? 'entry' : 'entries'} older than ${age} from ai:${stream}`,
    );
  },
};

/** The `dlq` command group. */
export const dlqCommands: CommandGroup<DlqCommandContext> = {
  name: 'dlq',
  summary: 'list, count, replay and purge the dead-letter queue (ai:dlq, ai:dead)',
  commands: [listCommand('dlq'), stats, show, replay, listCommand('dead'), purge],
};
