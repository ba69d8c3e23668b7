/**
 * Load through a binding rate limit: `npm run -s bench:load [-- --tasks 1000 --rpm 300 --burst 10 --in-flight 1000]`.
 *
 * It starts the embedded stack (Temporal dev server, redis-server, fake provider) and a worker on it,
 * with the fake provider's rate limit at `rpm` requests per minute and `burst` (`RATE_LIMIT_RPM`,
 * `RATE_LIMIT_BURST`; `RATE_LIMIT_MODE=wait`, so a task without room waits BLOCKED), stops them at the
 * end, and prints one JSON object on stdout (progress on stderr). `tasks` tasks are submitted with
 * `in-flight` of them running at once (default: all at once) and each is waited for to its end.
 * 1,000 tasks at 300 RPM take more than 3 minutes by design.
 *
 * Reported:
 * - `observedPeakRpm`: the most requests the fake provider received in any 60 s (sliding, from its
 *   request times), against `limitRpm`: the guard admits at most `rpm` in any 60.25 s by Redis time
 *   (a token bucket alone would let `rpm + burst` through in a minute in which it starts full); the
 *   quarter second covers the transit time, which varies, so that requests admitted a window apart
 *   do not arrive less than 60 s apart;
 * - `throughputToIdealRatio`: the limit's ideal time for the tasks (the first `burst` at once, then
 *   `rpm` a minute) over the time from the first submit to the last task's end;
 * - `lost`: tasks neither DONE nor in `ai:dlq` / `ai:dead` (`done`, `dlq`, `dead` beside it).
 *
 * Targets (reported in `targets`, never enforced): `observedPeakRpm` ≤ `limitRpm`, `lost` = 0.
 */
import { randomUUID } from 'node:crypto';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { startStack } from '../src/testing/stack';
import { endpointsOf, stackConfig } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import { round } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';
import { benchClient, countOutcomes, runToEnd, workflowBundleIn } from './task-outcomes';

const log = benchLog('load');

const MINUTE_MS = 60_000;

interface BenchOptions {
  tasks: number;
  rpm: number;
  burst: number;
  inFlight: number;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, ['tasks', 'rpm', 'burst', 'in-flight']);
  const tasks = integer('tasks', 1000);
  const options = {
    tasks,
    rpm: integer('rpm', 300),
    burst: integer('burst', 10),
    inFlight: integer('in-flight', tasks),
  };
  if (options.tasks <= options.burst) throw new RangeError('--tasks: must be more than --burst');
  return options;
}

/** The most of `times` (epoch ms) within any window of `windowMs`. */
function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first += 1;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false, removeDirOnStop: false });
  cleanup.add(() => stack.stop());
  const tag = `bench-load-${randomUUID().slice(0, 8)}`;
  // The longest wait of the last task is the whole run at the limit's pace, with room to spare.
  const idealMs = ((options.tasks - options.burst) / options.rpm) * MINUTE_MS;
  const patienceMs = Math.max(10 * MINUTE_MS, 4 * idealMs);
  const config = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: String(options.rpm),
    RATE_LIMIT_BURST: String(options.burst),
    RATE_LIMIT_MODE: 'wait',
    MAX_BLOCKED_MS: String(patienceMs),
    TASK_DEADLINE_MS: String(patienceMs),
    HTTP_PORT: '-1',
    LOG_LEVEL: 'warn',
  });
  const scenario = stack.fakeProvider!.scenario(tag);
  const worker = await createWorker(config, {
    // Every wait for the limit is a warning: the benchmark keeps errors only.
    logger: createLogger({ level: 'error' }),
    workflowBundle: await workflowBundleIn(stack.dir),
  });
  const client = await benchClient(config, cleanup);
  const keys = Array.from({ length: options.tasks }, (_, index) => `${tag}-${index}`);
  const done = new Set<string>();

  log(
    `${options.tasks} tasks, ${options.inFlight} in flight, at ${options.rpm} RPM (burst ${options.burst})`,
  );
  const startedAt = Date.now();
  let lastEndAt = startedAt;
  await worker.runUntil(async () => {
    let ended = 0;
    await mapConcurrent(keys, options.inFlight, async (key, index) => {
      if (await runToEnd(client, key, index, patienceMs + MINUTE_MS)) done.add(key);
      lastEndAt = Date.now();
      ended += 1;
      if (ended % 100 === 0) log(`${ended} tasks ended`);
    });
  });
  const outcomes = await countOutcomes(config, keys, done, cleanup);
  const observedPeakRpm = peakInWindow(scenario.stats.receivedAt, MINUTE_MS);
  return {
    benchmark: 'load',
    machine: { node: process.version },
    tasks: options.tasks,
    limitRpm: options.rpm,
    burst: options.burst,
    inFlight: options.inFlight,
    observedPeakRpm,
    providerRequests: scenario.stats.received,
    throughputToIdealRatio: round(idealMs / (lastEndAt - startedAt), 3),
    durationMs: lastEndAt - startedAt,
    idealMs: Math.round(idealMs),
    ...outcomes,
    targets: {
      observedPeakRpm: `<= ${options.rpm} (limitRpm)`,
      lost: '0',
      met: observedPeakRpm <= options.rpm && outcomes.lost === 0,
    },
  };
}

runBenchmark(log, parseOptions, run);
