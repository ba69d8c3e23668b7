import type { WorkerStatus } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { BreakerStatus } from '../../src/breaker/types';
import type { ScopeStatus } from '../../src/budget/token-manager';
import type { DegradedStatus } from '../../src/degraded/degraded-mode';
import type { DlqStats } from '../../src/dlq/dlq-store';
import { healthHttpStatus, healthReport } from '../../src/observability/health';
import { componentHealth, type HealthFacts } from '../../src/plugin/health-components';
import { budgetsNearCeiling } from '../../src/status/budget-usage';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

const POLLING: WorkerStatus = {
  runState: 'RUNNING',
  workflowPollerState: 'POLLING',
  activityPollerState: 'POLLING',
  hasOutstandingWorkflowPoll: true,
  hasOutstandingActivityPoll: true,
  numInFlightWorkflowActivations: 0,
  numInFlightActivities: 0,
  numInFlightNonLocalActivities: 0,
  numInFlightLocalActivities: 0,
  numCachedWorkflows: 0,
  numHeartbeatingActivities: 0,
};

const EMPTY_DLQ: DlqStats = {
  depth: 0,
  deadDepth: 0,
  byReason: {},
  byProvider: {},
  oldestMs: null,
  newestMs: null,
  counters: {},
};

const DEGRADED_OFF: DegradedStatus = {
  active: false,
  reason: null,
  forced: false,
  readonly: true,
  resilienceEnabled: true,
  queueLimit: 10_000,
};

function daily(spent: number, reserved: number, limit: number): ScopeStatus {
  return { scope: 'daily', unit: 'micro_usd', limit, spent, reserved, remaining: limit - spent - reserved };
}

function breaker(provider: string, state: BreakerStatus['state'], retryAfterMs = 0): BreakerStatus {
  return {
    provider,
    state,
    retryAfterMs,
    inFlight: 0,
    probesInFlight: 0,
    counts: {
      consecutiveFailures: 0,
      halfOpenSuccesses: 0,
      windowCalls: 0,
      windowFailures: 0,
      distinctFailingWorkers: 0,
    },
    stats: {},
  };
}

/** Facts of a worker where everything is fine, with `change` applied. */
function facts(change: Partial<HealthFacts> = {}): HealthFacts {
  const scopes = [daily(0, 0, 10_000_000)];
  return {
    worker: POLLING,
    snapshot: {
      at: new Date(NOW).toISOString(),
      errors: {},
      breakers: [breaker('openai', 'CLOSED')],
      budgets: { scopes, overrides: {}, nearest: budgetsNearCeiling(scopes) },
      dlq: EMPTY_DLQ,
      degraded: DEGRADED_OFF,
    },
    config: {
      guard: { failOpen: false, unavailableRetryMs: 5000 },
      health: { dlqDepthThreshold: 100, dlqGrowthWindowMs: 300_000 },
      resilience: { enabled: true },
    },
    now: NOW,
    ...change,
  };
}

function statuses(input: HealthFacts): Record<string, string> {
  return Object.fromEntries(
    Object.entries(componentHealth(input)).map(([name, { status }]) => [name, status]),
  );
}

function withSnapshot(change: Partial<HealthFacts['snapshot']>): HealthFacts {
  const base = facts();
  return { ...base, snapshot: { ...base.snapshot, ...change } };
}

