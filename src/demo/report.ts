/** The demo's closing summary. */
import { formatTable } from '../format-table';
import { percentile } from '../percentiles';
import type { LedgerState } from '../task';
import type { Expectation } from './workload';

export interface TaskOutcome {
  key: string;
  expected: Expectation;
  /** `refused` when the client refused the input and nothing started. */
  state: LedgerState | 'refused';
  reason?: string;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs?: number;
}

export interface DemoSummary {
  outcomes: TaskOutcome[];
  wallMs: number;
  providerCalls: number;
  duplicateSubmits: number;
  duplicateExecutions: number;
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value).toLocaleString('en-US')} ms`);

/** Whether an outcome is what the workload meant it to be. */
export function asExpected(outcome: TaskOutcome): boolean {
  if (outcome.expected === 'refused') return outcome.state === 'refused';
  if (outcome.expected === 'done') return outcome.state === 'DONE';
  return outcome.state === 'FAILED' && outcome.reason === outcome.expected;
}

export function formatSummary(summary: DemoSummary): string {
  const { outcomes } = summary;
  const started = outcomes.filter((outcome) => outcome.state !== 'refused');
  const byState = new Map<string, TaskOutcome[]>();
  for (const outcome of outcomes) {
    const label =
      outcome.state === 'FAILED'
        ? `FAILED (${outcome.reason})`
        : outcome.state === 'refused'
          ? 'refused at submit (bad input)'
          : outcome.state;
    byState.set(label, [...(byState.get(label) ?? []), outcome]);
  }
  const stateRows = [...byState.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, group]) => {
      const latencies = group.flatMap((outcome) =>
        outcome.latencyMs === undefined ? [] : [outcome.latencyMs],
      );
      return [
        label,
        group.length,
        group.reduce((sum, outcome) => sum + outcome.attempts, 0),
        group.reduce((sum, outcome) => sum + outcome.promptTokens + outcome.completionTokens, 0),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 95)),
      ];
    });
  const latencies = started.flatMap((outcome) =>
    outcome.latencyMs === undefined ? [] : [outcome.latencyMs],
  );
  const attempts = started.reduce((sum, outcome) => sum + outcome.attempts, 0);
  const tokens = started.reduce((sum, outcome) => sum + outcome.promptTokens + outcome.completionTokens, 0);
  const retried = started.filter((outcome) => outcome.attempts > 1).length;
  const totalRow = [
    'all tasks',
    outcomes.length,
    attempts,
    tokens,
    ms(percentile(latencies, 50)),
    ms(percentile(latencies, 95)),
  ];
  const throughput = started.length / (summary.wallMs / 1000);
  const expected = outcomes.filter(asExpected).length;
  return [
    formatTable([
      ['ledger state', 'tasks', 'attempts', 'tokens', 'p50 latency', 'p95 latency'],
      ...stateRows,
      totalRow,
    ]),
    '',
    `tasks retried at least once: ${retried}; provider calls received: ${summary.providerCalls}`,
    `duplicate submits: ${summary.duplicateSubmits}, new executions from them: ${summary.duplicateExecutions}`,
    `outcomes as the workload intended: ${expected}/${outcomes.length}`,
    `wall time ${(summary.wallMs / 1000).toFixed(1)} s, throughput ${throughput.toFixed(1)} tasks/s`,
  ].join('\n');
}
