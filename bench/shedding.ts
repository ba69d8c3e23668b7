/**
 * Benchmark of load shedding: `npm run -s bench:shedding [-- --limit 100 --latency-ms 250]`.
 *
 * It starts the embedded stack (Temporal dev server, redis-server, fake provider), stops it at the
 * end, and prints one JSON object on stdout (progress on stderr).
 *
 * The provider is slowed to a fixed rate: every call takes `latency-ms` and the worker makes one call
 * at a time (`WORKER_MAX_CONCURRENT_ACTIVITIES=1`), so tasks pile up waiting. A burst of
 * 3 × `limit` submits of mixed priority (one in 75 `critical`, one in 150 `high`, the others `low` and
 * `normal` in turn; the same sequence in both runs) goes through the submit gate twice, on a queue and
 * a key prefix of its own each time:
 * 1. without shedding (`DEGRADED_QUEUE_LIMIT` far above the burst): every task is accepted;
 * 2. with shedding (`DEGRADED_QUEUE_LIMIT=limit`): `low` and `normal` submits past the limit are
 *    refused with `OverloadedError`, `high` and `critical` ones pass.
 * Each run waits for every accepted task to end. Reported: the time from the burst's start until the
 * last `critical` task is DONE in each run (`criticalFinishMsShedding`, `criticalFinishMsNoShedding`)
 * and their ratio `criticalSpeedup`; `peakWaiting`, the most waiting tasks (queued + blocked) the
 * shedding run counted, sampled every 20 ms and at each refusal.
 *
 * Targets (reported in `targets`, never enforced): `criticalSpeedup` ≥ 2, `peakWaiting` ≤ 1.05 × `limit`.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { BreakwaterClient, type TaskHandle } from '../src/client/breakwater-client';
import type { BreakwaterConfig } from '../src/config';
import { SubmitGate } from '../src/degraded/submit-gate';
import { isOverloadedError } from '../src/errors';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { WORKFLOWS_PATH } from '../src/plugin/workflows-path';
import { createRedis, waitUntilReady } from '../src/redis/connection';
import { DegradedScripts } from '../src/redis/degraded-scripts';
import { KeySpace } from '../src/redis/keys';
import { startStack, type Stack } from '../src/testing/stack';
import { endpointsOf, FAKE_OPENAI, stackConfig } from '../src/testing/stack-config';
import type { Priority } from '../src/task';
import { createWorker } from '../src/worker/create-worker';
import { round } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('shedding');

interface BenchOptions {
  limit: number;
  latencyMs: number;
}

/** Submits in flight at once during the burst. */
const BURST_CONCURRENCY = 8;
/** A limit no burst reaches: shedding off. */
const NO_LIMIT = 1_000_000_000;

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, ['limit', 'latency-ms']);
  return { limit: integer('limit', 100), latencyMs: integer('latency-ms', 250) };
}

/**
 * The priority of the burst's submit `index`: 2 % of the burst is `critical` or `high`. Those pass
 * the limit by design, so the peak above it is the high and critical submits accepted while the
 * queue was full (less what the provider served meanwhile): about 2 × their share of the burst.
 */
function priorityOf(index: number): Priority {
  if (index % 75 === 74) return 'critical';
  if (index % 150 === 37) return 'high';
  return index % 2 === 0 ? 'low' : 'normal';
}

interface RunResult {
  accepted: number;
  shed: number;
  criticalFinishMs: number;
  peakWaiting: number;
  durationMs: number;
}

