/**
 * The ledger statistics (seed 001) of a task queue, from Temporal visibility: tasks by priority (one
 * count per priority), by agent, the retry rate and the p50/p95 time in each state, over a recent
 * window: the tasks open now or closed within it. Times and retries cover the tasks that closed within
 * the window: from the memo a task writes when it ends (`LEDGER_TIMES_MEMO`), or, for a task that went
 * straight to `DONE` (it writes none), from its `QueuedMs` and its start and close times.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { LEDGER_TIMES_MEMO, straightToDoneTimes, type LedgerTimes } from '../ledger';
import { percentile } from '../percentiles';
import { AgentKey, QueuedMsKey, visibilityText } from '../search-attributes';
import { PRIORITIES, type LedgerState, type Priority } from '../task';
import { recentTasksQuery } from './task-queries';

/** The most tasks one reading lists; past it, agents, retries and times are of a sample. */
export const LEDGER_SAMPLE_LIMIT = 1000;

/** The time tasks spent in one state. */
export interface StateTimes {
  /** Closed tasks that spent time in the state. */
  tasks: number;
  p50Ms: number;
  p95Ms: number;
}

export interface LedgerStatistics {
  windowMs: number;
  /** The window's start (ISO-8601). */
  since: string;
  /** Tasks open now or closed within the window, by priority. */
  byPriority: Record<Priority, number>;
  /** The same tasks by agent (of the listed ones: see `listed` and `complete`). */
  byAgent: Record<string, number>;
  /** Tasks listed; `complete` is false when the window holds more than `LEDGER_SAMPLE_LIMIT`. */
  listed: number;
  complete: boolean;
  /** Listed tasks that closed within the window with their ledger times. */
  closed: number;
  /** Of those, the tasks that retried at least once, and their retries in all. */
  retried: number;
  retries: number;
  /** `retried / closed`; null when none closed. */
  retryRate: number | null;
  /** The time closed tasks spent in each state they passed through. */
  timeInState: Partial<Record<LedgerState, StateTimes>>;
}

/** The ledger times of a finished task; undefined for an open task (or an older one). */
function timesOf(info: WorkflowExecutionInfo): LedgerTimes | undefined {
  const times = info.memo?.[LEDGER_TIMES_MEMO] as LedgerTimes | undefined;
  if (times && typeof times === 'object' && typeof times.retries === 'number') return times;
  const queuedMs = info.typedSearchAttributes.get(QueuedMsKey);
  if (info.status.name !== 'COMPLETED' || queuedMs === undefined || !info.closeTime) return undefined;
  return straightToDoneTimes(queuedMs, info.closeTime.getTime() - info.startTime.getTime());
}

async function countByPriority(client: Client, population: string): Promise<Record<Priority, number>> {
  const counts = await Promise.all(
    PRIORITIES.map(
      async (priority) =>
        (await client.workflow.count(`${population} AND Priority = ${visibilityText(priority)}`)).count,
    ),
  );
  return Object.fromEntries(PRIORITIES.map((priority, index) => [priority, counts[index]!])) as Record<
    Priority,
    number
  >;
}

/** The statistics of `taskQueue`'s tasks open now or closed within `windowMs` before `now`. */
export async function readLedgerStatistics(
  client: Client,
  taskQueue: string,
  windowMs: number,
  now: number = Date.now(),
): Promise<LedgerStatistics> {
  const since = new Date(now - windowMs);
  const population = recentTasksQuery(taskQueue, since);
  const byAgent: Record<string, number> = {};
  const durations = new Map<LedgerState, number[]>();
  let listed = 0;
  let closed = 0;
  let retried = 0;
  let retries = 0;
  for await (const info of client.workflow.list({ query: population, pageSize: 200 })) {
    if (listed === LEDGER_SAMPLE_LIMIT) break;
    listed++;
    const agent = info.typedSearchAttributes.get(AgentKey) ?? '(none)';
    byAgent[agent] = (byAgent[agent] ?? 0) + 1;
    const times = timesOf(info);
    if (!times) continue;
    closed++;
    retries += times.retries;
    if (times.retries > 0) retried++;
    for (const [state, ms] of Object.entries(times.msInState) as Array<[LedgerState, number]>) {
      durations.set(state, [...(durations.get(state) ?? []), ms]);
    }
  }
  const timeInState: LedgerStatistics['timeInState'] = {};
  for (const [state, values] of durations) {
    timeInState[state] = {
      tasks: values.length,
      p50Ms: percentile(values, 50),
      p95Ms: percentile(values, 95),
    };
  }
  return {
    windowMs,
    since: since.toISOString(),
    byPriority: await countByPriority(client, population),
    byAgent,
    listed,
    complete: listed < LEDGER_SAMPLE_LIMIT,
    closed,
    retried,
    retries,
    retryRate: closed === 0 ? null : retried / closed,
    timeInState,
  };
}
