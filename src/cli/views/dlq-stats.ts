/** How `dlq stats` shows the queue: depths, counts by reason and provider, the oldest entry, counters. */
import type { DlqStats } from '../../dlq/dlq-store';
import { formatTable } from '../../format-table';
import { countOf, formatDuration } from './format';

/** The cluster-wide counters `DlqStore.stats()` keeps, in the order they are shown. */
const COUNTERS = ['enqueued', 'dead', 'replayed', 'poisoned', 'purged', 'trimmed', 'trimmed_dead'] as const;

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

/** The stats as `stats` shows them, `now` giving the oldest entry's age. */
export function statsJson(stats: DlqStats, now: number): DlqStatsJson {
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

/** What `stats` prints. */
export function formatStats(stats: DlqStatsJson): string {
  const oldest =
    stats.oldestAgeMs === null ? '' : `, the oldest added ${formatDuration(stats.oldestAgeMs)} ago`;
  const lines = [
    `ai:dlq   ${countOf(stats.depth, 'entry', 'entries')}${oldest}`,
    `ai:dead  ${countOf(stats.deadDepth, 'entry', 'entries')}`,
  ];
  if (stats.depth > 0) {
    lines.push('', countTable('reason', stats.byReason), '', countTable('provider', stats.byProvider));
  }
  lines.push(
    '',
    formatTable([
      ['counter (cluster-wide)', 'total'],
      ...COUNTERS.map((name) => [name, stats.counters[name]]),
    ]),
  );
  return lines.join('\n');
}
