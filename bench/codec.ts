/**
 * Benchmark of payload encryption: `npm run -s bench:codec [-- --tasks 200 --concurrency 20]`.
 *
 * It starts its own embedded stack (Temporal dev server without UI, redis-server, fake provider) in a
 * temp dir, stops it at the end, and prints one JSON object on stdout (progress goes to stderr).
 *
 * 1. Three workers on task queues of their own, all from one workflow bundle: no codec (`off`),
 *    AES-256-GCM (`on`), and AES-256-GCM after gzip (`compressed`); each with a client of the same
 *    data converter.
 * 2. Throughput: `tasks` tasks with encryption off and `tasks` with it on, `concurrency` at a time,
 *    in the order off, on, on, off (half each time), so both see the server in the same state on
 *    average → `tasksPerSecOff`, `tasksPerSecOn`, `ratio` = on / off (target ≥ 0.95).
 * 3. Bytes: the history of a few tasks of each kind, read back from Temporal and encoded as stored
 *    (protobuf) → `bytesPerTaskPlain`, `bytesPerTaskEncrypted`, `bytesPerTaskCompressed`.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflows } from '../src/worker/bundle-workflows';
import { BreakwaterClient } from '../src/client/breakwater-client';
import { taskWorkflowId } from '../src/client/workflow-id';
import { withEncryption } from '../src/codec';
import type { BreakwaterConfig } from '../src/config';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { startStack, type Stack } from '../src/testing/stack';
import { endpointsOf, FAKE_OPENAI, stackConfig } from '../src/testing/stack-config';
import { createWorker, type BreakwaterWorker } from '../src/worker/create-worker';
import { round, timed } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('codec');
const KEY = Buffer.alloc(32, 11).toString('base64');
/** Tasks whose histories are measured, per kind. */
const SIZED_TASKS = 5;
/** A prompt of the size and texture of a real one: prose that repeats its vocabulary. */
const PROMPT = Array.from(
  { length: 40 },
  (_, index) => `Summarize order ${index} for the customer: items shipped, refunds due, next steps.`,
).join(' ');

interface BenchOptions {
  tasks: number;
  concurrency: number;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, ['tasks', 'concurrency']);
  return { tasks: integer('tasks', 200), concurrency: integer('concurrency', 20) };
}

interface Lane {
  worker: BreakwaterWorker;
  client: BreakwaterClient;
  temporal: Client;
}

async function lane(
  stack: Stack,
  name: string,
  env: Record<string, string>,
  codePath: string,
  connection: Connection,
): Promise<Lane> {
  const tag = `bench-codec-${name}-${randomUUID().slice(0, 8)}`;
  const config: BreakwaterConfig = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: '0',
    HTTP_PORT: '-1',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const worker = await createWorker(config, {
    logger: createLogger({ level: 'warn' }),
    workflowBundle: { codePath },
  });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: withEncryption(config.encryption),
  });
  return {
    worker,
    temporal: client,
    client: BreakwaterClient.fromClient({
      client,
      taskQueue: tag,
      policy: config.policy,
      taskDeadlineMs: config.taskDeadlineMs,
    }),
  };
}

/** Runs `count` tasks on `lane`, `concurrency` at a time; returns their idempotency keys and the time taken. */
async function runTasks(target: Lane, label: string, count: number, concurrency: number) {
  const keys = Array.from({ length: count }, () => `${label}-${randomUUID()}`);
  const { ms } = await timed(() =>
    mapConcurrent(keys, concurrency, (idempotencyKey) =>
      target.client.execute(
        { provider: FAKE_OPENAI, model: 'fake-model', messages: [{ role: 'user', content: PROMPT }] },
        { idempotencyKey, operation: 'summarize' },
      ),
    ),
  );
  return { keys, ms };
}

/** The mean size of the stored (protobuf) history of the tasks of `keys`. */
async function bytesPerTask(target: Lane, keys: readonly string[]): Promise<number> {
  const sizes = await Promise.all(
    keys.map(async (key) => {
      const history = await target.temporal.workflow.getHandle(taskWorkflowId(key)).fetchHistory();
      return temporal.api.history.v1.History.encode(history).finish().length;
    }),
  );
  return Math.round(sizes.reduce((sum, size) => sum + size, 0) / sizes.length);
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false, removeDirOnStop: false });
  cleanup.add(() => stack.stop());
  const { code } = await bundleWorkflows();
  const codePath = join(stack.dir, 'codec-bundle.js');
  writeFileSync(codePath, code);
  const connection = await Connection.connect({ address: stack.temporal.address });
  cleanup.add(() => connection.close());
  const keys = { BREAKWATER_ENCRYPTION_KEYS: `k1=${KEY}` };
  const off = await lane(stack, 'off', {}, codePath, connection);
  const on = await lane(stack, 'on', keys, codePath, connection);
  const compressed = await lane(
    stack,
    'gzip',
    { ...keys, BREAKWATER_ENCRYPTION_COMPRESS: 'gzip' },
    codePath,
    connection,
  );
  const runAll = <T>(work: () => Promise<T>) =>
    off.worker.runUntil(on.worker.runUntil(compressed.worker.runUntil(work)));

  return runAll(async () => {
    log('warm-up');
    await runTasks(off, 'warm-off', options.concurrency, options.concurrency);
    await runTasks(on, 'warm-on', options.concurrency, options.concurrency);
    const half = Math.ceil(options.tasks / 2);
    const rest = options.tasks - half;
    log(`${options.tasks} tasks each way, ${options.concurrency} at a time`);
    const off1 = await runTasks(off, 'off', half, options.concurrency);
    const on1 = await runTasks(on, 'on', half, options.concurrency);
    const on2 = await runTasks(on, 'on', rest, options.concurrency);
    const off2 = await runTasks(off, 'off', rest, options.concurrency);
    const gzip = await runTasks(compressed, 'gzip', SIZED_TASKS, SIZED_TASKS);
    const perSec = (ms: number) => round((options.tasks * 1000) / ms, 2);
    const tasksPerSecOff = perSec(off1.ms + off2.ms);
    const tasksPerSecOn = perSec(on1.ms + on2.ms);
    log('reading histories');
    return {
      tasks: options.tasks,
      concurrency: options.concurrency,
      promptBytes: Buffer.byteLength(PROMPT),
      tasksPerSecOn,
      tasksPerSecOff,
      ratio: round(tasksPerSecOn / tasksPerSecOff, 3),
      bytesPerTaskPlain: await bytesPerTask(off, off1.keys.slice(0, SIZED_TASKS)),
      bytesPerTaskEncrypted: await bytesPerTask(on, on1.keys.slice(0, SIZED_TASKS)),
      bytesPerTaskCompressed: await bytesPerTask(compressed, gzip.keys),
      bytes: 'mean size of a task’s whole stored history (protobuf), payloads included',
      targets: { ratio: '>= 0.95' },
    };
  });
}

runBenchmark(log, parseOptions, run);
