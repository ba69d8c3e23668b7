/**
 * The product's Prometheus metrics. Labels carry configured names and fixed enumerations only,
 * never user input.
 */
import { Counter, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

export interface BreakwaterMetrics {
  registry: Registry;
  /** LLM calls that reached a provider, by outcome (`success`, `retryable`, `rate_limited`, `input`, …). */
  llmCalls: Counter<'provider' | 'outcome'>;
  llmCallDuration: Histogram<'provider' | 'outcome'>;
  llmTokens: Counter<'provider' | 'kind'>;
  /** Admission decisions of the shared guard. */
  guardAdmissions: Counter<'provider' | 'decision'>;
  /** Tasks that ended FAILED and were routed, by reason. */
  tasksRouted: Counter<'reason'>;
}

const byRegistry = new WeakMap<Registry, BreakwaterMetrics>();

/** The metrics registered on `registry` (default: prom-client's global registry), created once. */
export function getMetrics(registry: Registry = defaultRegistry): BreakwaterMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
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
    guardAdmissions: new Counter({
      name: 'ai_guard_admissions_total',
      help: 'Admission decisions of the shared guard',
      labelNames: ['provider', 'decision'],
      registers,
    }),
    tasksRouted: new Counter({
      name: 'ai_tasks_failed_routed_total',
      help: 'Tasks that ended FAILED and were routed, by reason',
      labelNames: ['reason'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
