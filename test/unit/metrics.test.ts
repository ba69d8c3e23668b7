import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { getMetrics } from '../../src/observability/metrics';
import { taskCountQuery } from '../../src/status/task-queries';

const COUNTS = { QUEUED: 1, RUNNING: 2, RETRY: 0, BLOCKED: 3, DONE: 40, FAILED: 5 };

function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`));
}

describe('scrape-time metrics', () => {
  it('reports tasks by ledger state from the task count source', async () => {
    const metrics = getMetrics(new Registry());
    expect(samples(await metrics.registry.metrics(), 'ai_tasks')).toEqual([]);

    const remove = metrics.setTaskCountSource(async () => COUNTS);
    expect(samples(await metrics.registry.metrics(), 'ai_tasks')).toEqual([
      'ai_tasks{state="QUEUED"} 1',
      'ai_tasks{state="RUNNING"} 2',
      'ai_tasks{state="RETRY"} 0',
      'ai_tasks{state="BLOCKED"} 3',
      'ai_tasks{state="DONE"} 40',
      'ai_tasks{state="FAILED"} 5',
    ]);

    remove();
    expect(samples(await metrics.registry.metrics(), 'ai_tasks')).toEqual([]);
  });

  it("reports today's budget in USD, reading the source once per scrape", async () => {
    const metrics = getMetrics(new Registry());
    let reads = 0;
    metrics.setDailyBudgetSource(async () => {
      reads += 1;
      return { spentMicros: 4_500_000, reservedMicros: 250_000, limitMicros: 5_000_000 };
    });
    const text = await metrics.registry.metrics();
    expect(samples(text, 'ai_budget_spent_usd')).toEqual(['ai_budget_spent_usd{scope="daily"} 4.5']);
    expect(samples(text, 'ai_budget_reserved_usd')).toEqual(['ai_budget_reserved_usd{scope="daily"} 0.25']);
    expect(samples(text, 'ai_budget_limit_usd')).toEqual(['ai_budget_limit_usd{scope="daily"} 5']);
    expect(reads).toBe(1);
  });

  it('reports nothing, and still answers the scrape, when a source fails', async () => {
    const metrics = getMetrics(new Registry());
    metrics.setTaskCountSource(async () => COUNTS);
    metrics.setDailyBudgetSource(async () => ({ spentMicros: 1, reservedMicros: 0, limitMicros: 0 }));
    await metrics.registry.metrics();

    metrics.setTaskCountSource(() => Promise.reject(new Error('visibility unavailable')));
    metrics.setDailyBudgetSource(() => Promise.reject(new Error('redis down')));
    const text = await metrics.registry.metrics();
    expect(samples(text, 'ai_tasks')).toEqual([]);
    expect(samples(text, 'ai_budget_spent_usd')).toEqual([]);
    expect(samples(text, 'ai_budget_limit_usd')).toEqual([]);
  });
});

describe('taskCountQuery', () => {
  it('counts running workflows for an open state, every FAILED workflow, and completed tasks as DONE', () => {
    expect(taskCountQuery('breakwater', 'BLOCKED')).toBe(
      "TaskQueue = 'breakwater' AND LedgerState = 'BLOCKED' AND ExecutionStatus = 'Running'",
    );
    expect(taskCountQuery('breakwater', 'FAILED')).toBe(
      "TaskQueue = 'breakwater' AND LedgerState = 'FAILED'",
    );
    expect(taskCountQuery('breakwater', 'DONE')).toBe(
      "TaskQueue = 'breakwater' AND LedgerState IN ('QUEUED', 'RUNNING', 'RETRY', 'BLOCKED', 'DONE') " +
        "AND ExecutionStatus = 'Completed'",
    );
  });

  it('quotes the task queue name', () => {
    expect(taskCountQuery("o'brien\\q", 'FAILED')).toBe(
      "TaskQueue = 'o\\'brien\\\\q' AND LedgerState = 'FAILED'",
    );
  });
});
