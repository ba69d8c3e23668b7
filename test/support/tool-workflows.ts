/** Workflows that call an application's tools (activities), guarded or not, for the tool-guard tests. */
import { proxyActivities } from '@temporalio/workflow';
import type { LedgerSnapshot, TaskPolicy } from '../../src/task';
import { callFailureOf } from '../../workflows/call-failure';
import { guardedActivity } from '../../workflows/guarded-activity';
import { LedgerTracker } from '../../workflows/ledger-tracker';

export interface ToolCallInput {
  tool: string;
  arg: string;
  /** The task queue of the worker that runs the tool (default: the workflow's). */
  taskQueue?: string;
}

/** One plain call of `tool`, never retried: its value, or the type of the failure it ended with. */
export async function callTool(input: ToolCallInput): Promise<{ value?: string; errorType?: string }> {
  const tools = proxyActivities({
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 1 },
    ...(input.taskQueue ? { taskQueue: input.taskQueue } : {}),
  });
  try {
    return { value: (await tools[input.tool]!(input.arg)) as string };
  } catch (error) {
    return { errorType: callFailureOf(error)?.errorType ?? 'unknown' };
  }
}

export interface ToolLoopInput {
  tool: string;
  /** Calls to make, one after the other, or all at once with `parallel`. */
  calls: number;
  parallel?: boolean;
  policy: TaskPolicy;
}

/** An agent's loop of tool calls through `guardedActivity`, in one ledger (sequential calls only). */
export async function toolLoop(input: ToolLoopInput): Promise<{ results: string[]; ledger: LedgerSnapshot }> {
  const meta = {
    idempotencyKey: 'tool-loop',
    operation: 'tools',
    agent: 'looper',
    priority: 'normal' as const,
  };
  const ledger = new LedgerTracker(meta, 'none').install();
  ledger.move('RUNNING', { reason: 'started' });
  const call = (index: number) =>
    guardedActivity<(arg: string) => Promise<string>>(input.tool, [`call-${index}`], {
      activity: { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } },
      policy: input.policy,
      ...(input.parallel ? {} : { ledger }),
    });
  const indexes = Array.from({ length: input.calls }, (_, index) => index);
  const results: string[] = [];
  if (input.parallel) results.push(...(await Promise.all(indexes.map(call))));
  else for (const index of indexes) results.push(await call(index));
  ledger.move('DONE', { reason: 'completed' });
  return { results, ledger: ledger.snapshot() };
}
