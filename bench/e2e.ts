/**
 * End-to-end throughput of a task against bare Temporal: `npm run -s bench:e2e [-- --tasks 600 --in-flight 50 --rounds 3]`.
 *
 * It starts the embedded stack (Temporal dev server, redis-server, fake provider), stops it at the
 * end, and prints one JSON object on stdout (progress on stderr). On one stack in one run, the same
 * one-message request goes through Breakwater's `llmTask` (guard, ledger, deadline, client
 * validation) and through a bare workflow whose one activity calls the same fake provider with the
 * same adapter (`bareTask`, the baseline), each on a worker of its own in this process, with the
 * same slots and sticky cache (`bareWorker`, `startComparisonStack`):
 *
 * 1. Burst: `tasks` tasks submitted at once, timed from the first submit to the last result.
 * 2. In flight: `tasks` tasks, `inFlight` at a time.
 *
 * Each is measured in `rounds` rounds of baseline, Breakwater, Breakwater, baseline (both see the
 * same drift). A round's ratio is Breakwater's tasks per second over the baseline's in that round;
 * `burstRatio` and `inFlightRatio` are the median of the rounds' ratios (`burstRatios`,
 * `inFlightRatios`, each round's), so that one round disturbed by the machine does not decide the
 * figure. Tasks per second of each side are over all rounds.
 *
 * `cpuMsPerTask`: CPU milliseconds per task of each side, over all rounds of both modes, spent by
 * this process (client and worker), the Temporal dev server and redis-server (Linux `/proc`; 0
 * elsewhere). On a machine whose cores the stack keeps busy, throughput follows the CPU a task
 * costs, and these figures say where it goes; `cpuRatio` is the baseline's total over Breakwater's,
 * which other load on the machine disturbs less than the timed ratios.
 *
 * `historyEventsPerTask` and `bareHistoryEventsPerTask` are the mean events of a sample of each
 * side's histories (`historyEventsOf`: a workflow task that timed out under load is not counted).
 *
 * Target (reported in `targets`, never enforced): `burstRatio` ≥ 0.95.
 */
import { availableParallelism } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { BreakwaterClient } from '../src/client/breakwater-client';
import { taskWorkflowId } from '../src/client/workflow-id';
import { LiveDeltas } from '../src/deltas/live-deltas';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { percentile } from '../src/percentiles';
import { FAKE_OPENAI } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import { bareWorker } from './bare-worker';
import { startComparisonStack } from './comparison-stack';
import { historyEventsOf } from './history-events';
import { perSec, round, timed } from './measure';
import { stackCpuReader, type StackCpu } from './process-cpu';
import { benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('e2e');

interface BenchOptions {
  tasks: number;
  inFlight: number;
  rounds: number;
}

/** Histories read per side for the events per task. */
const HISTORY_SAMPLE = 20;

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, ['tasks', 'in-flight', 'rounds']);
  return { tasks: integer('tasks', 600), inFlight: integer('in-flight', 50), rounds: integer('rounds', 3) };
}

const request = (label: string) => ({
  provider: FAKE_OPENAI,
  model: 'fake-model',
  messages: [{ role: 'user' as const, content: `Say hello (${label})` }],
});

type Side = 'breakwater' | 'bare';

/** What one side has run so far: tasks, their wall time and the CPU they cost. */
class SideTotals {
  tasks = 0;
  ms = 0;
  readonly cpu: StackCpu = { bench: 0, temporal: 0, redis: 0 };

  add(tasks: number, ms: number, before: StackCpu, after: StackCpu): void {
    this.tasks += tasks;
    this.ms += ms;
    for (const key of Object.keys(this.cpu) as Array<keyof StackCpu>)
      this.cpu[key] += after[key] - before[key];
  }

  get perSec(): number {
    return perSec(this.tasks, this.ms);
  }