describe('health components', () => {
  it('are all healthy when everything answers and nothing is near a limit', () => {
    const report = healthReport(componentHealth(facts()));
    expect(report.status).toBe('healthy');
    expect(Object.keys(report.components)).toEqual([
      'temporal',
      'pollers',
      'redis',
      'breakers',
      'budgets',
      'dlq',
      'degraded',
      'resilience',
    ]);
    expect(report.components.budgets?.detail).toBe('daily at 0% of its ceiling');
  });

  it('are unhealthy when a poller does not poll or the worker does not run', () => {
    for (const worker of [
      { ...POLLING, activityPollerState: 'FAILED' as const },
      { ...POLLING, workflowPollerState: 'SHUTDOWN' as const },
      { ...POLLING, runState: 'STOPPING' as const },
    ]) {
      const pollers = componentHealth(facts({ worker })).pollers!;
      expect(pollers.status).toBe('unhealthy');
      expect(pollers.detail).toBe(
        `worker ${worker.runState}, workflow poller ${worker.workflowPollerState}, activity poller ${worker.activityPollerState}`,
      );
    }
  });

  it('make Temporal without an answer degraded: the pollers retry', () => {
    expect(statuses(facts({ temporalError: 'no answer within 2000 ms' })).temporal).toBe('degraded');
  });

  it('make Redis down unhealthy when the guard fails closed, degraded when it fails open', () => {
    expect(statuses(facts({ redisError: 'Connection is closed.' })).redis).toBe('unhealthy');
    const open = facts({ redisError: 'Connection is closed.' });
    open.config = { ...open.config, guard: { failOpen: true, unavailableRetryMs: 5000 } };
    expect(statuses(open).redis).toBe('degraded');
  });

  it('make an OPEN breaker degraded, naming it and its time to half-open; HALF_OPEN is healthy', () => {
    const open = componentHealth(
      withSnapshot({ breakers: [breaker('openai', 'OPEN', 42_000), breaker('anthropic', 'HALF_OPEN')] }),
    ).breakers;
    expect(open).toEqual({ status: 'degraded', detail: 'OPEN: openai (half-open in 42s)' });
    expect(componentHealth(withSnapshot({ breakers: [breaker('anthropic', 'HALF_OPEN')] })).breakers).toEqual(
      {
        status: 'healthy',
        detail: 'anthropic HALF_OPEN',
      },
    );
  });

  it('make a budget degraded at 90% of its ceiling (spent plus reserved), not below', () => {
    const at = (spent: number, reserved: number) => {
      const scopes = [daily(spent, reserved, 10_000_000)];
      return componentHealth(
        withSnapshot({ budgets: { scopes, overrides: {}, nearest: budgetsNearCeiling(scopes) } }),
      ).budgets!;
    };
    expect(at(8_000_000, 999_999).status).toBe('healthy');
    expect(at(8_000_000, 1_000_000)).toEqual({
      status: 'degraded',
      detail: 'near the ceiling: daily at 90%',
    });
    expect(at(10_000_000, 0).status).toBe('degraded');
  });

  it('make the DLQ degraded over its depth threshold, or while it grew within the window', () => {
    const dlq = (depth: number, newestAgoMs: number | null) =>
      componentHealth(
        withSnapshot({
          dlq: { ...EMPTY_DLQ, depth, newestMs: newestAgoMs === null ? null : NOW - newestAgoMs },
        }),
      ).dlq!;
    expect(dlq(101, 3_600_000)).toEqual({ status: 'degraded', detail: 'ai:dlq holds 101, over 100' });
    expect(dlq(100, 3_600_000)).toEqual({ status: 'healthy', detail: 'ai:dlq holds 100' });
    expect(dlq(3, 60_000)).toEqual({
      status: 'degraded',
      detail: 'ai:dlq holds 3; growing: the newest was added 1m ago',
    });
    expect(dlq(3, 300_000).status).toBe('healthy');
    expect(dlq(0, null).status).toBe('healthy');
  });

  it('make a section that could not be read degraded, naming why', () => {
    const input = withSnapshot({ errors: { breakers: 'Connection is closed.' } });
    delete input.snapshot.breakers;
    expect(componentHealth(input).breakers).toEqual({
      status: 'degraded',
      detail: 'not read: Connection is closed.',
    });
  });
});

describe('healthReport', () => {
  it('is as bad as the worst component, and only unhealthy answers 503', () => {
    const report = (...list: Array<'healthy' | 'degraded' | 'unhealthy'>) =>
      healthReport(Object.fromEntries(list.map((status, index) => [`c${index}`, { status, detail: '' }])))
        .status;
    expect(report()).toBe('healthy');
    expect(report('healthy', 'degraded')).toBe('degraded');
    expect(report('degraded', 'unhealthy', 'healthy')).toBe('unhealthy');
    expect(healthHttpStatus('healthy')).toBe(200);
    expect(healthHttpStatus('degraded')).toBe(200);
    expect(healthHttpStatus('unhealthy')).toBe(503);
  });

  it('make degraded mode on degraded (200), naming why, and whether submits are parked', () => {
    const on = (change: Partial<DegradedStatus>) =>
      componentHealth(withSnapshot({ degraded: { ...DEGRADED_OFF, active: true, ...change } })).degraded!;
    expect(on({ reason: 'all_breakers_open', since: '2026-01-01T11:59:00.000Z' })).toEqual({
      status: 'degraded',
      detail: 'on (all_breakers_open) since 2026-01-01T11:59:00.000Z: submits are parked',
    });
    expect(on({ reason: 'forced', forced: true, forcedBy: 'ops', readonly: false })).toEqual({
      status: 'degraded',
      detail: 'on (forced, forced by ops): submits are refused (ServiceDegradedError)',
    });
    expect(
      healthReport(componentHealth(withSnapshot({ degraded: { ...DEGRADED_OFF, active: true } }))).status,
    ).toBe('degraded');
    const unread = withSnapshot({ degraded: undefined, errors: { degraded: 'no answer' } });
    expect(componentHealth(unread).degraded).toEqual({ status: 'degraded', detail: 'not read: no answer' });
  });

  it('say loudly that RESILIENCE_ENABLED=false runs calls unguarded, without failing the worker', () => {
    const base = facts();
    const report = healthReport(
      componentHealth({ ...base, config: { ...base.config, resilience: { enabled: false } } }),
    );
    expect(report.status).toBe('degraded');
    expect(healthHttpStatus(report.status)).toBe(200);
    expect(report.components.resilience?.detail).toContain('RESILIENCE_ENABLED=false');
  });
});
