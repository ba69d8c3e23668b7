/**
 * The product's Prometheus metrics. Labels carry configured names and fixed enumerations only,
 * never user input.
 */
import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import { BREAKER_STATES, type BreakerStateName } from '../breaker/types';
import { microsToUsd } from '../money';
import { LEDGER_STATES, type LedgerState } from '../task';

/** Reads the dead-letter queue's cluster-wide numbers at scrape time. */
export type DlqSource = () => Promise<{ depth: number; deadDepth: number; counters: Record<string, number> }>;

/** Reads the shared breaker states (provider → 0=CLOSED, 1=OPEN, 2=HALF_OPEN) at scrape time. */
/** Reads breaker states at scrape time: a provider's, or a guarded tool's (`TOOL_GUARDS`). */
export type BreakerStateSource = () => Promise<
  Array<{ provider: string; state: BreakerStateName } | { tool: string; state: BreakerStateName }>
>;

/** Counts the tasks in each ledger state at scrape time (from Temporal visibility). */
export type TaskCountSource = () => Promise<Record<LedgerState, number>>;

/** Reads today's cluster-wide budget (UTC day) at scrape time, in micro-dollars; limit 0 = none. */
export type DailyBudgetSource = () => Promise<{
  spentMicros: number;
  reservedMicros: number;
  limitMicros: number;
}>;

/** Reads degraded mode and the waiting tasks (cluster-wide, from Redis) at scrape time. */
export type DegradedSource = () => Promise<{
  active: boolean;
  waiting?: { QUEUED: number; BLOCKED: number };
  submits?: { shed: Record<string, number> };
}>;

export interface BreakwaterMetrics {
  registry: Registry;
  /** LLM calls that reached a provider, by outcome (`success`, `retryable`, `rate_limited`, `input`, …). */
  llmCalls: Counter<'provider' | 'outcome'>;
  llmCallDuration: Histogram<'provider' | 'outcome'>;
  llmTokens: Counter<'provider' | 'kind'>;
  /** Provider calls slower than `LLM_SLOW_CALL_MS`, whatever their outcome. */
  llmSlowCalls: Counter<'provider'>;
  /** Admission decisions of the shared guard. */
  guardAdmissions: Counter<'provider' | 'decision'>;
  /** Settles that could not reach Redis, by what became of them: delivered later, or given up. */
  guardLateSettles: Counter<'result'>;
  /**
   * Retries that returned the answer an earlier attempt of the same call received (kept in Redis)
   * instead of calling the provider again: the earlier attempt's completion never reached Temporal.
   */
  answersRecovered: Counter<'provider'>;
  /** Tasks that ended FAILED and were routed, by reason. */
  tasksRouted: Counter<'reason'>;
  /** The shared breaker state per provider, read from Redis when scraped (not one worker's view). */
  /** A provider's breaker (`provider` label) or a guarded tool's (`tool` label). */
  breakerState: Gauge<'provider' | 'tool'>;
  /** Breaker transitions observed by this worker (each transition is observed by exactly one worker). */
  /** A provider's breaker (`provider` label) or a guarded tool's (`tool` label), as `breakerState`. */
  breakerTransitions: Counter<'provider' | 'tool' | 'from' | 'to'>;
  breakerRejections: Counter<'provider' | 'tool' | 'state'>;
  /** Tokens of settled calls, by operation. */
  budgetTokensUsed: Counter<'operation'>;
  /**
   * Cost of settled calls in US dollars, by operation (`ai_token_cost_usd_total`). The deprecated
   * `ai_token_cost_usd_milliseconds` (milli-USD) follows it, for one release.
   */
  budgetCostUsd: Counter<'operation'>;
  /** The configured default ceilings, by scope kind. */
  budgetLimit: Gauge<'scope'>;
  budgetRefusals: Counter<'scope'>;
  rateLimitWaits: Counter<'provider' | 'mode'>;
  /** Registers where `ai_circuit_breaker_state` reads from; returns the unregister function. */
  addBreakerStateSource(source: BreakerStateSource): () => void;
  /** Registers where the `ai_dlq_*` metrics read from (the shared DLQ); returns the unregister function. */
  setDlqSource(source: DlqSource): () => void;
  /** Registers where `ai_tasks{state}` reads from; returns the unregister function. */
  setTaskCountSource(source: TaskCountSource): () => void;
  /** Registers where the `ai_budget_*_usd{scope="daily"}` metrics read from; returns the unregister function. */
  setDailyBudgetSource(source: DailyBudgetSource): () => void;
  /**
   * Registers where `ai_degraded_active`, `ai_tasks_waiting{state}` and `ai_submits_shed_total{priority}`
   * read from; returns the unregister function.
   */
  setDegradedSource(source: DegradedSource): () => void;
}

/**
 * A source that a worker plugs in, read at most once per scrape however many metrics collect from
 * it; a failed read reports nothing rather than failing the scrape.
 */
