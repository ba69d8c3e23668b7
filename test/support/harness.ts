/**
 * Per-test wiring on the shared embedded stack: a unique task queue and Redis key prefix, a
 * fake provider scenario of its own, a worker and a client.
 */
import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { RedisConnection } from '../../src/redis/connection';
import { withEncryption } from '../../src/codec';
import type { BreakwaterConfig } from '../../src/config';
import { BreakwaterClient, TaskFailedError } from '../../src/client/breakwater-client';
import { LiveDeltas } from '../../src/deltas/live-deltas';
import { stackConfig } from '../../src/testing/stack-config';
import { createLogger, type Logger } from '../../src/observability/logger';
import { FakeProvider, type FakeScenario } from '../../src/testing/fake-provider';
import {
  createWorker,
  type BreakwaterWorker,
  type CreateWorkerOptions,
} from '../../src/worker/create-worker';
import { createRedis, waitUntilReady } from '../../src/redis/connection';

export const testLogger = createLogger({
  level: (process.env.TEST_LOG_LEVEL as 'warn' | undefined) ?? 'silent',
});

/** A logger at `level` (default warn) that keeps every line it writes, for tests that read what a worker logged. */
export function logCapture(level: 'info' | 'warn' = 'warn'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}

/** Fast retries and short timeouts, so each test takes seconds. */
export const FAST_POLICY_ENV: Record<string, string> = {
  RETRY_INITIAL_INTERVAL_MS: '100',
  RETRY_MAXIMUM_INTERVAL_MS: '1000',
  RETRY_MAXIMUM_ATTEMPTS: '4',
  LLM_CALL_TIMEOUT_MS: '5000',
  ACTIVITY_START_TO_CLOSE_MS: '8000',
  ACTIVITY_HEARTBEAT_TIMEOUT_MS: '1000',
  TASK_DEADLINE_MS: '60000',
  MAX_BLOCKED_MS: '20000',
  HTTP_PORT: '-1',
  // Rate limits are off unless a test is about them (the seed default, 60 per minute, would throttle).
  RATE_LIMIT_RPM: '0',
};

export function uniqueName(label: string): string {
  return `${label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}-${randomUUID().slice(0, 8)}`;
}

export interface Harness {
  name: string;
  config: BreakwaterConfig;
  fake: FakeScenario;
  client: BreakwaterClient;
  temporal: Client;
  /** The first of `workers`. */
  worker: BreakwaterWorker;
  /** Every worker of the test, all on its task queue and key prefix. */
  workers: BreakwaterWorker[];
  /** Runs the workers while `work` runs, then shuts them down and closes the client. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export interface HarnessOptions {
  /** Workers on the test's task queue (default 1), each with its own connections. */
  workers?: number;
  /** A Redis of the test's own (default: the shared stack's). */
  redisUrl?: string;
  /** A Temporal dev server of the test's own, which it may stop and restart (default: the shared stack's). */
  temporal?: { address: string; namespace: string };
  /** Options for each worker, by index (`fake`: the test's fake provider scenario). */
  workerOptions?: (index: number, fake: FakeScenario) => CreateWorkerOptions;
}

/** A fake provider for one test file. */
export async function startFakeProvider(): Promise<FakeProvider> {
  return new FakeProvider().start();
}

export async function createHarness(
  fakeProvider: FakeProvider,
  label: string,
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const stack = inject('stack');
  const name = uniqueName(label);
  const fake = fakeProvider.scenario(name);
  const redisUrl = options.redisUrl ?? stack.redisUrl;
  const temporal = options.temporal ?? { address: stack.temporalAddress, namespace: stack.namespace };
  const config = stackConfig(
    { temporalAddress: temporal.address, namespace: temporal.namespace, redisUrl, fake },
    { ...FAST_POLICY_ENV, TEMPORAL_TASK_QUEUE: name, REDIS_KEY_PREFIX: `t:${name}`, ...env },
  );
  const workers = await Promise.all(
    Array.from({ length: options.workers ?? 1 }, (_, index) =>
      createWorker(config, {
        logger: testLogger,
        workflowBundle: { codePath: stack.workflowBundlePath },
        ...options.workerOptions?.(index, fake),
      }),
    ),
  );
  const connection = await Connection.connect({ address: temporal.address });
  const temporalClient = new Client({
    connection,
    namespace: temporal.namespace,
    dataConverter: withEncryption(config.encryption),
  });
  const client = BreakwaterClient.fromClient({
    client: temporalClient,
    taskQueue: config.temporal.taskQueue,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
    liveDeltas: new LiveDeltas(config.redis),
  });
  return {
    name,
    config,
    fake,
    client,
    temporal: temporalClient,
    worker: workers[0]!,
    workers,
    run: async (work) => {
      const running = work();
      try {
        const [result] = await Promise.all(workers.map((worker) => worker.runUntil(running)));
        return result as Awaited<ReturnType<typeof work>>;
      } finally {
        await connection.close();
      }
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Awaits `promise`, expects it to reject with a `TaskFailedError`, and returns that error. */
export async function failureOf(promise: Promise<unknown>): Promise<TaskFailedError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TaskFailedError);
  return error as TaskFailedError;
}

/** A ready connection to the shared stack's Redis. */
export async function connectStackRedis(commandTimeoutMs = 5000): Promise<RedisConnection> {
  const redis = createRedis({ url: inject('stack').redisUrl, commandTimeoutMs });
  await waitUntilReady(redis);
  return redis;
}

/** A one-message chat request to the fake provider. */
export function chat(content: string, provider = 'fake') {
  return { provider, model: 'fake-model', messages: [{ role: 'user' as const, content }] };
}

/** The current value of one labelled series of a prom-client counter (0 when it has none yet). */
export async function counterValue(
  counter: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await counter.get();
  const match = values.find((value) =>
    Object.entries(labels).every(([key, label]) => value.labels[key] === label),
  );
  return match?.value ?? 0;
}
