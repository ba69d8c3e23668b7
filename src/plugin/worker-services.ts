/**
 * What a Breakwater worker runs on besides Temporal: the Redis guard, the DLQ, the providers, the
 * activities built from them, and the `/metrics`, `/health`, `/ready` and `/status` endpoints.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Worker } from '@temporalio/worker';
import { collectDefaultMetrics, register as defaultRegistry, type Registry } from 'prom-client';
import { createActivities, type BreakwaterActivities } from '../../activities';
import type { SlowCallHook } from '../../activities/slow-calls';
import type { AiSdkProviderDeps } from '../ai-sdk';
import { KeptAnswers } from '../answers/kept-answers';
import { RedisBreaker } from '../breaker/redis-breaker';
import { CallCosting } from '../budget/call-costing';
import { PriceBook } from '../budget/pricing';
import { TokenManager } from '../budget/token-manager';
import { ConfigError, type BreakwaterConfig } from '../config';
import { AlertDispatcher } from '../alerts/alert-dispatcher';
import { DegradedMode } from '../degraded/degraded-mode';
import { WaitingReconciler } from '../degraded/waiting-reconciler';
import { deltaWriters } from '../deltas/delta-writer';
import { DlqStore } from '../dlq/dlq-store';
import { createGuard } from '../guard/create-guard';
import { ToolGuard, type ToolBreakerStateChange } from '../guard/tool-guard';
import type { BreakerStateChange } from '../guard/redis-guard';
import { TracedGuard } from '../guard/traced-guard';
import { microsToUsd } from '../money';
import { startHttpServer } from '../observability/http-server';
import { createLogger, type Logger } from '../observability/logger';
import { getMetrics, type BreakwaterMetrics } from '../observability/metrics';
import { tracingFor } from '../observability/tracing';
import { closeRedis, createRedis } from '../redis/connection';
import { DegradedScripts } from '../redis/degraded-scripts';
import { toolBreakerName } from '../redis/keys';
import { ToolScripts } from '../redis/tool-scripts';
import { firstSecurityProblem } from '../redis/connection-security';
import { ProviderRegistry } from '../providers/registry';
import { readStatusSnapshot, type StatusSources } from '../status/status-snapshot';
import { createHealth, createReadiness } from './http-health';
import { scrapeTemporalMetrics } from './temporal-runtime';
import { dailyBudgetSource, taskCountSource } from './metric-sources';

/** What the services are built with, beside the configuration. */
export interface WorkerServicesOptions {
  logger?: Logger;
  /** Registry of the `/metrics` endpoint and the product's metrics (default: prom-client's global one). */
  registry?: Registry;
  /** Called for every circuit breaker transition this worker's calls cause. */
  onBreakerStateChange?: (change: BreakerStateChange) => void;
  /** Called for every provider call of this worker slower than `LLM_SLOW_CALL_MS`. */
  onSlowCall?: SlowCallHook;
  /** Called for every transition of a tool's breaker (`TOOL_GUARDS`) this worker's calls cause. */
  onToolBreakerStateChange?: (change: ToolBreakerStateChange) => void;
}

export interface WorkerServices {
  /** This worker's identity in the shared breaker state. */
  workerId: string;
  /** The shared breaker, for status and operator actions. */
  breaker: RedisBreaker;
  /** `RESILIENCE_ENABLED`: false means calls run under Temporal's retry policy alone (no guard). */
  resilienceEnabled: boolean;
  /** Degraded mode and the waiting tasks of the configured task queue (for health and status). */
  degradedMode: DegradedMode;
  activities: BreakwaterActivities;
  /** The guard of the activities `TOOL_GUARDS` names (none while `RESILIENCE_ENABLED=false`). */
  toolGuard: ToolGuard;
  /** What the AI SDK guard is built from. */
  aiSdkDeps: AiSdkProviderDeps;
  logger: Logger;
  /**
   * Serves `worker`'s metrics (its queue's tasks by ledger state, from Temporal) and starts
   * `/metrics`, `/health`, `/ready` and `/status` (once), the reconciliation of its queue's waiting
   * tasks and, with `ALERT_WEBHOOK_URL`, the alert delivery; resolves to the endpoints' base URL.
   */
  serve(worker: Worker): Promise<string | undefined>;
  /**
   * Waits for Redis's first answer: throws a `ConfigError` naming the variable when it refuses the
   * credentials or the TLS handshake. An unreachable Redis passes: tasks wait it out (fail closed).
   */
  assertRedisAccess(): Promise<void>;
  /** Stops the endpoints and closes Redis; safe to call twice. */
  close(): Promise<void>;
}

