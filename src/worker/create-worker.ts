/** `createWorker(config)`: a Temporal worker that runs Breakwater tasks, with its Redis guard and operator endpoints. */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import type { AiSdkGuardOptions } from '../ai-sdk';
import type { BreakwaterConfig } from '../config';
import { connectingTo, temporalConnectionOptions } from '../client/temporal-connection';
import type { RedisBreaker } from '../breaker/redis-breaker';
import type { DegradedMode } from '../degraded/degraded-mode';
import type { SlowCallHook } from '../../activities/slow-calls';
import type { BreakerStateChange } from '../guard/redis-guard';
import { createLogger, type Logger } from '../observability/logger';
import { BreakwaterPlugin } from '../plugin/breakwater-plugin';
import { installTemporalRuntime } from '../plugin/temporal-runtime';

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
  /** Called for every provider call of this worker slower than `LLM_SLOW_CALL_MS` (no prompt text in it). */
  onSlowCall?: SlowCallHook;
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
  /** `RESILIENCE_ENABLED`: false means calls run under Temporal's retry policy alone. */
  resilienceEnabled: boolean;
  /** Degraded mode and the waiting tasks, cluster-wide (for health and status). */
  degradedMode: DegradedMode;
}

/**
 * Creates a worker from `config`: a Temporal connection, and `Worker.create` with
 * `BreakwaterPlugin` on the configured task queue. Config errors surface before anything connects.
 */
export async function createWorker(
  config: BreakwaterConfig,
  options: CreateWorkerOptions = {},
): Promise<BreakwaterWorker> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  await installTemporalRuntime(logger);
  const plugin = new BreakwaterPlugin({
    config,
    logger,
    registry: options.registry,
    onBreakerStateChange: options.onBreakerStateChange,
    onSlowCall: options.onSlowCall,
    aiSdk: options.aiSdk,
  });
  let connection: NativeConnection | undefined;
  const release = async () => {
    await plugin.close();
    await connection?.close().catch(() => undefined);
  };
  try {
    await plugin.workerServices.assertRedisAccess();
    const connectionOptions = temporalConnectionOptions(config.temporal);
    connection = await connectingTo(config.temporal, () => NativeConnection.connect(connectionOptions));
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: options.workflowsPath }),
      activities: options.activities,
      plugins: [plugin],
    });
    const services = plugin.workerServices;
    const httpUrl = await services.serve(worker);
    logger.info(
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, http: httpUrl },
      'worker created',
    );
    return {
      worker,
      httpUrl,
      run: async () => {
        try {
          await worker.run();
        } finally {
          await release();
        }
      },
      runUntil: async <R>(work: Promise<R> | (() => Promise<R>)) => {
        try {
          return await worker.runUntil(work);
        } finally {
          await release();
        }
      },
      shutdown: () => worker.shutdown(),
      workerId: services.workerId,
      breaker: services.breaker,
      resilienceEnabled: services.resilienceEnabled,
      degradedMode: services.degradedMode,
    };
  } catch (error) {
    await release();
    throw error;
  }
}
