/**
 * Repairs the waiting-task counts in Redis against Temporal visibility, periodically, by one worker
 * at a time cluster-wide (a lease in Redis): a task terminated while it waited, a submit whose start
 * was lost, or counts lost with Redis's data would otherwise stay counted (or uncounted) for good.
 * One visibility list of the queue's open tasks per period, never a query per submit.
 */
import type { Client } from '@temporalio/client';
import { errorMessage } from '../error-message';
import type { Logger } from '../observability/logger';
import type { DegradedScripts, ReconcileResult } from '../redis/degraded-scripts';
import { LedgerStateKey, visibilityText } from '../search-attributes';

/** Members younger than this are kept whatever visibility says: it lags behind the workflows. */
export const VISIBILITY_LAG_GRACE_MS = 5000;

export interface WaitingReconcilerOptions {
  client: Client;
  taskQueue: string;
  scripts: DegradedScripts;
  /** `DEGRADED_RECONCILE_SEC`. */
  intervalMs: number;
  workerId: string;
  logger: Logger;
}

export class WaitingReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly options: WaitingReconcilerOptions) {}

  /** Reconciles now, then every interval, until `stop()`. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running ??= this.reconcileOnce()
        .catch((error: unknown) =>
          this.options.logger.warn({ err: errorMessage(error) }, 'waiting tasks not reconciled'),
        )
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One reconciliation, when this worker takes the period's lease (else undefined: another worker
   * reconciles this period).
   */
  async reconcileOnce(): Promise<ReconcileResult | undefined> {
    const { scripts, taskQueue, intervalMs, workerId, client } = this.options;
    const lease = scripts.keys.key('tasksReconcile', taskQueue);
    const leaseMs = Math.max(100, Math.round(intervalMs * 0.9));
    if ((await scripts.redis.set(lease, workerId, 'PX', leaseMs, 'NX')) !== 'OK') return undefined;
    const open: Array<[string, string]> = [];
    const query = `TaskQueue = ${visibilityText(taskQueue)} AND ExecutionStatus = 'Running'`;
    for await (const execution of client.workflow.list({ query })) {
      const state = execution.typedSearchAttributes.get(LedgerStateKey);
      if (state !== undefined) open.push([execution.workflowId, state]);
    }
    const result = await scripts.reconcileWaiting(taskQueue, VISIBILITY_LAG_GRACE_MS, open);
    if (result.removed > 0 || result.added > 0) {
      this.options.logger.info(
        {
          taskQueue,
          before: result.before,
          after: result.after,
          removed: result.removed,
          added: result.added,
        },
        'waiting tasks reconciled with visibility',
      );
    }
    return result;
  }
}