function scrapeSource<T>(): {
  read: () => Promise<T | undefined>;
  set: (source: () => Promise<T>) => () => void;
} {
  let current: (() => Promise<T>) | undefined;
  let snapshot: Promise<T | undefined> | undefined;
  return {
    read: () => {
      snapshot ??= (current ? current().catch(() => undefined) : Promise.resolve(undefined)).finally(() =>
        setImmediate(() => (snapshot = undefined)),
      );
      return snapshot;
    },
    set: (source) => {
      current = source;
      snapshot = undefined;
      return () => {
        if (current !== source) return;
        current = undefined;
        snapshot = undefined;
      };
    },
  };
}

/** The DLQ metrics mirror cluster-wide counters kept in Redis, so every worker reports the same values. */
const DLQ_COUNTERS = [
  ['ai_dlq_enqueued_total', 'enqueued', 'Tasks added to ai:dlq'],
  ['ai_dlq_replayed_total', 'replayed', 'DLQ entries replayed (their new workflow started)'],
  ['ai_dlq_poisoned_total', 'poisoned', 'DLQ entries moved to ai:dead after too many replays'],
  ['ai_dlq_dead_total', 'dead', 'Tasks routed straight to ai:dead (input errors)'],
  ['ai_dlq_purged_total', 'purged', 'DLQ entries purged by an operator'],
] as const;

const byRegistry = new WeakMap<Registry, BreakwaterMetrics>();

