/**
 * The demo's last act: a tool-using agent (`workflows/examples/order-agent.ts`: the model calls a
 * tool, an activity runs it, the model answers) and a streamed task read live through
 * `BreakwaterClient.stream`. Both on the demo's worker, each model call under the guard.
 */
import type { BreakwaterClient } from '../client/breakwater-client';
import type { BreakwaterConfig } from '../config';
import type { FakeScenario } from '../testing/fake-provider';
import { FAKE_OPENAI } from '../testing/stack-config';
import type { OrderAgentInput, OrderAgentResult } from '../../workflows/examples/order-agent';

const AGENT_ANSWER = 'Your order A-1001 has shipped; it is due on 4 December.';
const STREAMED_ANSWER =
  'A streamed answer arrives word by word, so the reader starts at once while the model is still writing.';

/** Makes the fake provider call the agent's tool, then answer; and answer a tool-less call at length. */
export function scriptAgentAndStream(fake: FakeScenario): void {
  fake.configure({
    script: [
      { toolResults: 0, callTools: [{ name: 'lookupOrder', arguments: { orderId: 'A-1001' } }] },
      { toolResults: 1, text: AGENT_ANSWER },
      { text: STREAMED_ANSWER },
    ],
    chunkDelayMs: 15,
  });
}

/** Runs the agent and the streamed task; returns what the demo prints of them. */
export async function agentAndStream(
  client: BreakwaterClient,
  config: BreakwaterConfig,
  runTag: string,
): Promise<string[]> {
  const input: OrderAgentInput = {
    provider: FAKE_OPENAI,
    model: 'fake-model',
    question: 'Where is my order A-1001?',
    meta: {
      idempotencyKey: `${runTag}-agent`,
      runId: `${runTag}-agent`,
      turn: '1',
      operation: 'support',
      agent: 'orders',
      priority: 'normal',
    },
    policy: config.policy,
  };
  const agent = await client.temporal.workflow.execute<(input: OrderAgentInput) => Promise<OrderAgentResult>>(
    'orderAgent',
    { taskQueue: config.temporal.taskQueue, workflowId: `${runTag}-agent`, args: [input] },
  );
  const key = `${runTag}-stream`;
  const submittedAt = Date.now();
  await client.submit(
    {
      provider: FAKE_OPENAI,
      model: 'fake-model',
      messages: [{ role: 'user', content: 'Why stream?' }],
      stream: true,
    },
    { idempotencyKey: key },
  );
  let deltas = 0;
  let firstDeltaMs: number | undefined;
  let streamedText = '';
  let finalText: string | null = null;
  for await (const event of client.stream(key)) {
    if (event.type === 'attempt') streamedText = '';
    if (event.type === 'delta' && event.delta.type === 'text') {
      deltas += 1;
      firstDeltaMs ??= Date.now() - submittedAt;
      streamedText += event.delta.text;
    }
    if (event.type === 'response') finalText = event.response.text;
  }
  return [
    `a tool-using agent (workflows/examples/order-agent.ts): ${agent.steps} model calls, ${agent.toolCalls} tool call, ledger ${agent.ledger.entries.map((entry) => entry.to).join(' → ')}`,
    `  its answer: ${agent.answer ?? '(none)'}`,
    `a streamed task: ${deltas} deltas read live with client.stream(), the first ${firstDeltaMs ?? '-'} ms after the submit; ` +
      `the durable response ${finalText === streamedText ? 'equals' : 'differs from'} what streamed`,
  ];
}