  /** CPU ms per task by process, and their sum. */
  cpuMsPerTask() {
    const per = (seconds: number) => round((1000 * seconds) / this.tasks, 2);
    const { bench, temporal, redis } = this.cpu;
    return {
      bench: per(bench),
      temporal: per(temporal),
      redis: per(redis),
      total: per(bench + temporal + redis),
    };
  }
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const { stack, tag, config, bundle } = await startComparisonStack('e2e', cleanup);
  const cpuNow = stackCpuReader(stack.dir, stack.redis.port);
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
  const one: Record<Side, (key: string) => Promise<string>> = {
    breakwater: async (key) => {
      await client.execute(request(key), { idempotencyKey: key, runId: key });
      return taskWorkflowId(key);
    },
    bare: async (key) => {
      await temporal.workflow.execute('bareTask', {
        taskQueue: bareQueue,
        workflowId: key,
        args: [request(key)],
      });
      return key;
    },
  };
  /** `options.tasks` tasks of `side`, `concurrency` at a time, added to `totals`; returns their time (ms) and workflow ids. */
  const batch = async (side: Side, totals: SideTotals, label: string, concurrency: number) => {
    const keys = Array.from({ length: options.tasks }, (_, index) => `${tag}-${label}-${index}`);
    const before = cpuNow();
    const { ms, value } = await timed(() => mapConcurrent(keys, concurrency, one[side]));
    totals.add(options.tasks, ms, before, cpuNow());
    return { ms, ids: value };
  };
  /** `options.rounds` rounds of baseline, Breakwater, Breakwater, baseline. */
  const measure = async (mode: string, concurrency: number) => {
    log(
      `${mode}: ${options.rounds} rounds of ${options.tasks} tasks, ${concurrency} at a time, baseline / breakwater / breakwater / baseline`,
    );
    const totals = { breakwater: new SideTotals(), bare: new SideTotals() };
    const ratios: number[] = [];
    const ids = { breakwater: [] as string[], bare: [] as string[] };
    for (let index = 1; index <= options.rounds; index++) {
      const label = `${mode}-${index}`;
      const bareFirst = await batch('bare', totals.bare, `${label}-bare-1`, concurrency);
      const bwFirst = await batch('breakwater', totals.breakwater, `${label}-bw-1`, concurrency);
      const bwSecond = await batch('breakwater', totals.breakwater, `${label}-bw-2`, concurrency);
      const bareSecond = await batch('bare', totals.bare, `${label}-bare-2`, concurrency);
      // The same number of tasks on both sides: the ratio of the rates is the inverse one of the times.
      ratios.push(round((bareFirst.ms + bareSecond.ms) / (bwFirst.ms + bwSecond.ms), 3));
      log(`${mode} round ${index}: ratio ${ratios.at(-1)}`);
      ids.breakwater.push(...bwFirst.ids);
      ids.bare.push(...bareFirst.ids);
    }
    return { totals, ratio: percentile(ratios, 50), ratios, ids };
  };

  const measured = await breakwater.runUntil(
    bare.runUntil(async () => {
      log('warm-up: 10 tasks each way');
      await batchOf(one.bare, `${tag}-warm-bare`);
      await batchOf(one.breakwater, `${tag}-warm-bw`);
      const burst = await measure('burst', options.tasks);
      const inFlight = await measure('in-flight', options.inFlight);
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
        historyEventsPerTask: await meanEvents(burst.ids.breakwater),
        bareHistoryEventsPerTask: await meanEvents(burst.ids.bare),
      };
    }),
  );

  const { burst, inFlight } = measured;
  const cpuTotal = (side: Side) =>
    [burst, inFlight].reduce((sum, mode) => sum + mode.totals[side].cpuMsPerTask().total, 0);
  return {
    benchmark: 'e2e',
    machine: { node: process.version, cpus: availableParallelism() },
    tasks: options.tasks,
    inFlight: options.inFlight,
    rounds: options.rounds,
    burstTasksPerSec: burst.totals.breakwater.perSec,
    bareBurstTasksPerSec: burst.totals.bare.perSec,
    burstRatio: burst.ratio,
    burstRatios: burst.ratios,
    inFlightTasksPerSec: inFlight.totals.breakwater.perSec,
    bareInFlightTasksPerSec: inFlight.totals.bare.perSec,
    inFlightRatio: inFlight.ratio,
    inFlightRatios: inFlight.ratios,
    cpuMsPerTask: {
      burst: { breakwater: burst.totals.breakwater.cpuMsPerTask(), bare: burst.totals.bare.cpuMsPerTask() },
      inFlight: {
        breakwater: inFlight.totals.breakwater.cpuMsPerTask(),
        bare: inFlight.totals.bare.cpuMsPerTask(),
      },
    },
    cpuRatio: round(cpuTotal('bare') / cpuTotal('breakwater'), 3),
    historyEventsPerTask: measured.historyEventsPerTask,
    bareHistoryEventsPerTask: measured.bareHistoryEventsPerTask,
    targets: { burstRatioAtLeast095: burst.ratio >= 0.95 },
  };
}

/** Ten tasks of `one` at once, keyed `<prefix>-<i>` (the warm-up). */
function batchOf(one: (key: string) => Promise<string>, prefix: string): Promise<string[]> {
  return Promise.all(Array.from({ length: 10 }, (_, index) => one(`${prefix}-${index}`)));
}

runBenchmark(log, parseOptions, run);