/** The metrics registered on `registry` (default: prom-client's global registry), created once. */
export function getMetrics(registry: Registry = defaultRegistry): BreakwaterMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const stateSources = new Set<BreakerStateSource>();
  const dlq = scrapeSource<Awaited<ReturnType<DlqSource>>>();
  const taskCounts = scrapeSource<Awaited<ReturnType<TaskCountSource>>>();
  const dailyBudget = scrapeSource<Awaited<ReturnType<DailyBudgetSource>>>();
  const degraded = scrapeSource<Awaited<ReturnType<DegradedSource>>>();
  new Gauge({
    name: 'ai_degraded_active',
    help: 'Degraded mode, cluster-wide: 1 while on (every breaker open, forced, or Redis unreachable), else 0',
    registers,
    async collect() {
      this.reset();
      const status = await degraded.read();
      if (status) this.set(status.active ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ai_tasks_waiting',
    help: 'Tasks of the task queue waiting, as load shedding counts them (Redis): QUEUED (submitted, first call not admitted yet) and BLOCKED',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const waiting = (await degraded.read())?.waiting;
      if (!waiting) return;
      this.set({ state: 'QUEUED' }, waiting.QUEUED);
      this.set({ state: 'BLOCKED' }, waiting.BLOCKED);
    },
  });
  new Counter({
    name: 'ai_submits_shed_total',
    help: 'Submits refused with OverloadedError past DEGRADED_QUEUE_LIMIT, cluster-wide, by priority',
    labelNames: ['priority'],
    registers,
    async collect() {
      const shed = (await degraded.read())?.submits?.shed;
      if (!shed) return;
      this.reset();
      for (const [priority, count] of Object.entries(shed)) this.inc({ priority }, count);
    },
  });
  for (const [name, counter, help] of DLQ_COUNTERS) {
    new Counter({
      name,
      help,
      registers,
      async collect() {
        const snapshot = await dlq.read();
        if (!snapshot) return;
        this.reset();
        this.inc(snapshot.counters[counter] ?? 0);
      },
    });
  }
  new Counter({
    name: 'ai_dlq_trimmed_total',
    help: 'Dead-letter entries trimmed by length or age, by stream (dlq or dead)',
    labelNames: ['stream'],
    registers,
    async collect() {
      const snapshot = await dlq.read();
      if (!snapshot) return;
      this.reset();
      this.inc({ stream: 'dlq' }, snapshot.counters.trimmed ?? 0);
      this.inc({ stream: 'dead' }, snapshot.counters.trimmed_dead ?? 0);
    },
  });
  new Gauge({
    name: 'ai_dlq_depth',
    help: 'Entries in the dead-letter streams, by stream (dlq or dead)',
    labelNames: ['stream'],
    registers,
    async collect() {
      const snapshot = await dlq.read();
      if (!snapshot) return;
      this.set({ stream: 'dlq' }, snapshot.depth);
      this.set({ stream: 'dead' }, snapshot.deadDepth);
    },
  });
  new Gauge({
    name: 'ai_tasks',
    help:
      'Tasks on the task queue by ledger state, counted by Temporal visibility when scraped ' +
      '(QUEUED to BLOCKED: open tasks; DONE, FAILED: closed tasks within the namespace retention)',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const counts = await taskCounts.read();
      if (!counts) return;
      for (const state of LEDGER_STATES) this.set({ state }, counts[state]);
    },
  });
  // Labelled by scope (only `daily` is cluster-wide and cumulative), so a failed read reports no series rather than 0.
  const budgetGauges = [
    [
      'ai_budget_spent_usd',
      'spentMicros',
      'Spent against a budget scope (daily: today, UTC, cluster-wide, counted while a daily ceiling is set), USD',
    ],
    ['ai_budget_reserved_usd', 'reservedMicros', 'Reserved in a budget scope by calls in flight, USD'],
    [
      'ai_budget_limit_usd',
      'limitMicros',
      'The ceiling in force for a budget scope (operator override or default), USD; 0 = none',
    ],
  ] as const;
  for (const [name, field, help] of budgetGauges) {
    new Gauge({
      name,
      help,
      labelNames: ['scope'],
      registers,
      async collect() {
        this.reset();
        const budget = await dailyBudget.read();
        if (budget) this.set({ scope: 'daily' }, microsToUsd(budget[field]));
      },
    });
  }
  const budgetCostUsd = new Counter({
    name: 'ai_token_cost_usd_total',
    help: 'Cost of settled LLM calls in US dollars, by operation',
    labelNames: ['operation'],
    registers,
  });
  // Kept for one release so that existing queries keep their meaning: the same cost, in milli-USD.
  new Counter({
    name: 'ai_token_cost_usd_milliseconds',
    help: 'DEPRECATED: use ai_token_cost_usd_total (USD); removed in the next release. Cost of settled LLM calls in thousandths of a US dollar (milli-USD), by operation',
    labelNames: ['operation'],
    registers,
    async collect() {
      this.reset();
      for (const { labels, value } of (await budgetCostUsd.get()).values) this.inc(labels, value * 1000);
    },
  });
  const metrics: BreakwaterMetrics = {
    registry,
    llmCalls: new Counter({
      name: 'ai_llm_calls_total',
      help: 'LLM provider calls by outcome',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    llmCallDuration: new Histogram({
      name: 'ai_llm_call_duration_seconds',
      help: 'Duration of LLM provider calls',
      labelNames: ['provider', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    llmTokens: new Counter({
      name: 'ai_llm_tokens_total',
      help: 'Tokens reported by providers, by kind (prompt or completion)',
      labelNames: ['provider', 'kind'],
      registers,
    }),
    llmSlowCalls: new Counter({
      name: 'ai_llm_slow_calls_total',
      help: 'LLM provider calls slower than LLM_SLOW_CALL_MS, whatever their outcome',
      labelNames: ['provider'],
      registers,
    }),
    guardAdmissions: new Counter({
      name: 'ai_guard_admissions_total',
      help: 'Admission decisions of the shared guard',
      labelNames: ['provider', 'decision'],
      registers,
    }),
    guardLateSettles: new Counter({
      name: 'ai_guard_late_settles_total',
      help: 'Settles that could not reach Redis: delivered later, or given up (lease_ended, closed)',
      labelNames: ['result'],
      registers,
    }),
    answersRecovered: new Counter({
      name: 'ai_answers_recovered_total',
      help: 'Retries answered with the kept answer of an earlier attempt whose completion was lost, not by the provider',
      labelNames: ['provider'],
      registers,
    }),
    tasksRouted: new Counter({
      name: 'ai_tasks_failed_routed_total',
      help: 'Tasks that ended FAILED and were routed, by reason',
      labelNames: ['reason'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'ai_circuit_breaker_state',
      help: 'Shared circuit breaker state per provider (label provider) or guarded tool (label tool): 0=CLOSED, 1=OPEN, 2=HALF_OPEN',
      labelNames: ['provider', 'tool'],
      registers,
      async collect() {
        this.reset();
        for (const source of stateSources) {
          const states = await source().catch(() => []);
          for (const entry of states) {
            const labels = 'tool' in entry ? { tool: entry.tool } : { provider: entry.provider };
            this.set(labels, BREAKER_STATES.indexOf(entry.state));
          }
        }
      },
    }),
    breakerTransitions: new Counter({
      name: 'ai_circuit_breaker_transitions_total',
      help: 'Circuit breaker transitions, by provider (label provider) or guarded tool (label tool), and states',
      labelNames: ['provider', 'tool', 'from', 'to'],
      registers,
    }),
    breakerRejections: new Counter({
      name: 'ai_circuit_breaker_rejections_total',
      help: 'Calls the circuit breaker refused, by provider (label provider) or guarded tool (label tool), and breaker state',
      labelNames: ['provider', 'tool', 'state'],
      registers,
    }),
    budgetTokensUsed: new Counter({
      name: 'ai_token_budget_used_total',
      help: 'Tokens of settled LLM calls charged to budgets, by operation',
      labelNames: ['operation'],
      registers,
    }),
    budgetCostUsd,
    budgetLimit: new Gauge({
      name: 'ai_token_budget_limit',
      help: 'Configured default budget ceilings by scope kind (USD for *_usd scopes, else count); 0 = none',
      labelNames: ['scope'],
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'ai_budget_refusals_total',
      help: 'Calls a budget scope refused, by scope',
      labelNames: ['scope'],
      registers,
    }),
    rateLimitWaits: new Counter({
      name: 'ai_rate_limit_waits_total',
      help: 'Calls the shared rate limit held back, by provider and mode (wait or refuse)',
      labelNames: ['provider', 'mode'],
      registers,
    }),
    addBreakerStateSource(source) {
      stateSources.add(source);
      return () => stateSources.delete(source);
    },
    setDlqSource: dlq.set,
    setTaskCountSource: taskCounts.set,
    setDailyBudgetSource: dailyBudget.set,
    setDegradedSource: degraded.set,
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
