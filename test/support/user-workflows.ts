/** An application's own workflows, calling Breakwater's guarded LLM call (bundled by the test's worker). */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { TaskMeta, TaskPolicy } from '../../src/task';
import { guardedLlmCall } from '../../workflows/guarded-call';

export { llmTask } from '../../workflows';

export interface DraftInput {
  meta: TaskMeta;
  policy: TaskPolicy;
  notes: string;
}

/** Two guarded calls in a row: a summary, then a title for it. */
export async function draftWithTitle(
  input: DraftInput,
): Promise<{ summary: string; title: string; attempts: number[] }> {
  const ask = (content: string) =>
    guardedLlmCall(
      { provider: 'fake', model: 'fake-model', messages: [{ role: 'user', content }] },
      { meta: input.meta, policy: input.policy },
    );
  const summary = await ask(`Summarize: ${input.notes}`);
  const title = await ask(`Title for: ${summary.response.text}`);
  return {
    summary: summary.response.text ?? '',
    title: title.response.text ?? '',
    attempts: [summary.attempt, title.attempt],
  };
}

/** An application's tool, whose errors quote what it was asked (the order's notes, say). */
export type LookupOrder = (notes: string) => Promise<string>;

/**
 * One call of the application's `lookupOrder` tool, never retried: its failure fails the workflow
 * with a failure of the workflow's own, which quotes the notes too.
 */
export async function lookupOrder(notes: string): Promise<string> {
  const tools = proxyActivities<{ lookupOrder: LookupOrder }>({
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 1 },
  });
  try {
    return await tools.lookupOrder(notes);
  } catch (error) {
    throw ApplicationFailure.create({
      message: `lookup failed for ${notes}`,
      nonRetryable: true,
      cause: error as Error,
    });
  }
}
