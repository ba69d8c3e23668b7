/** The application API: submit, execute, read the ledger of, and cancel tasks, keyed by idempotency key. */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { withEncryption } from '../codec';
import { DEFAULT_MAX_REQUEST_BYTES, type BreakwaterConfig } from '../config';
import { LiveDeltas } from '../deltas/live-deltas';
import { tracingClientInterceptors } from '../observability/temporal-tracing';
import { tracingFor } from '../observability/tracing';
import { SubmitGate, type Acceptance } from '../degraded/submit-gate';
import { AgentKey, LedgerStateKey, OperationKey, PriorityKey, ProviderKey } from '../search-attributes';
import type { LlmRequest } from '../llm/request';
import type { TaskStreamEvent } from '../llm/stream';
import {
  TASK_FAILED_TYPE,
  TaskMessages,
  type BudgetRefusal,
  type LedgerSnapshot,
  type FailureReason,
  type TaskFailureDetails,
  type TaskInput,
  type TaskPolicy,
  type TaskResult,
} from '../task';
import {
  checkPolicy,
  resolveDeadline,
  validatePolicyOverrides,
  validateStoredTask,
  validateSubmission,
  type PolicyOverrides,
  type SubmitOptionsInput,
} from './validation';
import { connectingTo, temporalConnectionOptions } from './temporal-connection';
import { taskWorkflowId } from './workflow-id';

export type { PolicyOverrides };

export type SubmitOptions = SubmitOptionsInput & {
  /** Overrides of the configured retry, timeout and blocking policy. */
  policy?: PolicyOverrides;
};

/** How a stored task starts again (see `resubmit`). */
export interface ResubmitOptions {
  /** How many times the task has now been replayed from the dead-letter queue. */
  replayCount: number;
  /** Its deadline, from now (default: the configured one). */
  deadlineMs?: number;
  /** The task queue to start it on (default: the client's): a replay uses the one the task ran on. */
  taskQueue?: string;
}

export interface TaskHandle {
  idempotencyKey: string;
  workflowId: string;
  /** The run that holds the task (an existing one when the submit was a duplicate). */
  runId: string;
  /**
   * `parked`: accepted while degraded (the seed's 202): the task waits `BLOCKED` until a provider
   * serves again. `started` otherwise.
   */
  accepted: Acceptance;
}

/** Thrown by `execute` and `result` when a task ended `FAILED`. */
export class TaskFailedError extends Error {
  constructor(
    readonly idempotencyKey: string,
    readonly reason: FailureReason,
    readonly errorType: string | undefined,
    readonly ledger: LedgerSnapshot | undefined,
    /** When a budget refused the task: the 429-style object to return to a caller. */
    readonly refusal?: BudgetRefusal,
  ) {
    super(`task ${idempotencyKey} failed: ${reason}${errorType ? ` (${errorType})` : ''}`);
    this.name = 'TaskFailedError';
  }
}

export interface BreakwaterClientOptions {
  client: Client;
  taskQueue: string;
  policy: TaskPolicy;
  /** Deadline of a task submitted without one. */
  taskDeadlineMs: number;
  /** The largest request a submit accepts, in UTF-8 bytes of its JSON (default: `MAX_REQUEST_BYTES`'s, 1.5 MiB). */
  maxRequestBytes?: number;
  /**
   * The providers the workers are configured with (`LLM_PROVIDERS`): a submit naming another one is
   * refused. Without it, any provider name is accepted and an unknown one fails in the workflow.
   */
  providers?: readonly string[];
  /** Where `stream` reads live deltas (without it, `stream` yields the final response only). */
  liveDeltas?: LiveDeltas;
  /**
   * Degraded mode and load shedding for `submit` (see `SubmitGate`); without it every submit starts
   * (`RESILIENCE_ENABLED=false`).
   */
  gate?: SubmitGate;
}

export class BreakwaterClient {
  private constructor(
    private readonly options: BreakwaterClientOptions,
    private readonly ownedConnection?: Connection,
    private readonly closeGate?: () => Promise<void>,
  ) {}

  /** A client over an existing Temporal client. */
  static fromClient(options: BreakwaterClientOptions): BreakwaterClient {
    return new BreakwaterClient(options);
  }

