/** Workers that serve AI SDK agents in tests, with AI SDK providers that speak to the fake provider. */
import { join } from 'node:path';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { ProviderV3 } from '@ai-sdk/provider';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { orderActivities } from '../../activities/examples/order-lookup';
import { getMetrics, type BreakwaterMetrics } from '../../src/observability/metrics';
import type { FakeProvider, FakeScenario } from '../../src/testing/fake-provider';
import type { CreateWorkerOptions } from '../../src/worker/create-worker';
import { createHarness, type Harness } from './harness';
import { workflowBundleOf } from './workflow-bundle';

/** `fake`'s OpenAI Chat Completions API (the AI SDK's OpenAI provider defaults to the Responses API). */
export function fakeChatModels(fake: FakeScenario): ProviderV3 {
  const openai = createOpenAI({ baseURL: fake.openAiBaseUrl, apiKey: 'sk-fake-local-key-000000000000' });
  return {
    specificationVersion: 'v3',
    languageModel: (modelId) => openai.chat(modelId),
    embeddingModel: (modelId) => openai.embeddingModel(modelId),
    imageModel: (modelId) => openai.imageModel(modelId),
  };
}

/** `fake`'s Anthropic Messages API. */
export function fakeAnthropicModels(fake: FakeScenario): ProviderV3 {
  return createAnthropic({
    baseURL: `${fake.anthropicBaseUrl}/v1`,
    apiKey: 'sk-ant-fake-local-key-0000000000',
  });
}

/**
 * The AI SDK test workflows (`ai-sdk-workflows.ts`), bundled once per test file into the embedded
 * stack's directory (removed with it), and the bundle's code.
 */
export function aiSdkWorkflowBundle(): Promise<{ codePath: string; code: string }> {
  return workflowBundleOf(join(__dirname, 'ai-sdk-workflows.ts'));
}

/** How one workflow run ended, read before the harness closes its connection. */
export interface AgentRun<T> {
  workflowId: string;
  /** Set when the workflow completed. */
  result?: T;
  /** Set when it failed. */
  error?: unknown;
  /** The attempts Temporal made of its last model activity (waits included). */
  modelAttempts: number;
}

export interface AgentHarness extends Harness {
  /** The worker's metrics. */
  metrics: BreakwaterMetrics;
  /** Runs `workflow` to its end on the test's task queue; its n-th run has workflow id `<name>-<n>`. */
  execute<T>(workflow: string, args: unknown[]): Promise<AgentRun<T>>;
}

/**
 * A harness whose worker serves AI SDK agents with the fake provider's OpenAI API as provider
 * `fake`, falling back to its Anthropic API as provider `fake-anthropic` (model `fake-fallback`),
 * with `workerOptions` besides.
 */
export async function createAgentHarness(
  fakeProvider: FakeProvider,
  bundle: { codePath: string },
  label: string,
  env: Record<string, string> = {},
  workerOptions: CreateWorkerOptions = {},
): Promise<AgentHarness> {
  const registry = new Registry();
  const h = await createHarness(fakeProvider, label, env, {
    workerOptions: (_index, fake) => ({
      ...workerOptions,
      workflowBundle: { codePath: bundle.codePath },
      registry,
      activities: orderActivities,
      aiSdk: {
        provider: 'fake',
        models: fakeChatModels(fake),
        fallbacks: [
          { provider: 'fake-anthropic', models: fakeAnthropicModels(fake), model: 'fake-fallback' },
        ],
      },
    }),
  });
  let runs = 0;
  return {
    ...h,
    metrics: getMetrics(registry),
    execute: async <T>(workflow: string, args: unknown[]) => {
      runs += 1;
      const workflowId = `${h.name}-${runs}`;
      const run: AgentRun<T> = { workflowId, modelAttempts: 0 };
      try {
        run.result = await h.temporal.workflow.execute<(...input: unknown[]) => Promise<T>>(workflow, {
          taskQueue: h.name,
          workflowId,
          args,
        });
      } catch (error) {
        run.error = error;
      }
      run.modelAttempts = await modelActivityAttempts(h.temporal, workflowId);
      return run;
    },
  };
}

async function modelActivityAttempts(temporal: Client, workflowId: string): Promise<number> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const started = (history.events ?? []).flatMap((event) =>
    event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt ?? 0] : [],
  );
  return Math.max(0, ...started);
}

/** The application failure under the activity failure a failed agent workflow ends with. */
export function modelCallFailure(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const activity = (error as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  const cause = (activity as ActivityFailure).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}
