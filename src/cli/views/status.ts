/**
 * How `breakwater status` shows the status snapshot: one screen of sections, each from the view of
 * the command it summarises where there is one (`breaker status`, `dlq stats`), and JSON.
 */
import type { LedgerStatistics } from '../../status/ledger-statistics';
import type { BudgetUsage } from '../../status/budget-usage';
import { formatShare } from '../../format-units';
import type { SectionName, StatusSnapshot, TasksStatus } from '../../status/status-snapshot';
import { formatTable } from '../../format-table';
import { formatUsd } from '../../money';
import { LEDGER_STATES, PRIORITIES } from '../../task';
import { formatStatusTable } from './breaker';
import { formatDegradedStatus } from './degraded';
import { formatStats, statsJson } from './dlq-stats';
import { formatDuration, toJson } from './format';

function amountOf(usage: BudgetUsage, micros: number): string {
  return usage.unit === 'micro_usd' ? formatUsd(micros) : String(micros);
}

function formatBudgets(nearest: readonly BudgetUsage[]): string {
  if (nearest.length === 0) return '(no cluster-wide scope with a ceiling: see budget show)';
  return formatTable([
    ['scope', 'unit', 'limit', 'used', 'share'],
    ...nearest.map((usage) => [
      usage.scope,
      usage.unit === 'micro_usd' ? 'usd' : usage.unit,
      amountOf(usage, usage.limit),
      amountOf(usage, usage.used),
      formatShare(usage.share),
    ]),
  ]);
}

function formatTasks(tasks: TasksStatus): string {
  return formatTable([['state', 'tasks'], ...LEDGER_STATES.map((state) => [state, tasks.byState[state]])]);
}

function countTable(title: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return formatTable([[title, 'tasks'], ...rows]);
}

function formatLedger(ledger: LedgerStatistics): string {
  const sample = ledger.complete ? '' : ` (agents, retries and times of the ${ledger.listed} newest)`;
  const retryRate =
    ledger.retryRate === null
      ? 'no task closed in the window'
      : `${formatShare(ledger.retryRate)} of ${ledger.closed} closed tasks retried (${ledger.retries} retries)`;
  const times = LEDGER_STATES.flatMap((state) => {
    const time = ledger.timeInState[state];
    return time ? [[state, time.tasks, formatDuration(time.p50Ms), formatDuration(time.p95Ms)]] : [];
  });
  return [
    `window: tasks open now or closed in the last ${formatDuration(ledger.windowMs)}${sample}`,
    '',
    formatTable([
      ['priority', 'tasks'],
      ...PRIORITIES.map((priority) => [priority, ledger.byPriority[priority]]),
    ]),
    '',
    countTable('agent', ledger.byAgent),
    '',
    `retry rate: ${retryRate}`,
    '',
    times.length === 0
      ? 'time in state: no task closed in the window'
      : formatTable([['time in state', 'tasks', 'p50', 'p95'], ...times]),
  ].join('\n');
}

/** Each section's title and body, in the snapshot's order. */
const SECTION_VIEWS: { [Name in SectionName]: (snapshot: StatusSnapshot) => [string, string] | undefined } = {
  breakers: ({ breakers }) =>
    breakers && [
      'Circuit breakers',
      breakers.length === 0 ? '(no provider has a breaker yet)' : formatStatusTable(breakers),
    ],
  budgets: ({ budgets }) => budgets && ['Budgets nearest their ceilings', formatBudgets(budgets.nearest)],
  dlq: ({ dlq, at }) => dlq && ['Dead-letter queue', formatStats(statsJson(dlq, Date.parse(at)))],
  degraded: ({ degraded }) => degraded && ['Degraded mode', formatDegradedStatus(degraded)],
  tasks: ({ tasks }) =>
    tasks && [`Tasks by ledger state (task queue ${tasks.taskQueue})`, formatTasks(tasks)],
  ledger: ({ ledger }) => ledger && ['Ledger statistics', formatLedger(ledger)],
};

/** What `status` prints: every section that was read, then those that could not be. */
export function formatStatus(snapshot: StatusSnapshot): string {
  const blocks = [`Breakwater status at ${snapshot.at}`];
  for (const [name, view] of Object.entries(SECTION_VIEWS) as Array<
    [SectionName, (s: StatusSnapshot) => [string, string] | undefined]
  >) {
    const shown = view(snapshot);
    if (shown) blocks.push(`== ${shown[0]}\n\n${shown[1]}`);
    const error = snapshot.errors[name];
    if (error !== undefined) blocks.push(`== ${name}: not read (${error})`);
  }
  return blocks.join('\n\n');
}

/** What `status --json` prints. */
export function formatStatusJson(snapshot: StatusSnapshot): string {
  return toJson(snapshot);
}