  /**
   * Connects to Temporal as configured, encrypting payloads with the configured keys, and with
   * `OTEL_EXPORTER_OTLP_ENDPOINT` tracing each workflow start; `close()` releases the connection
   * (and exports the spans still batched).
   */
  static async connect(config: BreakwaterConfig): Promise<BreakwaterClient> {
    const connection = await connectingTo(config.temporal, () =>
      Connection.connect(temporalConnectionOptions(config.temporal)),
    );
    const tracing = tracingFor(config.tracing);
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: withEncryption(config.encryption),
      ...(tracing ? { interceptors: tracingClientInterceptors(tracing) } : {}),
    });
    const gated = config.resilience.enabled ? SubmitGate.connect(config) : undefined;
    const release = async () => {
      await gated?.close();
      await tracing?.flush();
    };
    return new BreakwaterClient(
      {
        client,
        taskQueue: config.temporal.taskQueue,
        policy: config.policy,
        taskDeadlineMs: config.taskDeadlineMs,
        maxRequestBytes: config.maxRequestBytes,
        // A configuration loaded without providers (the CLI's) knows none: it checks no name.
        ...(config.providers.length > 0
          ? { providers: config.providers.map((provider) => provider.name) }
          : {}),
        liveDeltas: new LiveDeltas(config.redis),
        ...(gated ? { gate: gated.gate } : {}),
      },
      connection,
      release,
    );
  }

  get temporal(): Client {
    return this.options.client;
  }

  /**
   * Starts the task, or returns the existing one with the same idempotency key: a duplicate submit
   * never executes twice, and a task that ended `DONE` is never executed again. Bad input throws
   * `NonRetryableInputError` naming the field, and nothing is started: so does a request larger than
   * `maxRequestBytes` (naming `request`), or a provider that is not one of `providers`.
   *
   * With a gate: while degraded the task is parked (`accepted: 'parked'`), or refused with
   * `ServiceDegradedError` when `DEGRADED_READONLY_ENABLED=false`; a `low` or `normal` one is refused
   * with `OverloadedError` once `DEGRADED_QUEUE_LIMIT` tasks wait. A refused submit starts nothing.
   */
  async submit(request: LlmRequest, options: SubmitOptions): Promise<TaskHandle> {
    const { policy: overrides, ...rest } = options ?? ({} as SubmitOptions);
    const { taskDeadlineMs, maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES, providers } = this.options;
    const submission = validateSubmission(request, rest, { taskDeadlineMs, maxRequestBytes, providers });
    const policy = this.resolvePolicy(
      overrides === undefined ? undefined : validatePolicyOverrides(overrides),
    );
    const input: TaskInput = {
      request: submission.request,
      meta: {
        idempotencyKey: submission.idempotencyKey,
        operation: submission.operation,
        agent: submission.agent,
        priority: submission.priority,
        ...(submission.runId !== undefined ? { runId: submission.runId } : {}),
        ...(submission.turn !== undefined ? { turn: submission.turn } : {}),
      },
      policy,
      deadline: submission.deadline,
      replayCount: 0,
      ...(submission.fallbacks ? { fallbacks: submission.fallbacks } : {}),
    };
    const { taskQueue, gate } = this.options;
    if (!gate) return this.start(input, taskQueue);
    const workflowId = taskWorkflowId(input.meta.idempotencyKey);
    const accepted = await gate.admit({
      taskQueue,
      workflowId,
      priority: input.meta.priority,
      providers: [input.request.provider, ...(input.fallbacks ?? []).map((fallback) => fallback.provider)],
      context: { operation: input.meta.operation, provider: input.request.provider },
    });
    try {
      return await this.start(input, taskQueue, accepted);
    } catch (error) {
      await gate.release(taskQueue, workflowId);
      throw error;
    }
  }

  /**
   * Starts a task kept outside Temporal again (a replay from the dead-letter queue): its `stored`
   * input, checked with the rules of a submit, started the same way under the same idempotency key.
   */
  async resubmit(stored: Omit<TaskInput, 'deadline'>, options: ResubmitOptions): Promise<TaskHandle> {
    const task = validateStoredTask({ ...stored, replayCount: options.replayCount });
    const deadline = resolveDeadline(
      options.deadlineMs !== undefined && options.deadlineMs > 0 ? options.deadlineMs : undefined,
      this.options.taskDeadlineMs,
      Date.now(),
    );
    return this.start({ ...task, deadline }, options.taskQueue || this.options.taskQueue);
  }

  /** The one start of a task: its workflow id, id policies and search attributes. */
  private async start(
    input: TaskInput,
    taskQueue: string,
    accepted: Acceptance = 'started',
  ): Promise<TaskHandle> {
    const { idempotencyKey } = input.meta;
    const workflowId = taskWorkflowId(idempotencyKey);
    try {
      const handle = await this.options.client.workflow.start('llmTask', {
        args: [input],
        taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        typedSearchAttributes: [
          { key: LedgerStateKey, value: 'QUEUED' },
          { key: AgentKey, value: input.meta.agent },
          { key: PriorityKey, value: input.meta.priority },
          { key: ProviderKey, value: input.request.provider },
          { key: OperationKey, value: input.meta.operation },
        ],
      });
      return { idempotencyKey, workflowId, runId: handle.firstExecutionRunId, accepted };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // The task already ran to completion: it is returned, not executed again.
      const description = await this.options.client.workflow.getHandle(workflowId).describe();
      await this.options.gate?.release(taskQueue, workflowId);
      return { idempotencyKey, workflowId, runId: description.runId, accepted: 'started' };
    }
  }

  /** Submits the task and waits for its result; throws `TaskFailedError` when it ends `FAILED`. */
  async execute(request: LlmRequest, options: SubmitOptions): Promise<TaskResult> {
    const handle = await this.submit(request, options);
    return this.result(handle.idempotencyKey);
  }

  /** Waits for the task's result; throws `TaskFailedError` when it ends `FAILED`. */
  async result(idempotencyKey: string): Promise<TaskResult> {
    try {
      return (await this.handle(idempotencyKey).result()) as TaskResult;
    } catch (error) {
      throw toTaskFailedError(idempotencyKey, error);
    }
  }

  /**
   * The task's answer as it streams (a task submitted with `request.stream: true`): for each attempt
   * that streams, an `attempt` event and its deltas; last, the durable response, as `result` gives
   * it. Throws `TaskFailedError` when the task ends `FAILED`. A task that does not stream yields its
   * response only.
   */
  async *stream(idempotencyKey: string): AsyncGenerator<TaskStreamEvent> {
    const result = this.result(idempotencyKey);
    result.catch(() => undefined);
    if (this.options.liveDeltas) yield* this.options.liveDeltas.read(idempotencyKey, result);
    yield { type: 'response', response: (await result).response };
  }

  /** The task's ledger: its state and audit trail. */
  async getLedger(idempotencyKey: string): Promise<LedgerSnapshot> {
    const handle = this.handle(idempotencyKey);
    const { status } = await handle.describe();
    if (status.name === 'COMPLETED') return ((await handle.result()) as TaskResult).ledger;
    if (status.name === 'FAILED') {
      const failed = await handle.result().then(
        () => undefined,
        (error: unknown) => toTaskFailedError(idempotencyKey, error),
      );
      if (failed instanceof TaskFailedError && failed.ledger) return failed.ledger;
    }
    return handle.query<LedgerSnapshot>(TaskMessages.ledgerQuery);
  }

  /** Cancels the task: its in-flight provider call is aborted and it ends `FAILED` (`cancelled`). */
  async cancel(idempotencyKey: string): Promise<void> {
    await this.handle(idempotencyKey).cancel();
  }

  async close(): Promise<void> {
    await this.ownedConnection?.close();
    await this.closeGate?.();
  }

  private handle(idempotencyKey: string): WorkflowHandle {
    return this.options.client.workflow.getHandle(taskWorkflowId(idempotencyKey));
  }

  private resolvePolicy(overrides: PolicyOverrides | undefined): TaskPolicy {
    const base = this.options.policy;
    if (!overrides) return base;
    return checkPolicy(
      { ...base, ...overrides, retry: { ...base.retry, ...overrides.retry } },
      'options.policy',
    );
  }
}

function toTaskFailedError(idempotencyKey: string, error: unknown): unknown {
  if (!(error instanceof WorkflowFailedError)) return error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type === TASK_FAILED_TYPE) {
    const details = cause.details?.[0] as TaskFailureDetails | undefined;
    return new TaskFailedError(
      idempotencyKey,
      details?.reason ?? 'retries_exhausted',
      details?.errorType,
      details?.ledger,
      details?.refusal,
    );
  }
  if (cause instanceof CancelledFailure)
    return new TaskFailedError(idempotencyKey, 'cancelled', undefined, undefined);
  if (cause instanceof TerminatedFailure)
    return new TaskFailedError(idempotencyKey, 'cancelled', 'Terminated', undefined);
  return error;
}
