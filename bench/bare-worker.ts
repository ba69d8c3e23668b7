/** The baseline's worker: the bare model-call activity against the stack's fake provider, nothing around it. */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BreakwaterConfig } from '../src/config';
import { OpenAiCompatibleAdapter } from '../src/providers/openai';
import { FAKE_OPENAI } from '../src/testing/stack-config';
import { createBareActivities } from './bare-activities';
import type { Cleanup } from './runner';

/**
 * A plain worker on `taskQueue` with `bareChat` (and `activities`, the workflows' tools), closed by
 * `cleanup`, with the slots and sticky cache `BreakwaterPlugin` gives Breakwater's worker from `config`:
 * the comparison is of the work per task, not of the worker's settings.
 */
export async function bareWorker(
  config: BreakwaterConfig,
  taskQueue: string,
  bundle: { codePath: string },
  cleanup: Cleanup,
  activities: Record<string, (...args: never[]) => Promise<unknown>> = {},
): Promise<Worker> {
  const fake = config.providers.find((provider) => provider.name === FAKE_OPENAI)!;
  const adapter = new OpenAiCompatibleAdapter(fake.name, fake.baseUrl, fake.apiKey);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: bundle,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
    activities: { ...activities, ...createBareActivities(adapter, config.policy.callTimeoutMs) },
  });
}
