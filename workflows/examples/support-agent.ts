/**
 * An AI SDK agent as an application writes it: `generateText` with a tool and a step limit. Its
 * model calls run as activities through Temporal's AI SDK integration; its tool calls an activity
 * of its own. Nothing here names Breakwater: on a worker created with
 * `createWorker(config, { aiSdk, activities })`, every model call is guarded all the same.
 */
// Temporal's integration installs the web APIs `ai` needs in the workflow sandbox: import it first.
import { temporalProvider } from '@temporalio/ai-sdk';
import { proxyActivities } from '@temporalio/workflow';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';
import type { OrderActivities } from '../../activities/examples/order-lookup';

const { lookupOrder } = proxyActivities<OrderActivities>({ startToCloseTimeout: '30 seconds' });

export interface SupportAgentInput {
  question: string;
  /** The model to ask (a model of the worker's AI SDK provider). */
  model: string;
  /** Model calls the agent may make before it must answer (default 5). */
  maxSteps?: number;
}

export interface SupportAgentResult {
  answer: string;
  /** Model calls made. */
  steps: number;
  toolCalls: number;
  /** The model that gave the answer (a fallback's, when the worker switched to one). */
  modelId: string;
  inputTokens: number;
  outputTokens: number;
}

/** Answers a customer's question about their orders, looking orders up as it needs. */
export async function supportAgent(input: SupportAgentInput): Promise<SupportAgentResult> {
  const result = await generateText({
    model: temporalProvider.languageModel(input.model),
    system: 'You answer customers about their orders. Look an order up before you say anything about it.',
    prompt: input.question,
    tools: {
      lookupOrder: tool({
        description: 'The status and due date of an order',
        inputSchema: z.object({ orderId: z.string().describe('The order id, like A-1001') }),
        execute: ({ orderId }) => lookupOrder(orderId),
      }),
    },
    stopWhen: stepCountIs(input.maxSteps ?? 5),
  });
  return {
    answer: result.text,
    steps: result.steps.length,
    toolCalls: result.steps.reduce((count, step) => count + step.toolCalls.length, 0),
    modelId: result.response.modelId,
    inputTokens: result.totalUsage.inputTokens ?? 0,
    outputTokens: result.totalUsage.outputTokens ?? 0,
  };
}
