/**
 * The rule table of `/health`: one row per component, each reading the facts gathered for one
 * request. A new component is one more row. `docs/production.md` ("Health") shows the same table.
 */
import type { WorkerStatus } from '@temporalio/worker';
import type { BreakwaterConfig } from '../config';
import type { ComponentHealth } from '../observability/health';
import type { StatusSnapshot } from '../status/status-snapshot';
import { formatDuration, formatShare } from '../format-units';

/** A budget scope using this share of its ceiling or more makes the worker degraded. */
export const BUDGET_DEGRADED_SHARE = 0.9;

/** What the rows read, gathered once per `/health` request. */
export interface HealthFacts {
  /** The worker's run state and its pollers'. */
  worker: WorkerStatus;
  /** Why Temporal did not answer; undefined when it did. */
  temporalError?: string;
  /** Why Redis did not answer; undefined when every primary did. */
  redisError?: string;
  /** The breakers, budgets, dlq and degraded sections of the status snapshot. */
  snapshot: StatusSnapshot;
  config: Pick<BreakwaterConfig, 'guard' | 'health' | 'resilience'>;
  now: number;
}

interface HealthComponent {
  name: string;
  check(facts: HealthFacts): ComponentHealth;
}

const healthy = (detail: string): ComponentHealth => ({ status: 'healthy', detail });
const degraded = (detail: string): ComponentHealth => ({ status: 'degraded', detail });
const unhealthy = (detail: string): ComponentHealth => ({ status: 'unhealthy', detail });

/** A section of the snapshot, or the degraded health of a section that could not be read. */
function sectionOf<Name extends 'breakers' | 'budgets' | 'dlq' | 'degraded'>(
  snapshot: StatusSnapshot,
  name: Name,
): NonNullable<StatusSnapshot[Name]> | ComponentHealth {
  const value = snapshot[name];
  return value ?? degraded(`not read: ${snapshot.errors[name] ?? 'no answer'}`);
}

function isHealth(value: object): value is ComponentHealth {
  return 'status' in value && 'detail' in value && !Array.isArray(value);
}

export const HEALTH_COMPONENTS: readonly HealthComponent[] = [
  {
    name: 'temporal',
    check: ({ temporalError }) =>
      temporalError === undefined
        ? healthy('the server answers')
        : degraded(`the server does not answer (${temporalError}); the pollers keep retrying`),
  },
  {
    name: 'pollers',
    check: ({ worker }) => {
      const detail =
        `worker ${worker.runState}, workflow poller ${worker.workflowPollerState}, ` +
        `activity poller ${worker.activityPollerState}`;
      const polling =
        worker.runState === 'RUNNING' &&
        worker.workflowPollerState === 'POLLING' &&
        worker.activityPollerState === 'POLLING';
      return polling ? healthy(detail) : unhealthy(detail);
    },
  },
  {
    name: 'redis',
    check: ({ redisError, config }) => {
      const mode = config.guard.failOpen ? 'fail-open' : 'fail-closed';
      if (redisError === undefined) return healthy(`answers; the guard is ${mode}`);
      return config.guard.failOpen
        ? degraded(`does not answer (${redisError}); fail-open: calls run without the guard`)
        : unhealthy(`does not answer (${redisError}); fail-closed: every call waits BLOCKED`);
    },
  },
  {
    name: 'breakers',
    check: ({ snapshot }) => {
      const breakers = sectionOf(snapshot, 'breakers');
      if (isHealth(breakers)) return breakers;
      const open = breakers.filter((status) => status.state === 'OPEN');
      if (open.length > 0) {
        const listed = open.map(
          (status) => `${status.provider} (half-open in ${formatDuration(status.retryAfterMs)})`,
        );
        return degraded(`OPEN: ${listed.join(', ')}`);
      }
      return healthy(
        breakers.length === 0
          ? 'no provider has a breaker yet'
          : breakers.map((status) => `${status.provider} ${status.state}`).join(', '),
      );
    },
  },
  {
    name: 'budgets',
    check: ({ snapshot }) => {
      const budgets = sectionOf(snapshot, 'budgets');
      if (isHealth(budgets)) return budgets;
      const near = budgets.nearest.filter((usage) => usage.share >= BUDGET_DEGRADED_SHARE);
      if (near.length > 0) {
        const listed = near.map((usage) => `${usage.scope} at ${formatShare(usage.share)}`);
        return degraded(`near the ceiling: ${listed.join(', ')}`);
      }
      const top = budgets.nearest[0];
      return healthy(
        top ? `${top.scope} at ${formatShare(top.share)} of its ceiling` : 'no ceiling with a total',
      );
    },
  },
  {
    name: 'dlq',
    check: ({ snapshot, config, now }) => {
      const dlq = sectionOf(snapshot, 'dlq');
      if (isHealth(dlq)) return dlq;
      const { dlqDepthThreshold, dlqGrowthWindowMs } = config.health;
      const depth = `ai:dlq holds ${dlq.depth}`;
      if (dlq.depth > dlqDepthThreshold) return degraded(`${depth}, over ${dlqDepthThreshold}`);
      const sinceNewest = dlq.newestMs === null ? undefined : now - dlq.newestMs;
      if (sinceNewest !== undefined && dlqGrowthWindowMs > 0 && sinceNewest < dlqGrowthWindowMs) {
        return degraded(`${depth}; growing: the newest was added ${formatDuration(sinceNewest)} ago`);
      }
      return healthy(depth);
    },
  },
  {
    name: 'degraded',
    check: ({ snapshot }) => {
      const mode = sectionOf(snapshot, 'degraded');
      if (isHealth(mode)) return mode;
      if (!mode.active) return healthy('off');
      const forced = mode.forced ? `, forced by ${mode.forcedBy ?? 'an operator'}` : '';
      const since = mode.since === undefined ? '' : ` since ${mode.since}`;
      const submits = mode.readonly ? 'submits are parked' : 'submits are refused (ServiceDegradedError)';
      return degraded(`on (${mode.reason ?? 'unknown'}${forced})${since}: ${submits}`);
    },
  },
  {
    name: 'resilience',
    check: ({ config }) =>
      config.resilience.enabled
        ? healthy('breakers, budgets and rate limits guard every call')
        : degraded(
            "RESILIENCE_ENABLED=false: calls run under Temporal's retry policy alone, " +
              'with no breaker, budget, rate limit, parking or shedding',
          ),
  },
];

/** Each component's health from `facts`, by name. */
export function componentHealth(facts: HealthFacts): Record<string, ComponentHealth> {
  return Object.fromEntries(HEALTH_COMPONENTS.map((component) => [component.name, component.check(facts)]));
}
