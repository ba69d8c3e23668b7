/** How `dlq replay` shows what it did: one row per job, a summary by outcome, and JSON. */
import type { DlqFilter } from '../../dlq/dlq-store';
import type { ReplayOutcome, ReplayResult } from '../../dlq/replayer';
import { formatTable } from '../../format-table';
import { formatNoEntries } from './dlq-entry';
import { countOf, toJson } from './format';

/** One replay's result, or the error it threw. */
export type ReplayLine = ReplayResult | { jobId: string; outcome: 'error'; detail: string };

/** Every outcome of a replay, and `error` for one that threw. */
const OUTCOMES: ReadonlyArray<ReplayOutcome | 'error'> = [
  'started',
  'already_done',
  'already_replayed',
  'in_progress',
  'poisoned',
  'dead',
  'not_found',
  'undecryptable',
  'error',
];

function summaryOf(lines: readonly ReplayLine[]): Record<ReplayOutcome | 'error', number> {
  const summary = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    ReplayOutcome | 'error',
    number
  >;
  for (const line of lines) summary[line.outcome] += 1;
  return summary;
}

/** What `replay --json` prints: every result, and how many ended with each outcome. */
export function formatReplayJson(lines: readonly ReplayLine[]): string {
  return toJson({ results: lines, summary: summaryOf(lines) });
}

/** What `replay` prints: a table of the results and a summary, or that the filter matched nothing. */
export function formatReplay(lines: readonly ReplayLine[], filter: DlqFilter): string {
  if (lines.length === 0) return `${formatNoEntries('dlq', filter)}: nothing replayed`;
  const summary = summaryOf(lines);
  const table = formatTable([
    ['job', 'outcome', 'detail'],
    ...lines.map((line) => [line.jobId, line.outcome, line.detail]),
  ]);
  const counts = OUTCOMES.filter((outcome) => summary[outcome] > 0)
    .map((outcome) => `${outcome} ${summary[outcome]}`)
    .join(', ');
  return `${table}\n\nsummary: ${counts} (${countOf(lines.length, 'job')})`;
}
