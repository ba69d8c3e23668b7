/**
 * The benchmarks' workflows: the example agent and the one-call task on Breakwater, and the same
 * agent and the same call on a bare activity.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { LlmRequest } from '../src/llm/request';
import type { LlmResponse } from '../src/llm/response';
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

/** One model call as a plain activity: the bare Temporal baseline of `llmTask`. */
export function bareTask(request: LlmRequest): Promise<LlmResponse> {
  return bareChat(request);
}