const withDefaultMetrics = new WeakSet<Registry>();

/** `ai_token_budget_limit{scope}`: the configured default ceilings (USD for money scopes). */
function publishBudgetLimits(metrics: BreakwaterMetrics, config: BreakwaterConfig): void {
  const { ceilings } = config.budget;
  metrics.budgetLimit.set({ scope: 'run_usd' }, microsToUsd(ceilings.runMicros));
  metrics.budgetLimit.set({ scope: 'operation_usd' }, microsToUsd(ceilings.operationMicros));
  metrics.budgetLimit.set({ scope: 'daily_usd' }, microsToUsd(ceilings.dailyMicros));
  metrics.budgetLimit.set({ scope: 'turn_tokens' }, ceilings.turnTokens);
  metrics.budgetLimit.set({ scope: 'turn_tool_calls' }, ceilings.turnToolCalls);
  metrics.budgetLimit.set({ scope: 'task_calls' }, config.rateLimit.callsPerTask);
}

/** Builds the services from `config`. Redis connects in the background; nothing else is opened. */
export function createWorkerServices(
  config: BreakwaterConfig,
  options: WorkerServicesOptions = {},
): WorkerServices {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const registry = options.registry ?? defaultRegistry;
  if (!withDefaultMetrics.has(registry)) {
    collectDefaultMetrics({ register: registry });
    withDefaultMetrics.add(registry);
  }
  const metrics = getMetrics(registry);
  const redis = createRedis(config.redis);
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  const releases: Array<() => Promise<unknown>> = [() => closeRedis(redis)];

  const workerId = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const {
    guard: redisGuard,
    breaker,
    scripts,
    keys,
    close,
  } = createGuard(config, redis, {
    workerId,
    logger,
    metrics,
    onStateChange: options.onBreakerStateChange,
  });
  releases.push(close);
  const toolGuard = new ToolGuard({
    scripts: new ToolScripts(redis, keys, config.redis.replicaWait),
    tools: config.resilience.enabled ? config.toolGuards : {},
    workerId,
    failOpen: config.guard.failOpen,
    unavailableRetryMs: config.guard.unavailableRetryMs,
    logger,
    metrics,
    onStateChange: options.onToolBreakerStateChange,
  });
  const tracing = tracingFor(config.tracing);
  // With tracing on, `admit` and `settle` are spans (of `llmCall` and of the AI SDK's model calls alike).
  const guard = tracing ? new TracedGuard(redisGuard, tracing.tracer) : redisGuard;
  const providerNames = config.providers.map((provider) => provider.name);
  const degradedScripts = new DegradedScripts(redis, keys);
  const degradedMode = new DegradedMode({
    scripts: degradedScripts,
    settings: config.degraded,
    resilienceEnabled: config.resilience.enabled,
    taskQueue: config.temporal.taskQueue,
  });
  const removeStateSource = metrics.addBreakerStateSource(async () =>
    Promise.all(
      providerNames.map(async (provider) => ({ provider, state: (await breaker.status(provider)).state })),
    ),
  );
  releases.push(async () => removeStateSource());
  const toolBreakers = toolGuard.tools.map((tool) => ({
    tool,
    breaker: new RedisBreaker({ scripts, settings: toolGuard.guardOf(tool)!.breaker, workerId }),
  }));
  const removeToolStateSource = metrics.addBreakerStateSource(async () =>
    Promise.all(
      toolBreakers.map(async ({ tool, breaker: toolBreaker }) => ({
        tool,
        state: (await toolBreaker.status(toolBreakerName(tool))).state,
      })),
    ),
  );
  releases.push(async () => removeToolStateSource());
  publishBudgetLimits(metrics, config);
  const prices = PriceBook.fromConfig(config.budget.modelPrices, config.providers);
  const dlq = new DlqStore(redis, keys, config.dlq, config.encryption);
  const tokens = new TokenManager({ scripts, budget: config.budget, prices });
  const removeSources = [
    metrics.setDlqSource(() => dlq.stats()),
    metrics.setDailyBudgetSource(dailyBudgetSource(tokens)),
    metrics.setDegradedSource(() => degradedMode.status()),
  ];
  releases.push(async () => removeSources.forEach((remove) => remove()));
  const costing = new CallCosting(prices, config.budget);
  const activities = createActivities({
    dlq,
    waiting: degradedScripts,
    providers: ProviderRegistry.fromConfig(config.providers),
    guard,
    costing,
    callsPerTask: config.rateLimit.callsPerTask,
    timeouts: config.timeouts,
    onSlowCall: options.onSlowCall,
    deltaWriters: deltaWriters(redis, keys, config.deltas, logger),
    keptAnswers: new KeptAnswers(redis, keys, config.answers, config.encryption, logger),
    logger,
    metrics,
    ...(tracing ? { tracer: tracing.tracer } : {}),
  });

  /** With `ALERT_WEBHOOK_URL`: joins the alert delivery (its consumer group exists once this resolves). */
  const startAlerts = async (): Promise<void> => {
    const { webhookUrl } = config.alerts;
    if (webhookUrl === undefined) return;
    const dispatcher = new AlertDispatcher({ redis, keys, webhookUrl, consumer: workerId, logger });
    releases.push(() => dispatcher.stop());
    await dispatcher.start().catch((error: unknown) => {
      logger.warn({ err: error }, 'alert delivery not started: Redis unreachable');
    });
  };
  // Degraded mode is judged over every provider with a breaker: a configured one never called counts too.
  const registerProviders = async (): Promise<void> => {
    if (!config.resilience.enabled) return;
    await breaker.registerAll(providerNames).catch((error: unknown) => {
      logger.warn({ err: error }, 'providers not registered yet: each registers on its first call');
    });
    await toolGuard.registerAll().catch((error: unknown) => {
      logger.warn({ err: error }, 'tools not registered yet: each registers on its first call');
    });
  };
  let http: Promise<string | undefined> | undefined;
  let closed: Promise<void> | undefined;
  return {
    workerId,
    breaker,
    resilienceEnabled: config.resilience.enabled,
    degradedMode,
    activities,
    toolGuard,
    aiSdkDeps: {
      guard,
      costing,
      policy: config.policy,
      timeouts: config.timeouts,
      onSlowCall: options.onSlowCall,
      logger,
      metrics,
      providerNames,
      ...(tracing ? { tracer: tracing.tracer } : {}),
    },
    logger,
    async assertRedisAccess() {
      const problem = await firstSecurityProblem(redis, config.redis);
      if (problem) throw new ConfigError(problem.variable, problem.problem);
    },
    serve(worker) {
      if (http) return http;
      if (worker.client) {
        const removeTaskCounts = metrics.setTaskCountSource(
          taskCountSource(worker.client, worker.options.taskQueue),
        );
        releases.push(async () => removeTaskCounts());
        if (config.resilience.enabled) {
          const reconciler = new WaitingReconciler({
            client: worker.client,
            taskQueue: worker.options.taskQueue,
            scripts: degradedScripts,
            intervalMs: config.degraded.reconcileMs,
            workerId,
            logger,
          });
          reconciler.start();
          releases.push(() => reconciler.stop());
        }
      }
      const ready = Promise.all([startAlerts(), registerProviders()]);
      if (config.worker.httpPort < 0) return (http = ready.then(() => undefined));
      const sources: StatusSources = {
        breaker,
        toolBreakers,
        tokens,
        dlq,
        degraded: degradedMode,
        ledgerWindowMs: config.status.ledgerWindowMs,
        ...(worker.client
          ? { temporal: { client: worker.client, taskQueue: worker.options.taskQueue } }
          : {}),
      };
      http = ready
        .then(() =>
          startHttpServer({
            host: config.worker.httpHost,
            port: config.worker.httpPort,
            registry,
            moreMetrics: scrapeTemporalMetrics,
            health: createHealth(worker, redis, sources, config),
            ready: createReadiness(worker, redis),
            status: () => readStatusSnapshot(sources),
          }),
        )
        .then((server) => {
          releases.push(() => server.close());
          return server.url;
        });
      return http;
    },
    close() {
      closed ??= (async () => {
        await http?.catch(() => undefined);
        for (const step of releases.reverse()) await step().catch(() => undefined);
      })();
      return closed;
    },
  };
}