/** One burst of `count` submits against a fresh queue and prefix with `queueLimit`; waits for every accepted task. */
async function burst(
  stack: Stack,
  bundle: { codePath: string },
  options: BenchOptions,
  queueLimit: number,
  cleanup: Cleanup,
): Promise<RunResult> {
  const tag = `bench-shed-${randomUUID().slice(0, 8)}`;
  const config: BreakwaterConfig = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: '0',
    HTTP_PORT: '-1',
    LOG_LEVEL: 'warn',
    WORKER_MAX_CONCURRENT_ACTIVITIES: '1',
    DEGRADED_QUEUE_LIMIT: String(queueLimit),
    TASK_DEADLINE_MS: '1800000',
  });
  stack.fakeProvider!.scenario(tag).inject({ fault: { kind: 'latency', latencyMs: options.latencyMs } });
  const redis = createRedis(config.redis);
  cleanup.add(() => redis.quit().catch(() => redis.disconnect()));
  await waitUntilReady(redis);
  const scripts = new DegradedScripts(redis, new KeySpace(config.redis.keyPrefix));
  const connection = await Connection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  const client = BreakwaterClient.fromClient({
    client: new Client({ connection, namespace: config.temporal.namespace }),
    taskQueue: tag,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
    gate: new SubmitGate({ scripts, settings: config.degraded }),
  });
  const worker = await createWorker(config, {
    logger: createLogger({ level: 'warn' }),
    workflowBundle: bundle,
  });

  return worker.runUntil(async () => {
    let peakWaiting = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { QUEUED, BLOCKED } = (await scripts.degradedControl('status', { taskQueue: tag })).waiting;
        peakWaiting = Math.max(peakWaiting, QUEUED + BLOCKED);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const count = 3 * options.limit;
    const startedAt = performance.now();
    const criticalDone: Array<Promise<number>> = [];
    const accepted: TaskHandle[] = [];
    let shed = 0;
    await mapConcurrent(
      Array.from({ length: count }, (_, index) => index),
      BURST_CONCURRENCY,
      async (index) => {
        const priority = priorityOf(index);
        try {
          const handle = await client.submit(
            {
              provider: FAKE_OPENAI,
              model: 'fake-model',
              messages: [{ role: 'user', content: `Task ${index}` }],
            },
            { idempotencyKey: `${tag}-${index}`, priority },
          );
          accepted.push(handle);
          if (priority === 'critical') {
            criticalDone.push(client.result(handle.idempotencyKey).then(() => performance.now() - startedAt));
          }
        } catch (error) {
          if (!isOverloadedError(error)) throw error;
          shed += 1;
          peakWaiting = Math.max(peakWaiting, error.waiting);
        }
      },
    );
    log(
      `${queueLimit === NO_LIMIT ? 'no shedding' : `limit ${queueLimit}`}: ${accepted.length} accepted, ${shed} shed`,
    );
    const criticalFinishMs = Math.max(...(await Promise.all(criticalDone)));
    await Promise.all(accepted.map((handle) => client.result(handle.idempotencyKey)));
    sampling = false;
    await sampler;
    return {
      accepted: accepted.length,
      shed,
      criticalFinishMs,
      peakWaiting,
      durationMs: performance.now() - startedAt,
    };
  });
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false, removeDirOnStop: false });
  cleanup.add(() => stack.stop());
  const ignore = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore },
  });
  const bundle = { codePath: join(stack.dir, 'shedding-bundle.js') };
  writeFileSync(bundle.codePath, code);

  // Without shedding first: if the stack slows down over the runs, it slows the shedding run.
  log(`burst of ${3 * options.limit} submits without shedding`);
  const noShedding = await burst(stack, bundle, options, NO_LIMIT, cleanup);
  log(`burst of ${3 * options.limit} submits with DEGRADED_QUEUE_LIMIT=${options.limit}`);
  const shedding = await burst(stack, bundle, options, options.limit, cleanup);

  const criticalSpeedup = round(noShedding.criticalFinishMs / shedding.criticalFinishMs, 2);
  return {
    benchmark: 'shedding',
    machine: { node: process.version },
    limit: options.limit,
    burst: 3 * options.limit,
    providerLatencyMs: options.latencyMs,
    peakWaiting: shedding.peakWaiting,
    criticalFinishMsShedding: round(shedding.criticalFinishMs),
    criticalFinishMsNoShedding: round(noShedding.criticalFinishMs),
    criticalSpeedup,
    shedding: { accepted: shedding.accepted, shed: shedding.shed, durationMs: round(shedding.durationMs) },
    noShedding: {
      accepted: noShedding.accepted,
      shed: noShedding.shed,
      peakWaiting: noShedding.peakWaiting,
      durationMs: round(noShedding.durationMs),
    },
    targets: {
      criticalSpeedupAtLeast2: criticalSpeedup >= 2,
      peakWaitingWithin5Percent: shedding.peakWaiting <= 1.05 * options.limit,
    },
  };
}

runBenchmark(log, parseOptions, run);
