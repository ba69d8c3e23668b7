/** `createWorker(config)`: a Temporal worker that runs Breakwater tasks, with its Redis guard and operator endpoints. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { collectDefaultMetrics, register as defaultRegistry, type Registry } from 'prom-client';
import { createActivities } from '../../activities';
import type { AiSdkGuardOptions } from '../ai-sdk';
import type { BreakwaterConfig } from '../config';
import type { RedisBreaker } from '../breaker/redis-breaker';
import { CallCosting } from '../budget/call-costing';
import { PriceBook } from '../budget/pricing';
import { loadTokenizer } from '../budget/tokenizer';
import { deltaWriters } from '../deltas/delta-writer';
import { DlqStore } from '../dlq/dlq-store';
import { createGuard } from '../guard/create-guard';
import { microsToUsd } from '../money';
import type { BreakerStateChange } from '../guard/redis-guard';
import { createHttpHealth } from './health';
import { createLogger, TemporalLoggerAdapter, type Logger } from '../observability/logger';
import { startHttpServer, type RunningHttpServer } from '../observability/http-server';
import { getMetrics, type BreakwaterMetrics } from '../observability/metrics';
import { closeRedis, createRedis } from '../redis/connection';
import { ProviderRegistry } from '../providers/registry';

/** Where the worker finds its workflow code. */
export const WORKFLOWS_PATH = join(__dirname, '..', '..', 'workflows', 'index.ts');

export interface CreateWorkerOptions {
  logger?: Logger;
  /** A prebuilt workflow bundle (see `bundleWorkflowCode`): skips bundling at start-up. */
  workflowBundle?: { codePath: string };
  /**
   * Your own workflows module, when your workflows call `guardedLlmCall` (export `llmTask` from it
   * too, to run Breakwater tasks on the same worker). Default: Breakwater's workflows.
   */
  workflowsPath?: string;
  /** Registry of the `/metrics` endpoint and the product's metrics (default: prom-client's global one). */
  registry?: Registry;
  /** Called for every circuit breaker transition this worker's calls cause. */
  onBreakerStateChange?: (change: BreakerStateChange) => void;
  /**
   * Serve AI SDK agents (`@temporalio/ai-sdk`'s `temporalProvider` in your workflows) with these
   * models, every call under the worker's guard (see `src/ai-sdk`).
   */
  aiSdk?: AiSdkGuardOptions;
  /** Your own activities (your agent's tools, say), registered beside Breakwater's. */
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
}

export interface BreakwaterWorker {
  worker: Worker;
  /** Base URL of `/metrics`, `/health` and `/ready`, when the HTTP server is on. */
  httpUrl?: string;
  /** Runs until `shutdown()` (or a fatal error), then releases every connection. */
  run(): Promise<void>;
  /** Runs while `work` is pending, then shuts down and releases every connection. */
  runUntil<R>(work: Promise<R> | (() => Promise<R>)): Promise<R>;
  /** Starts a graceful shutdown: no new tasks, in-flight calls get the configured grace. */
  shutdown(): void;
  /** This worker's identity in the shared breaker state. */
  workerId: string;
  /** The shared breaker, for status and operator actions. */
  breaker: RedisBreaker;
}

const withDefaultMetrics = new WeakSet<Registry>();
let runtimeInstalled = false;

function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new TemporalLoggerAdapter(logger.child({ component: 'temporal' })) });
  } catch {
    // Another part of this process installed the runtime first; its logger is kept.
  }
}

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

/** Creates a worker from `config`. Config errors surface before anything connects. */
export async function createWorker(
  config: BreakwaterConfig,
  options: CreateWorkerOptions = {},
): Promise<BreakwaterWorker> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const registry = options.registry ?? defaultRegistry;
  if (!withDefaultMetrics.has(registry)) {
    collectDefaultMetrics({ register: registry });
    withDefaultMetrics.add(registry);
  }
  installRuntime(logger);
  // Build the tokenizer now, so no LLM call pays for it (about half a second).
  loadTokenizer();
  const metrics = getMetrics(registry);
  const redis = createRedis(config.redis);
  redis.on('error', (error: Error) => logger.debug({ err: error }, 'redis connection error'));
  const releases: Array<() => Promise<unknown>> = [() => closeRedis(redis)];
  const release = async () => {
    for (const step of releases.reverse()) await step().catch(() => undefined);
  };

  try {
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    releases.push(() => connection.close());
    const clientConnection = await Connection.connect({ address: config.temporal.address });
    releases.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
    const workerId = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const { guard, breaker, keys } = createGuard(config, redis, {
      workerId,
      logger,
      metrics,
      onStateChange: options.onBreakerStateChange,
    });
    const providerNames = config.providers.map((provider) => provider.name);
    const removeStateSource = metrics.addBreakerStateSource(async () =>
      Promise.all(
        providerNames.map(async (provider) => ({
          provider,
          state: (await breaker.status(provider)).state,
        })),
      ),
    );
    releases.push(async () => removeStateSource());
    publishBudgetLimits(metrics, config);
    const prices = PriceBook.fromConfig(config.budget.modelPrices, config.providers);
    const dlq = new DlqStore(redis, keys, config.dlq);
    const removeDlqSource = metrics.setDlqSource(() => dlq.stats());
    releases.push(async () => removeDlqSource());
    const costing = new CallCosting(prices, config.budget);
    const activities = createActivities({
      dlq,
      providers: ProviderRegistry.fromConfig(config.providers),
      guard,
      costing,
      callsPerTask: config.rateLimit.callsPerTask,
      client,
      deltaWriters: deltaWriters(redis, keys, config.deltas, logger),
      logger,
      metrics,
    });
    const plugins = [];
    if (options.aiSdk) {
      // Loaded only when asked for: the AI SDK is a large module graph.
      const { breakwaterAiSdkPlugin } = await import('../ai-sdk');
      const deps = { guard, costing, policy: config.policy, client, logger, metrics, providerNames };
      plugins.push(breakwaterAiSdkPlugin(options.aiSdk, deps));
    }
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH }),
      activities: { ...options.activities, ...activities },
      plugins,
      maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
      ...(config.worker.maxTaskQueueActivitiesPerSecond > 0
        ? { maxTaskQueueActivitiesPerSecond: config.worker.maxTaskQueueActivitiesPerSecond }
        : {}),
      shutdownGraceTime: config.worker.shutdownGraceMs,
    });

    let http: RunningHttpServer | undefined;
    if (config.worker.httpPort >= 0) {
      http = await startHttpServer({
        host: config.worker.httpHost,
        port: config.worker.httpPort,
        registry,
        health: createHttpHealth(worker, redis),
      });
      releases.push(() => http!.close());
    }
    logger.info(
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, http: http?.url },
      'worker created',
    );

    const run = async () => {
      try {
        await worker.run();
      } finally {
        await release();
      }
    };
    return {
      worker,
      httpUrl: http?.url,
      run,
      runUntil: async <R>(work: Promise<R> | (() => Promise<R>)) => {
        try {
          return await worker.runUntil(work);
        } finally {
          await release();
        }
      },
      shutdown: () => worker.shutdown(),
      workerId,
      breaker,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
