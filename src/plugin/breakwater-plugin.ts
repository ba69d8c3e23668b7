/**
 * `BreakwaterPlugin`: Breakwater on your own Temporal worker, in one line of `Worker.create`.
 */
import type { AiSdkPlugin } from '@temporalio/ai-sdk';
import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, Worker, WorkerOptions } from '@temporalio/worker';
import { breakwaterAiSdkPlugin, type AiSdkGuardOptions } from '../ai-sdk';
import { encryptionCodec, withEncryption } from '../codec';
import { loadConfig, parseToolGuards, type BreakwaterConfig, type ToolGuardInput } from '../config';
import {
  tracingActivityInterceptor,
  tracingClientInterceptors,
  workflowSpanSinks,
} from '../observability/temporal-tracing';
import { tracingFor, type Tracing } from '../observability/tracing';
import { bundleCarries } from './bundle-contents';
import { taskLogSinks } from './task-log-sink';
import { toolGuardInterceptor } from './tool-guard-interceptor';
import { undecryptableActivityInterceptor } from './undecryptable-activity-interceptor';
import { withPrebuiltBundle } from './prebuilt-bundle';
import { TRACING_INTERCEPTORS_PATH, UNDECRYPTABLE_INTERCEPTORS_PATH, WORKFLOWS_PATH } from './workflows-path';
import { createWorkerServices, type WorkerServices, type WorkerServicesOptions } from './worker-services';

export interface BreakwaterPluginOptions extends WorkerServicesOptions {
  /** Breakwater's settings (default: `loadConfig()`, from the environment). */
  config?: BreakwaterConfig;
  /**
   * Serve AI SDK agents (`@temporalio/ai-sdk`'s `temporalProvider` in your workflows) with these
   * models, every call under the worker's guard.
   */
  aiSdk?: AiSdkGuardOptions;
  /**
   * Activities (your agent's tools) to guard like LLM calls, by activity type, in the shape of
   * `TOOL_GUARDS` (a tool named in both takes these settings).
   */
  toolGuards?: Record<string, ToolGuardInput>;
}

/**
 * Adds what a Breakwater worker needs to a worker you create yourself:
 * - the activities (`llmCall`, `routeFailedTask`), beside yours, guarded by the shared Redis state;
 * - the activities `TOOL_GUARDS` (or `toolGuards`) names guarded too: a shared breaker, rate limit and
 *   cap per task each (call them with `guardedActivity` to wait BLOCKED while one refuses);
 * - Breakwater's workflows, unless you give your own `workflowsPath` or `workflowBundle` (export
 *   `llmTask` from it to run Breakwater tasks; `guardedLlmCall` needs nothing more); from the built
 *   package, the bundle `npm run build` made of them, so that the worker does not bundle at start;
 * - the worker's activity concurrency (unless you set a tuner), workflow cache size and shutdown
 *   grace from the config, where you set none;
 * - with `aiSdk`, `@temporalio/ai-sdk`'s plugin serving guarded models;
 * - `/metrics` (with the `temporal_*` series of the Runtime's Prometheus exporter, when it has
 *   one: see `installTemporalRuntime`), `/health` and `/ready` while the worker runs, and Redis
 *   closed when it stops;
 * - the ledger logs of Breakwater's workflows on Breakwater's logger, whoever installed the Runtime;
 * - payloads encrypted with the configured keys (`BREAKWATER_ENCRYPTION_*`) on the worker, the
 *   replay worker and any client built with the plugin, failure messages and stack traces too
 *   (`ENCODED_FAILURE_CONVERTER_PATH`); on the workers, a payload that does not decrypt fails its
 *   workflow or activity with the codec's non-retryable error (a workflow bundle you build yourself
 *   needs both: `bundleWorkflows(path, { encryption: true })`).
 * - with `OTEL_EXPORTER_OTLP_ENDPOINT`, Temporal's OpenTelemetry interceptors on the client, the
 *   workflows and the activities, and Breakwater's `admit`, `chat {model}` and `settle` spans in
 *   the LLM call, exported over OTLP/HTTP and flushed when the worker stops (a workflow bundle you
 *   build yourself needs `TRACING_INTERCEPTORS_PATH`: `bundleWorkflows(path, { tracing: true })`).
 *
 * @example
 * const worker = await Worker.create({ connection, taskQueue: 'breakwater', plugins: [new BreakwaterPlugin()] });
 */
