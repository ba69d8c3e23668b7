/** An application's own workflows, calling Breakwater's guarded LLM call (bundled by the test's worker). */
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
