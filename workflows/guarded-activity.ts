/**
 * A guarded tool call, for use inside any workflow: runs the activity `name` (guarded on the worker
 * when `TOOL_GUARDS` names it) and, while its breaker or its rate limit refuses, waits durably
 * (`BLOCKED` in the ledger, with the tool and the reason) without burning an attempt, then asks again.
 * The waits are bounded by the policy's `maxBlockedMs` (`MAX_BLOCKED_MS`) and the deadline.
 *
 * A refusal that waiting cannot lift (the cap per task, `tool_call_cap`; the rate limit in `refuse`
 * mode), or a wait past its bounds, throws an `ApplicationFailure` of type `BreakwaterTaskFailed`
 * whose details are a `TaskFailureDetails`. The tool's own errors are thrown as they are.
 */
import { proxyActivities, sleep, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { ErrorType, errorPolicyOf, waitReasonOf } from '../src/errors';
import type { TaskPolicy } from '../src/task';
import { callFailureOf } from './call-failure';
import type { LedgerTracker } from './ledger-tracker';
import { taskFailure } from './task-failure';

export interface GuardedActivityOptions {
  /** The activity's options (default: a one-minute `startToCloseTimeout`, Temporal's retry policy). */
  activity?: ActivityOptions;
  /** Bounds the waits: `maxBlockedMs` in all (`MAX_BLOCKED_MS`). */
  policy: Pick<TaskPolicy, 'maxBlockedMs'>;
  /** Absolute deadline (ISO-8601): no wait lasts past it. */
  deadline?: string;
  /** When given, every wait and resume is recorded in this ledger. */
  ledger?: LedgerTracker;
  /** Names the failure (default: the workflow id). */
  idempotencyKey?: string;
}

const DEFAULT_ACTIVITY_OPTIONS: ActivityOptions = { startToCloseTimeout: '1 minute' };

/** The refusals of a tool's guard (the worker's activity interceptor), as opposed to the tool's own errors. */
const TOOL_REFUSALS: ReadonlySet<string> = new Set([
  ErrorType.ToolCircuitOpen,
  ErrorType.ToolRateLimitWait,
  ErrorType.ToolRateLimitExceeded,
  ErrorType.ToolCallCap,
  ErrorType.GuardUnavailable,
]);

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * Runs activity `name` with `args` to completion under its tool guard.
 *
 * @example
 * const order = await guardedActivity<typeof lookupOrder>('lookupOrder', [orderId], { policy, ledger });
 */
export async function guardedActivity<F extends ActivityFunction>(
  name: string,
  args: Parameters<F>,
  options: GuardedActivityOptions,
): Promise<Awaited<ReturnType<F>>> {
  const activities = proxyActivities(options.activity ?? DEFAULT_ACTIVITY_OPTIONS);
  const { ledger } = options;
  const key = options.idempotencyKey ?? workflowInfo().workflowId;
  const deadlineAt = options.deadline === undefined ? Number.POSITIVE_INFINITY : Date.parse(options.deadline);
  let blockedMs = 0;
  for (;;) {
    try {
      return (await activities[name]!(...(args as unknown[]))) as Awaited<ReturnType<F>>;
    } catch (error) {
      const failure = callFailureOf(error);
      if (!failure || !TOOL_REFUSALS.has(failure.errorType)) throw error;
      const { wait, failureReason } = errorPolicyOf(failure.errorType);
      const attempts = ledger?.ledger.attempts ?? 0;
      const failed = (reason = failureReason) =>
        taskFailure(
          {
            reason,
            errorType: failure.errorType,
            attempts,
            ...(failure.message !== undefined ? { lastError: failure.message } : {}),
          },
          key,
        );
      if (!wait) throw failed();
      const untilDeadline = deadlineAt - Date.now();
      if (untilDeadline <= 0) throw failed('deadline_exceeded');
      const waitMs = Math.min(
        failure.retryAfterMs ?? 1000,
        options.policy.maxBlockedMs - blockedMs,
        untilDeadline,
      );
      if (waitMs <= 0) throw failed();
      ledger?.move('BLOCKED', {
        reason: waitReasonOf(wait, failure.breakerState),
        errorType: failure.errorType,
        nextDelayMs: waitMs,
        tool: name,
      });
      await sleep(waitMs);
      blockedMs += waitMs;
      ledger?.move('RUNNING', { reason: 'resumed', tool: name });
    }
  }
}