export class BreakwaterPlugin extends SimplePlugin {
  /** The settings the plugin runs with. */
  readonly config: BreakwaterConfig;
  private services?: WorkerServices;
  private aiSdk?: AiSdkPlugin;
  private readonly pluginOptions: BreakwaterPluginOptions;
  /** Tracing, when `OTEL_EXPORTER_OTLP_ENDPOINT` turns it on. */
  private readonly tracing?: Tracing;

  constructor(options: BreakwaterPluginOptions = {}) {
    const loaded = options.config ?? loadConfig();
    const config = options.toolGuards
      ? { ...loaded, toolGuards: { ...loaded.toolGuards, ...parseToolGuards(options.toolGuards) } }
      : loaded;
    const tracing = tracingFor(config.tracing);
    super({
      name: 'breakwater',
      dataConverter: (existing) => withEncryption(config.encryption, existing),
      ...(tracing ? { clientInterceptors: tracingClientInterceptors(tracing) } : {}),
    });
    this.pluginOptions = options;
    this.config = config;
    this.tracing = tracing;
  }

  /** The guard, DLQ and activities behind this plugin: built when the first worker is configured. */
  get workerServices(): WorkerServices {
    this.services ??= createWorkerServices(this.config, this.pluginOptions);
    return this.services;
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    const { activities, toolGuard } = this.workerServices;
    const { worker } = this.config;
    let configured: WorkerOptions = {
      ...super.configureWorker(options),
      dataConverter: this.workerDataConverter(options.dataConverter),
      interceptors: {
        ...withWorkflowInterceptors(options, this.tracing),
        activity: [
          ...(options.interceptors?.activity ?? []),
          ...(this.tracing ? [tracingActivityInterceptor(this.tracing)] : []),
          undecryptableActivityInterceptor,
          toolGuardInterceptor(toolGuard, this.tracing?.tracer),
        ],
      },
      activities: { ...options.activities, ...activities },
      sinks: this.withSinks(options.sinks),
      shutdownGraceTime: options.shutdownGraceTime ?? worker.shutdownGraceMs,
      maxCachedWorkflows: options.maxCachedWorkflows ?? worker.maxCachedWorkflows,
    };
    // A tuner of the application's own excludes slot counts.
    if (configured.tuner === undefined && configured.maxConcurrentActivityTaskExecutions === undefined) {
      configured.maxConcurrentActivityTaskExecutions = worker.maxConcurrentActivities;
    }
    if (
      configured.maxTaskQueueActivitiesPerSecond === undefined &&
      worker.maxTaskQueueActivitiesPerSecond > 0
    ) {
      configured.maxTaskQueueActivitiesPerSecond = worker.maxTaskQueueActivitiesPerSecond;
    }
    if (!configured.workflowBundle && !configured.workflowsPath) configured.workflowsPath = WORKFLOWS_PATH;
    this.warnOfMissingBundleModules(configured.workflowBundle);
    const aiSdk = this.aiSdkPlugin();
    if (aiSdk) configured = aiSdk.configureWorker(configured);
    return withPrebuiltBundle(configured);
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const configured: ReplayWorkerOptions = {
      ...super.configureReplayWorker(options),
      dataConverter: this.workerDataConverter(options.dataConverter),
      interceptors: withWorkflowInterceptors(options, this.tracing),
      sinks: this.withSinks(options.sinks),
    };
    if (configured.workflowBundle || configured.workflowsPath) return configured;
    return { ...configured, workflowsPath: WORKFLOWS_PATH };
  }

