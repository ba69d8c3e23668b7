/**
 * End-to-end throughput of a task against bare Temporal: `npm run -s bench:e2e [-- --tasks 200 --in-flight 50]`.
 *
 * It starts the embedded stack (Temporal dev server, redis-server, fake provider), stops it at the
 * end, and prints one JSON object on stdout (progress on stderr). On one stack in one run, the same
 * one-message request goes through Breakwater's `llmTask` (guard, ledger, deadline, client
 * validation) and through a bare workflow whose one activity calls the same fake provider with the
 * same adapter (`bareTask`, the baseline), each on a worker of its own in this process:
 *
 * 1. Burst: `tasks` tasks submitted at once, timed from the first submit to the last result.
 * 2. In flight: `tasks` tasks, `inFlight` at a time.
 *
 * Each is measured baseline, Breakwater, Breakwater, baseline (both see the same drift), and reported
 * as tasks per second of each and their ratio (Breakwater / baseline): `burstRatio`, `inFlightRatio`.
 * `historyEventsPerTask` and `bareHistoryEventsPerTask` are the mean events of a sample of each
 * side's histories (`historyEventsOf`: a workflow task that timed out under load is not counted).
 *
 * Target (reported in `targets`, never enforced): `burstRatio` ≥ 0.95.
 */
import { Client, Connection } from '@temporalio/client';
import { BreakwaterClient } from '../src/client/breakwater-client';
import { taskWorkflowId } from '../src/client/workflow-id';
import { LiveDeltas } from '../src/deltas/live-deltas';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { FAKE_OPENAI } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import { bareWorker } from './bare-worker';
import { startComparisonStack } from './comparison-stack';
import { historyEventsOf } from './history-events';
import { perSec, round, timed } from './measure';
import { benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('e2e');

interface BenchOptions {
  tasks: number;
  inFlight: number;
}

/** Histories read per side for the events per task. */
const HISTORY_SAMPLE = 20;

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, ['tasks', 'in-flight']);
  return { tasks: integer('tasks', 200), inFlight: integer('in-flight', 50) };
}

const request = (label: string) => ({
  provider: FAKE_OPENAI,
  model: 'fake-model',
  messages: [{ role: 'user' as const, content: `Say hello (${label})` }],
});

async function run(options: BenchOptions, cleanup: Cleanup) {
  const { tag, config, bundle } = await startComparisonStack('e2e', cleanup);
  const breakwater = await createWorker(config, {
    logger: createLogger({ level: 'warn' }),
    workflowBundle: bundle,
  });
  const bareQueue = `${tag}-bare`;
  const bare = await bareWorker(config, bareQueue, bundle, cleanup);
  const connection = await Connection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const client = BreakwaterClient.fromClient({
    client: temporal,
    taskQueue: tag,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
    liveDeltas: new LiveDeltas(config.redis),
  });

  /** One task each way; returns the workflow id. */
  const oneBreakwater = async (key: string) => {
    await client.execute(request(key), { idempotencyKey: key, runId: key });
    return taskWorkflowId(key);
  };
  const oneBare = async (key: string) => {
    await temporal.workflow.execute('bareTask', {
      taskQueue: bareQueue,
      workflowId: key,
      args: [request(key)],
    });
    return key;
  };
  /** `options.tasks` tasks of `one`, `concurrency` at a time; returns the time and the workflow ids. */
  const batch = (label: string, one: (key: string) => Promise<string>, concurrency: number) => {
    const keys = Array.from({ length: options.tasks }, (_, index) => `${tag}-${label}-${index}`);
    return timed(() => mapConcurrent(keys, concurrency, one));
  };
  /** Baseline, Breakwater, Breakwater, baseline; tasks per second of each side. */
  const abba = async (mode: string, concurrency: number) => {
    log(
      `${mode}: ${options.tasks} tasks per round, ${concurrency} at a time, baseline / breakwater / breakwater / baseline`,
    );
    const bareFirst = await batch(`${mode}-bare-1`, oneBare, concurrency);
    const bwFirst = await batch(`${mode}-bw-1`, oneBreakwater, concurrency);
    const bwSecond = await batch(`${mode}-bw-2`, oneBreakwater, concurrency);
    const bareSecond = await batch(`${mode}-bare-2`, oneBare, concurrency);
    return {
      breakwaterPerSec: perSec(2 * options.tasks, bwFirst.ms + bwSecond.ms),
      barePerSec: perSec(2 * options.tasks, bareFirst.ms + bareSecond.ms),
      breakwaterIds: bwFirst.value,
      bareIds: bareFirst.value,
    };
  };

  const measured = await breakwater.runUntil(
    bare.runUntil(async () => {
      log('warm-up: 10 tasks each way');
      await batchOf(oneBare, `${tag}-warm-bare`);
      await batchOf(oneBreakwater, `${tag}-warm-bw`);
      const burst = await abba('burst', options.tasks);
      const inFlight = await abba('in-flight', options.inFlight);
      log(`history: ${HISTORY_SAMPLE} histories each way`);
      const meanEvents = async (ids: string[]) => {
        const counts = await mapConcurrent(ids.slice(0, HISTORY_SAMPLE), 5, (id) =>
          historyEventsOf(temporal, id),
        );
        return round(counts.reduce((sum, count) => sum + count, 0) / counts.length, 2);
      };
      return {
        burst,
        inFlight,
        historyEventsPerTask: await meanEvents(burst.breakwaterIds),
        bareHistoryEventsPerTask: await meanEvents(burst.bareIds),
      };
    }),
  );

  const burstRatio = round(measured.burst.breakwaterPerSec / measured.burst.barePerSec, 3);
  const inFlightRatio = round(measured.inFlight.breakwaterPerSec / measured.inFlight.barePerSec, 3);
  return {
    benchmark: 'e2e',
    machine: { node: process.version },
    tasks: options.tasks,
    inFlight: options.inFlight,
    burstTasksPerSec: measured.burst.breakwaterPerSec,
    bareBurstTasksPerSec: measured.burst.barePerSec,
    burstRatio,
    inFlightTasksPerSec: measured.inFlight.breakwaterPerSec,
    bareInFlightTasksPerSec: measured.inFlight.barePerSec,
    inFlightRatio,
    historyEventsPerTask: measured.historyEventsPerTask,
    bareHistoryEventsPerTask: measured.bareHistoryEventsPerTask,
    targets: { burstRatioAtLeast095: burstRatio >= 0.95 },
  };
}

/** Ten tasks of `one` at once, keyed `<prefix>-<i>` (the warm-up). */
function batchOf(one: (key: string) => Promise<string>, prefix: string): Promise<string[]> {
  return Promise.all(Array.from({ length: 10 }, (_, index) => one(`${prefix}-${index}`)));
}

runBenchmark(log, parseOptions, run);
