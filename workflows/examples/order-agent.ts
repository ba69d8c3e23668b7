/**
 * A tool-using agent on Breakwater's own guarded call, as an application writes it: ask the model,
 * run each tool it calls as an activity, give it the results, until it answers. Every model call
 * goes through `guardedLlmCall` (shared breaker, budgets per run and turn, rate limits, retries,
 * BLOCKED waits), every tool call through `guardedActivity` (the tool's own breaker, rate limit and
 * cap per task when `TOOL_GUARDS` names it), and the workflow keeps one ledger for the whole agent run.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities/examples/order-lookup';
import type { ChatMessage, LlmRequest, ToolDefinition } from '../../src/llm/request';
import type { LlmResponse, ResponseToolCall } from '../../src/llm/response';
import type { LedgerSnapshot, TaskMeta, TaskPolicy } from '../../src/task';
import { guardedActivity } from '../guarded-activity';
import { guardedLlmCall } from '../guarded-call';
import { LedgerTracker } from '../ledger-tracker';

const TOOL_OPTIONS = { startToCloseTimeout: '30 seconds' } as const;

const { lookupOrder } = proxyActivities<OrderActivities>(TOOL_OPTIONS);

/** How the agent runs its tool. */
export type OrderLookup = OrderActivities['lookupOrder'];

/** The agent's one tool. */
export const LOOKUP_ORDER_TOOL: ToolDefinition = {
  type: 'function',
  function: {
    name: 'lookupOrder',
    description: 'The status and due date of an order',
    parameters: {
      type: 'object',
      properties: { orderId: { type: 'string', description: 'The order id, like A-1001' } },
      required: ['orderId'],
      additionalProperties: false,
    },
  },
};

/** What the agent's loop needs: the model to ask, the question, and how many model calls it may make. */
export interface AgentQuestion {
  provider: string;
  model: string;
  question: string;
  /** Model calls the agent may make; the last one may not call tools, so it answers (default 5). */
  maxSteps?: number;
}

export interface OrderAgentInput extends AgentQuestion {
  /** The agent run's identity: its `runId` and `turn` carry the run's and the turn's budgets. */
  meta: TaskMeta;
  policy: TaskPolicy;
}

export interface OrderAgentResult {
  answer: string | null;
  /** Model calls made. */
  steps: number;
  toolCalls: number;
  ledger: LedgerSnapshot;
}

/** The tool call's result, as the content of the tool message that answers it. */
async function runTool(call: ResponseToolCall, lookup: OrderLookup): Promise<string> {
  const input = call.input as { orderId?: unknown } | undefined;
  if (call.name !== 'lookupOrder' || typeof input?.orderId !== 'string') {
    return JSON.stringify({ error: `unknown tool call ${call.name}` });
  }
  return JSON.stringify(await lookup(input.orderId));
}

/** The assistant message that carries `calls` back into the conversation. */
function assistantTurn(text: string | null, calls: readonly ResponseToolCall[]): ChatMessage {
  return {
    role: 'assistant',
    content: text,
    tool_calls: calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    })),
  };
}

/**
 * The agent's loop, whatever makes its model calls (`ask`) and runs its tool (`lookup`, default: the
 * plain activity): asks, runs each tool the model calls, gives it the results, until it answers.
 */
export async function answerWithTools(
  input: AgentQuestion,
  ask: (request: LlmRequest) => Promise<LlmResponse>,
  lookup: OrderLookup = lookupOrder,
): Promise<Omit<OrderAgentResult, 'ledger'>> {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You answer customers about their orders. Look an order up first.' },
    { role: 'user', content: input.question },
  ];
  const maxSteps = input.maxSteps ?? 5;
  let toolCalls = 0;
  for (let step = 1; ; step++) {
    const response = await ask({
      provider: input.provider,
      model: input.model,
      messages,
      tools: [LOOKUP_ORDER_TOOL],
      tool_choice: step < maxSteps ? 'auto' : 'none',
    });
    if (response.toolCalls.length === 0) return { answer: response.text, steps: step, toolCalls };
    toolCalls += response.toolCalls.length;
    messages.push(assistantTurn(response.text, response.toolCalls));
    for (const call of response.toolCalls) {
      messages.push({ role: 'tool', tool_call_id: call.id, content: await runTool(call, lookup) });
    }
  }
}

/** Answers a customer's question about their orders, each model and tool call guarded, in one ledger. */
export async function orderAgent(input: OrderAgentInput): Promise<OrderAgentResult> {
  const ledger = new LedgerTracker(input.meta, input.provider).install();
  ledger.move('RUNNING', { reason: 'started', attempt: 1, provider: input.provider });
  const options = { meta: input.meta, policy: input.policy, ledger };
  const toolOptions = {
    activity: TOOL_OPTIONS,
    policy: input.policy,
    ledger,
    idempotencyKey: input.meta.idempotencyKey,
  };
  const result = await answerWithTools(
    input,
    async (request) => (await guardedLlmCall(request, options)).response,
    (orderId) => guardedActivity<OrderLookup>('lookupOrder', [orderId], toolOptions),
  );
  ledger.move('DONE', { reason: 'completed', attempt: ledger.ledger.attempts });
  return { ...result, ledger: ledger.snapshot() };
}