  /**
   * The worker's sinks with Breakwater's: the workflow spans' `exporter` (unless the application set
   * its own) and the task log sink.
   */
  private withSinks(sinks: WorkerOptions['sinks']): WorkerOptions['sinks'] {
    return {
      ...workflowSpanSinks(this.tracing),
      ...sinks,
      ...taskLogSinks(() => this.workerServices.logger),
    };
  }

  /** Warns when a workflow bundle of the application's lacks what tracing or encryption needs. */
  private warnOfMissingBundleModules(bundle: WorkerOptions['workflowBundle']): void {
    if (!bundle) return;
    const { logger } = this.workerServices;
    if (this.tracing && !bundleCarries(bundle, 'tracing')) {
      logger.warn(
        'tracing is on but the workflow bundle has no tracing interceptors: no workflow spans, and each activity starts a trace of its own; bundle with bundleWorkflows(path, { tracing: true })',
      );
    }
    if (encryptionCodec(this.config.encryption) && !bundleCarries(bundle, 'encryption')) {
      logger.warn(
        'payload encryption is on but the workflow bundle has no encoding failure converter: the failures its workflows raise keep their messages and stack traces in plaintext; bundle with bundleWorkflows(path, { encryption: true })',
      );
    }
  }

  /** A worker's converter: payloads that do not decrypt are marked, for the interceptors to fail. */
  private workerDataConverter(existing: WorkerOptions['dataConverter']): WorkerOptions['dataConverter'] {
    return withEncryption(this.config.encryption, existing, 'mark');
  }

  override async runWorker(worker: Worker, next: (worker: Worker) => Promise<void>): Promise<void> {
    const services = this.workerServices;
    // The worker starts polling at once: `Worker.runUntil` shuts down only a worker already running.
    const running = super.runWorker(worker, next);
    running.catch(() => undefined);
    try {
      const [http] = await Promise.all([services.serve(worker), services.assertRedisAccess()]).catch(
        async (error: unknown) => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running.catch(() => undefined);
          throw error;
        },
      );
      services.logger.info(
        { taskQueue: worker.options.taskQueue, namespace: worker.options.namespace, http },
        'breakwater worker running',
      );
      if (!services.resilienceEnabled) {
        services.logger.warn(
          "RESILIENCE_ENABLED=false: no circuit breaker, rate limit, budget, degraded mode or load shedding; LLM calls run under Temporal's retry policy alone",
        );
      }
      if (this.config.production && !encryptionCodec(this.config.encryption)) {
        services.logger.warn(
          'payloads reach Temporal unencrypted: set BREAKWATER_ENCRYPTION_KEYS (or BREAKWATER_ENCRYPTION_KEY_FILE)',
        );
      }
      await running;
    } finally {
      await this.close();
    }
  }

  /**
   * Closes what the plugin opened (Redis, the HTTP endpoints) and exports the spans still batched;
   * the worker's run does it on its own.
   */
  async close(): Promise<void> {
    await this.services?.close();
    await this.tracing?.flush();
  }

  private aiSdkPlugin(): AiSdkPlugin | undefined {
    const { aiSdk } = this.pluginOptions;
    if (!aiSdk) return undefined;
    this.aiSdk ??= breakwaterAiSdkPlugin(aiSdk, this.workerServices.aiSdkDeps);
    return this.aiSdk;
  }
}

/**
 * The worker's interceptors with Breakwater's workflow interceptors added (the tracing ones when
 * tracing is on), when the worker bundles its workflows: a prebuilt bundle carries its own
 * (`bundleWorkflows`).
 */
function withWorkflowInterceptors(
  options: Pick<WorkerOptions, 'interceptors' | 'workflowBundle'>,
  tracing: Tracing | undefined,
): NonNullable<WorkerOptions['interceptors']> {
  const interceptors = options.interceptors ?? {};
  if (options.workflowBundle) return interceptors;
  return {
    ...interceptors,
    workflowModules: [
      ...(interceptors.workflowModules ?? []),
      UNDECRYPTABLE_INTERCEPTORS_PATH,
      ...(tracing ? [TRACING_INTERCEPTORS_PATH] : []),
    ],
  };
}
