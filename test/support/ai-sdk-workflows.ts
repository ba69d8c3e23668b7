/** Workflows of AI SDK agents, bundled by the AI SDK tests' workers. */
import { temporalProvider } from '@temporalio/ai-sdk';
import { generateText } from 'ai';
import type { LedgerSnapshot, TaskMeta } from '../../src/task';
import { LedgerTracker } from '../../workflows/ledger-tracker';

export { supportAgent } from '../../workflows/examples/support-agent';

/** One `generateText` call whose attempts Breakwater reports into this workflow's ledger. */
export async function ledgeredAnswer(input: {
  meta: TaskMeta;
  question: string;
  model: string;
}): Promise<{ answer: string; ledger: LedgerSnapshot }> {
  const tracker = new LedgerTracker(input.meta, 'fake').install();
  tracker.move('RUNNING', { reason: 'started', attempt: 1, provider: 'fake' });
  const result = await generateText({
    model: temporalProvider.languageModel(input.model),
    prompt: input.question,
    providerOptions: { breakwater: { reportAttempts: true } },
  });
  tracker.move('DONE', { reason: 'completed', attempt: tracker.ledger.attempts, provider: 'fake' });
  return { answer: result.text, ledger: tracker.snapshot() };
}
