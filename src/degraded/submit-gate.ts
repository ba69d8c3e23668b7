/**
 * The gate every submit passes before its workflow starts (one Redis round trip): parks it while
 * degraded (or refuses it with `ServiceDegradedError` when `DEGRADED_READONLY_ENABLED=false`), sheds
 * `low` and `normal` submits with `OverloadedError` once `DEGRADED_QUEUE_LIMIT` tasks wait, and
 * counts the accepted task as queued.
 */
import type { BreakwaterConfig } from '../config';
import { OverloadedError, ServiceDegradedError, type DegradedReason, type ErrorContext } from '../errors';
import type { Logger } from '../observability/logger';
import { closeRedis, createRedis } from '../redis/connection';
import { DegradedScripts } from '../redis/degraded-scripts';
import { KeySpace } from '../redis/keys';
import type { Priority } from '../task';

/** Priorities refused once the waiting tasks reach the limit; the others always pass. */
const SHEDDABLE: ReadonlySet<Priority> = new Set(['low', 'normal']);

/** How a submit was accepted: started, or parked while degraded (it waits `BLOCKED`). */
export type Acceptance = 'started' | 'parked';

export interface GatedTask {
  taskQueue: string;
  workflowId: string;
  priority: Priority;
  /** The task's own provider, then its fallbacks. */
  providers: readonly string[];
  context?: Partial<ErrorContext>;
}

export interface SubmitGateOptions {
  scripts: DegradedScripts;
  settings: BreakwaterConfig['degraded'];
  logger?: Logger;
}

export class SubmitGate {
  constructor(private readonly options: SubmitGateOptions) {}

  /** A gate on its own Redis connection, from configuration; `close` releases the connection. */
  static connect(config: BreakwaterConfig): { gate: SubmitGate; close: () => Promise<void> } {
    const redis = createRedis(config.redis);
    // An unreachable Redis is degraded mode `guard_unavailable`, decided on each submit.
    redis.on('error', () => undefined);
    const scripts = new DegradedScripts(redis, new KeySpace(config.redis.keyPrefix));
    return { gate: new SubmitGate({ scripts, settings: config.degraded }), close: () => closeRedis(redis) };
  }

  /**
   * Lets the task in (`started` or `parked`), counting it as queued; throws `ServiceDegradedError` or
   * `OverloadedError` when it is refused. Redis unreachable is degraded mode `guard_unavailable`.
   */
  async admit(task: GatedTask): Promise<Acceptance> {
    const { settings } = this.options;
    let reply;
    try {
      reply = await this.options.scripts.submitGate({
        taskQueue: task.taskQueue,
        workflowId: task.workflowId,
        priority: task.priority,
        sheddable: SHEDDABLE.has(task.priority),
        limit: settings.queueLimit,
        readonly: settings.readonly,
        providers: task.providers,
      });
    } catch (error) {
      this.options.logger?.warn(
        { err: error },
        'submit gate: Redis unreachable, degraded (guard_unavailable)',
      );
      return this.degraded('guard_unavailable', 0, task);
    }
    switch (reply.decision) {
      case 'started':
        return 'started';
      case 'parked':
        return 'parked';
      case 'degraded':
        return this.degraded(reply.reason as DegradedReason, reply.retryAfterMs, task);
      case 'overloaded':
        throw new OverloadedError(
          `${reply.waiting} tasks are waiting on ${task.taskQueue}, at DEGRADED_QUEUE_LIMIT ` +
            `(${settings.queueLimit}): a ${task.priority} priority submit is refused`,
          reply.waiting,
          settings.queueLimit,
          settings.retryAfterSec,
          task.context,
        );
    }
  }

  /** The task did not start after all (its start failed): it no longer counts. Never throws. */
  async release(taskQueue: string, workflowId: string): Promise<void> {
    await this.options.scripts.forgetWaiting(taskQueue, workflowId).catch((error: unknown) => {
      this.options.logger?.warn({ err: error, workflowId }, 'submit gate: could not release a task');
    });
  }

  /** Parks the task, or refuses it when `DEGRADED_READONLY_ENABLED=false`. */
  private degraded(reason: DegradedReason, retryAfterMs: number, task: GatedTask): Acceptance {
    const { settings } = this.options;
    if (settings.readonly) return 'parked';
    const retryAfterSec = retryAfterMs > 0 ? Math.ceil(retryAfterMs / 1000) : settings.retryAfterSec;
    throw new ServiceDegradedError(
      `Breakwater is degraded (${reason}) and DEGRADED_READONLY_ENABLED=false: ` +
        `the submit of ${task.workflowId} is refused, nothing started; retry in ${retryAfterSec} s`,
      reason,
      retryAfterSec * 1000,
      task.context,
    );
  }
}
