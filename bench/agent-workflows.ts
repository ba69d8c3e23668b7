/** The benchmark's workflows: the example agent on Breakwater, and the same agent on a bare activity. */
import { proxyActivities } from '@temporalio/workflow';
import { answerWithTools, type AgentQuestion } from '../workflows/examples/order-agent';
import type { BareActivities } from './bare-activities';

export { orderAgent } from '../workflows/examples/order-agent';
export { llmTask } from '../workflows';

const { bareChat } = proxyActivities<BareActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { maximumAttempts: 4 },
});

/** The same agent loop, each model call a plain activity that calls the provider: no guard, no ledger. */
export function bareOrderAgent(input: AgentQuestion) {
  return answerWithTools(input, bareChat);
}
