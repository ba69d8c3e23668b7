/** What the load and soak benchmarks share: a client on the stack, tasks run to their end, and where each ended. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { BreakwaterClient } from '../src/client/breakwater-client';
import type { BreakwaterConfig } from '../src/config';
import { DlqStore } from '../src/dlq/dlq-store';
import { createRedis, waitUntilReady } from '../src/redis/connection';
import { KeySpace } from '../src/redis/keys';
import { FAKE_OPENAI } from '../src/testing/stack-config';
import { bundleWorkflows } from '../src/worker/bundle-workflows';
import type { Cleanup } from './runner';

/** Where the benchmark's tasks ended: `lost` is neither DONE nor in `ai:dlq` or `ai:dead`. */
export interface TaskOutcomes {
  done: number;
  dlq: number;
  dead: number;
  lost: number;
}

/** Breakwater's workflows bundled once into `dir`, for in-process workers. */
export async function workflowBundleIn(dir: string): Promise<{ codePath: string }> {
  const { code } = await bundleWorkflows();
  const codePath = join(dir, 'workflow-bundle.js');
  writeFileSync(codePath, code);
  return { codePath };
}

/** A client of `config`'s task queue, closed by `cleanup`. */
export async function benchClient(config: BreakwaterConfig, cleanup: Cleanup): Promise<BreakwaterClient> {
  const connection = await Connection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  return BreakwaterClient.fromClient({
    client: new Client({ connection, namespace: config.temporal.namespace }),
    taskQueue: config.temporal.taskQueue,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
  });
}

/** The task `index` of a benchmark: one short question to the fake provider. */
export function benchTask(index: number) {
  return {
    provider: FAKE_OPENAI,
    model: 'fake-model',
    messages: [{ role: 'user' as const, content: `Summarise item ${index} in one line.` }],
  };
}

/**
 * Submits the task `key` and waits for its end: true when it ended DONE, false when it failed (its
 * entry is then in the DLQ, or it is lost) or did not end within `timeoutMs`.
 */
export async function runToEnd(client: BreakwaterClient, key: string, index: number, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    await client.submit(benchTask(index), { idempotencyKey: key });
    return await Promise.race([client.result(key).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Where each of `keys` ended: DONE (in `done`), else in `ai:dead`, else in `ai:dlq` (read from the
 * streams, by idempotency key), else lost. The four counts add up to the number of keys.
 */
export async function countOutcomes(
  config: BreakwaterConfig,
  keys: readonly string[],
  done: ReadonlySet<string>,
  cleanup: Cleanup,
): Promise<TaskOutcomes> {
  const redis = createRedis(config.redis);
  cleanup.add(() => redis.quit().catch(() => redis.disconnect()));
  await waitUntilReady(redis);
  const store = new DlqStore(redis, new KeySpace(config.redis.keyPrefix), config.dlq, config.encryption);
  const keysIn = async (stream: 'dlq' | 'dead') =>
    new Set((await store.list(stream)).map((entry) => entry.idempotencyKey));
  const [dlq, dead] = await Promise.all([keysIn('dlq'), keysIn('dead')]);
  const outcomes: TaskOutcomes = { done: 0, dlq: 0, dead: 0, lost: 0 };
  for (const key of keys) {
    if (done.has(key)) outcomes.done += 1;
    else if (dead.has(key)) outcomes.dead += 1;
    else if (dlq.has(key)) outcomes.dlq += 1;
    else outcomes.lost += 1;
  }
  return outcomes;
}
