/**
 * The status snapshot (seed 002's cockpit): every provider's breaker, the budgets nearest their
 * ceilings, the dead-letter queue, degraded mode, the tasks by ledger state and the ledger
 * statistics, read together. The worker serves it at `/status`; `breakwater status` prints it.
 *
 * One row of `SECTIONS` per section: a new section is one more row (and its field in
 * `StatusSections`). A section that cannot be read is reported in `errors`, the others still are.
 */
import type { Client } from '@temporalio/client';
import type { RedisBreaker } from '../breaker/redis-breaker';
import type { BreakerStatus } from '../breaker/types';
import type { ScopeStatus, TokenManager } from '../budget/token-manager';
import type { DegradedMode, DegradedStatus } from '../degraded/degraded-mode';
import type { DlqStats, DlqStore } from '../dlq/dlq-store';
import { errorMessage } from '../error-message';
import { toolBreakerName } from '../redis/keys';
import type { LedgerState } from '../task';
import { budgetsNearCeiling, type BudgetUsage } from './budget-usage';
import { readLedgerStatistics, type LedgerStatistics } from './ledger-statistics';
import { countTasksByState } from './task-queries';

/** Where the snapshot reads from: shared state in Redis, and Temporal for the tasks. */
export interface StatusSources {
  breaker: RedisBreaker;
  /** The guarded tools' breakers (`TOOL_GUARDS`), each with the tool's settings: listed after the providers' as `tool:<name>`. */
  toolBreakers?: ReadonlyArray<{ tool: string; breaker: RedisBreaker }>;
  tokens: TokenManager;
  dlq: DlqStore;
  degraded: DegradedMode;
  /** The task queue whose tasks are counted; without it the tasks and ledger sections are left out. */
  temporal?: { client: Client; taskQueue: string };
  /** The ledger statistics' recent window. */
  ledgerWindowMs: number;
}

/** The budgets section: the cluster-wide scopes (as `budget show` reads them), nearest their ceilings first. */
export interface BudgetsStatus {
  scopes: ScopeStatus[];
  overrides: Record<string, number>;
  nearest: BudgetUsage[];
}

/** The tasks section: counts by ledger state, one visibility count per state. */
export interface TasksStatus {
  taskQueue: string;
  byState: Record<LedgerState, number>;
}

export interface StatusSections {
  breakers: BreakerStatus[];
  budgets: BudgetsStatus;
  dlq: DlqStats;
  degraded: DegradedStatus;
  tasks: TasksStatus;
  ledger: LedgerStatistics;
}

export type SectionName = keyof StatusSections;

export type StatusSnapshot = Partial<StatusSections> & {
  /** When it was read (ISO-8601). */
  at: string;
  /** The sections that could not be read, with why. */
  errors: Partial<Record<SectionName, string>>;
};

/** Reads one section; undefined when it does not apply (no Temporal client given). */
type SectionReader<Name extends SectionName> = (
  sources: StatusSources,
  now: number,
) => Promise<StatusSections[Name] | undefined>;

const SECTIONS: { [Name in SectionName]: SectionReader<Name> } = {
  breakers: async ({ breaker, toolBreakers = [] }) => {
    const providers = await breaker.knownProviders();
    return Promise.all([
      ...providers.map((provider) => breaker.status(provider)),
      ...toolBreakers.map(({ tool, breaker: toolBreaker }) => toolBreaker.status(toolBreakerName(tool))),
    ]);
  },
  budgets: async ({ tokens }) => {
    const shown = await tokens.show({});
    return { ...shown, nearest: budgetsNearCeiling(shown.scopes) };
  },
  dlq: ({ dlq }) => dlq.stats(),
  degraded: ({ degraded }) => degraded.status(),
  tasks: async ({ temporal }) =>
    temporal && {
      taskQueue: temporal.taskQueue,
      byState: await countTasksByState(temporal.client, temporal.taskQueue),
    },
  ledger: async ({ temporal, ledgerWindowMs }, now) =>
    temporal && readLedgerStatistics(temporal.client, temporal.taskQueue, ledgerWindowMs, now),
};

/** The section names, in the order they are shown. */
export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

/** Reads `names` (default: every section) at once. */
export async function readStatusSnapshot(
  sources: StatusSources,
  names: readonly SectionName[] = SECTION_NAMES,
): Promise<StatusSnapshot> {
  const now = Date.now();
  const read = async <Name extends SectionName>(name: Name) => {
    try {
      return { value: await (SECTIONS[name] as SectionReader<Name>)(sources, now) };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  };
  const results = await Promise.all(names.map(read));
  const snapshot: StatusSnapshot = { at: new Date(now).toISOString(), errors: {} };
  names.forEach((name, index) => {
    const result = results[index]!;
    if ('error' in result) snapshot.errors[name] = result.error;
    else if (result.value !== undefined) Object.assign(snapshot, { [name]: result.value });
  });
  return snapshot;
}
