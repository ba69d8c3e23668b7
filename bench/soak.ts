/**
 * Soak under faults: `npm run -s bench:soak [-- --tasks 10000 --in-flight 50 --worker-env '{"NAME":"value"}']`.
 *
 * It builds the package (`npm run build`, as `npm start` does), starts the embedded stack (Temporal
 * dev server, redis-server, fake provider) and the worker as `npm start` runs it, `node
 * dist/src/worker/main.js`, in a process of its own, so that the memory read is the worker's alone;
 * stops them at the end and prints one JSON object on stdout (progress on stderr).
 *
 * One provider call in five (`FAULTS`) gets a fault: 429 with `Retry-After`, 500, 503, a slow answer,
 * a hang (cut by the call timeout), a malformed body (retried), and a content-filter stop or a 400
 * (not retried: `ai:dlq` and `ai:dead`). `tasks` tasks run `in-flight` at a time, each to its end.
 * The worker's RSS and V8 heap (`process_resident_memory_bytes`, `nodejs_heap_size_used_bytes` of its
 * `/metrics`) are sampled every `SAMPLE_EVERY_MS`, with the number of tasks ended so far.
 * `--worker-env` adds variables to the worker's environment (a JSON object of strings), to measure a
 * setting (`MALLOC_ARENA_MAX`, `NODE_OPTIONS`, `WORKER_MAX_CACHED_WORKFLOWS`) against the default.
 *
 * Reported:
 * - `done`, `dlq`, `dead`, `lost`: where the tasks ended (lost: neither DONE nor in a DLQ stream);
 *   they add up to `tasks`;
 * - `rssSlopeMbPer1000`: the least-squares slope of RSS against tasks ended, in MB per 1,000 tasks,
 *   over the samples after the first `WARM_UP_SHARE` of the tasks (`heapSlopeMbPer1000` likewise);
 * - `rssFloorSlopeMbPer1000`: the same slope over the floor of each window of `FLOOR_WINDOW_SHARE` of
 *   the tasks (its lowest sample) instead of every sample (`heapFloorSlopeMbPer1000` likewise). V8
 *   lets its old space fill with garbage between major GCs (hundreds of tasks apart) and gives pages
 *   back after them, so the raw RSS swings by 100 MB around a level; a raw slope over a saw-tooth
 *   depends on where the run stops in it. The floors are where RSS and heap come back to after a
 *   collection: what a leak raises. Both are reported; the target is on the raw one;
 * - `majorGcs`: the worker's major (mark-compact) GCs during the tasks, from `nodejs_gc_duration_seconds`;
 * - `tasksPerSec`: tasks ended per second (throughput, to weigh a setting's cost);
 * - `rssMbByTenth`: the RSS once each tenth of the tasks had ended (a plateau or a climb);
 * - `readyMs`: from the worker's spawn to `/ready` answering 200 (`readyCpuMs`: the CPU time it had
 *   used then); `rssBeforeFirstTaskMb`: its RSS once ready, before any task (the most of the samples
 *   over `IDLE_MS`).
 *
 * Targets (reported in `targets`, never enforced): `lost` = 0, `rssSlopeMbPer1000` ≤ 1,
 * `rssBeforeFirstTaskMb` ≤ 250, `readyMs` ≤ 2000.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fault, FaultRule } from '../src/testing/fake-faults';
import { ManagedProcess } from '../src/testing/child-process';
import { freePort } from '../src/free-port';
import { mapConcurrent } from '../src/map-concurrent';
import { startStack } from '../src/testing/stack';
import { endpointsOf, FAKE_MODEL_PRICES, stackConfig } from '../src/testing/stack-config';
import { PROJECT_ROOT } from '../src/testing/toolchain';
import { perSec, round } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';
import { benchClient, countOutcomes, runToEnd } from './task-outcomes';

const log = benchLog('soak');

const SAMPLE_EVERY_MS = 1000;
/** The share of the tasks whose samples are left out of the slopes. */
const WARM_UP_SHARE = 0.2;
/** The share of the tasks in each window whose lowest sample is its floor (see `rssFloorSlopeMbPer1000`). */
const FLOOR_WINDOW_SHARE = 0.05;
/** How long the idle worker is sampled before the first task. */
const IDLE_MS = 2000;
const MB = 1024 * 1024;
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** Each fault and its share of all provider calls (20 % in all). */
const FAULTS: Array<[share: number, fault: Fault]> = [
  [0.05, { kind: 'status', status: 429, retryAfterSec: 1 }],
  [0.03, { kind: 'status', status: 500 }],
  [0.03, { kind: 'status', status: 503 }],
  [0.03, { kind: 'latency', latencyMs: 1500 }],
  [0.01, { kind: 'hang' }],
  [0.02, { kind: 'malformed' }],
  [0.015, { kind: 'content_filter' }],
  [0.015, { kind: 'status', status: 400 }],
];

interface BenchOptions {
  tasks: number;
  inFlight: number;
  /** Variables added to the worker's environment. */
  workerEnv: Record<string, string>;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer, text } = parseFlags(args, ['tasks', 'in-flight', 'worker-env']);
  return {
    tasks: integer('tasks', 10_000),
    inFlight: integer('in-flight', 50),
    workerEnv: parseWorkerEnv(text('worker-env')),
  };
}

function parseWorkerEnv(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  const invalid = new RangeError(
    `--worker-env: must be a JSON object of strings, as '{"MALLOC_ARENA_MAX":"2"}'`,
  );
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid;
  if (!Object.values(value).every((each) => typeof each === 'string')) throw invalid;
  return value as Record<string, string>;
}

/**
 * The fault rules giving each fault its share: the fake provider tries its rules in order, so each
 * rule's probability is its share of the calls the rules before it let through.
 */
function faultRules(): FaultRule[] {
  let untouched = 1;
  return FAULTS.map(([share, fault]) => {
    const probability = share / untouched;
    untouched -= share;
    return { fault, probability };
  });
}

interface Sample {
  ended: number;
  rssMb: number;
  heapUsedMb: number;
  majorGcs: number;
}

/** The worker's RSS, heap and major GCs so far from its `/metrics`. */
async function memoryOf(metricsUrl: string): Promise<Omit<Sample, 'ended'>> {
  const text = await (await fetch(metricsUrl)).text();
  /** The value of `series`; `absent` when it is not there yet (a GC kind that has not run has none). */
  const valueOf = (series: string, absent?: number) => {
    const line = text.split('\n').find((each) => each.startsWith(`${series} `));
    if (line !== undefined) return Number(line.slice(series.length + 1));
    if (absent === undefined) throw new Error(`${series} is not on ${metricsUrl}`);
    return absent;
  };
  return {
    rssMb: valueOf('process_resident_memory_bytes') / MB,
    heapUsedMb: valueOf('nodejs_heap_size_used_bytes') / MB,
    majorGcs: valueOf('nodejs_gc_duration_seconds_count{kind="major"}', 0),
  };
}

/** Least-squares slope of `y` against `x`. */
function slope(points: ReadonlyArray<[x: number, y: number]>): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

/** The lowest sample by `pick` of each window of `windowTasks` tasks ended. */
function floors(samples: readonly Sample[], windowTasks: number, pick: (sample: Sample) => number): Sample[] {
  const windows = new Map<number, Sample>();
  for (const sample of samples) {
    const window = Math.floor(sample.ended / windowTasks);
    const lowest = windows.get(window);
    if (lowest === undefined || pick(sample) < pick(lowest)) windows.set(window, sample);
  }
  return [...windows.values()];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The process that `guardPid` (a `ManagedProcess`'s guard shell) runs: its child that is not a shell. */
function guardedPid(guardPid: number): number {
  const children = readFileSync(`/proc/${guardPid}/task/${guardPid}/children`, 'utf8').trim().split(/\s+/);
  const pid = children.find((child) => readFileSync(`/proc/${child}/comm`, 'utf8').trim() !== 'sh');
  if (pid === undefined) throw new Error(`no process runs under ${guardPid}`);
  return Number(pid);
}

/**
 * CPU time (user and system, all threads) process `pid` has used, in ms, from `/proc/<pid>/stat`.
 * The CPU it took to get ready is what start-up costs on an idle machine: the wall time grows with
 * the machine's load.
 */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command's name in parentheses: state (field 3), …, utime (14) and stime (15).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Spawns the worker and waits for `/ready`; returns the time and CPU it took, and the base URL. */
async function startWorker(env: Record<string, string>, logFile: string, cleanup: Cleanup) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const worker = ManagedProcess.spawn('worker', process.execPath, ['dist/src/worker/main.js'], {
    logFile,
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, HTTP_PORT: String(port) },
  });
  cleanup.add(() => worker.stop());
  for (;;) {
    if (!worker.running) throw new Error(`the worker exited; see ${logFile}`);
    const status = await fetch(`${baseUrl}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) {
      const readyMs = performance.now() - startedAt;
      return { readyMs, readyCpuMs: Math.round(cpuMsOf(guardedPid(worker.pid!))), baseUrl };
    }
    await sleep(20);
  }
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false, removeDirOnStop: false });
  cleanup.add(() => stack.stop());
  const tag = `bench-soak-${randomUUID().slice(0, 8)}`;
  const scenario = stack.fakeProvider!.scenario(tag);
  for (const rule of faultRules()) scenario.inject(rule);
  const env = {
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.temporal.namespace,
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_URL: stack.redis.url,
    REDIS_KEY_PREFIX: tag,
    HTTP_HOST: '127.0.0.1',
    LLM_PROVIDERS: 'fake',
    LLM_FAKE_BASE_URL: scenario.openAiBaseUrl,
    LLM_FAKE_API_KEY: 'sk-fake-local-key-000000000000',
    MODEL_PRICES: FAKE_MODEL_PRICES,
    LOG_LEVEL: 'error',
    // Quick retries and a short call timeout, so that a task with faults ends in seconds.
    RETRY_INITIAL_INTERVAL_MS: '100',
    RETRY_MAXIMUM_INTERVAL_MS: '1000',
    LLM_CALL_TIMEOUT_MS: '3000',
    ACTIVITY_START_TO_CLOSE_MS: '6000',
    RATE_LIMIT_RPM: '0',
    // The faults are a fifth of the calls: a failure-rate breaker at 50 % stays closed.
    BREAKER_MODE: 'rate',
  };
  const config = stackConfig(endpointsOf(stack, tag), env);
  const { readyMs, readyCpuMs, baseUrl } = await startWorker(
    { ...env, ...options.workerEnv },
    join(stack.dir, 'worker.log'),
    cleanup,
  );
  const metricsUrl = `${baseUrl}/metrics`;
  log(`worker ready in ${Math.round(readyMs)} ms (${readyCpuMs} ms of CPU)`);
  const idle: number[] = [];
  for (let waited = 0; waited <= IDLE_MS; waited += SAMPLE_EVERY_MS) {
    idle.push((await memoryOf(metricsUrl)).rssMb);
    await sleep(SAMPLE_EVERY_MS);
  }

  const client = await benchClient(config, cleanup);
  const keys = Array.from({ length: options.tasks }, (_, index) => `${tag}-${index}`);
  const done = new Set<string>();
  const samples: Sample[] = [];
  let ended = 0;
  let sampling = true;
  // A sample that fails (the worker gone, or the bench interrupted) ends the sampling; the run then fails with it.
  let samplingFailure: unknown;
  const sampler = (async () => {
    while (sampling) {
      samples.push({ ended, ...(await memoryOf(metricsUrl)) });
      await sleep(SAMPLE_EVERY_MS);
    }
  })().catch((error: unknown) => {
    samplingFailure = error;
  });
  log(`${options.tasks} tasks, ${options.inFlight} in flight, a fifth of the calls faulted`);
  const startedAt = Date.now();
  await mapConcurrent(keys, options.inFlight, async (key, index) => {
    if (await runToEnd(client, key, index, config.taskDeadlineMs + 60_000)) done.add(key);
    ended += 1;
    if (ended % 500 === 0) {
      const last = samples.at(-1);
      log(`${ended} tasks ended; RSS ${last ? Math.round(last.rssMb) : '?'} MB`);
    }
  });
  const durationMs = Date.now() - startedAt;
  sampling = false;
  await sampler;
  if (samplingFailure !== undefined) {
    throw new Error(`sampling the worker's ${metricsUrl} failed`, { cause: samplingFailure });
  }
  samples.push({ ended, ...(await memoryOf(metricsUrl)) });

  const outcomes = await countOutcomes(config, keys, done, cleanup);
  const warm = samples.filter((sample) => sample.ended >= WARM_UP_SHARE * options.tasks);
  const perThousand = (over: readonly Sample[], pick: (sample: Sample) => number) =>
    round(slope(over.map((sample) => [sample.ended / 1000, pick(sample)])), 2);
  // The samples after the last task ended would make a window of their own, its floor a single sample.
  const working = warm.filter((sample) => sample.ended < options.tasks);
  const floorPerThousand = (pick: (sample: Sample) => number) =>
    perThousand(floors(working, FLOOR_WINDOW_SHARE * options.tasks, pick), pick);
  const rss = (sample: Sample) => sample.rssMb;
  const heapUsed = (sample: Sample) => sample.heapUsedMb;
  const rssSlopeMbPer1000 = perThousand(warm, rss);
  const rssBeforeFirstTaskMb = round(Math.max(...idle));
  const last = samples.at(-1)!;
  return {
    benchmark: 'soak',
    machine: { node: process.version },
    tasks: options.tasks,
    inFlight: options.inFlight,
    workerEnv: options.workerEnv,
    ...outcomes,
    providerRequests: scenario.stats.received,
    rssSlopeMbPer1000,
    heapSlopeMbPer1000: perThousand(warm, heapUsed),
    rssFloorSlopeMbPer1000: floorPerThousand(rss),
    heapFloorSlopeMbPer1000: floorPerThousand(heapUsed),
    majorGcs: last.majorGcs - samples[0]!.majorGcs,
    rssBeforeFirstTaskMb,
    readyMs: Math.round(readyMs),
    readyCpuMs,
    rssPeakMb: round(Math.max(...samples.map((sample) => sample.rssMb))),
    rssMbByTenth: Array.from({ length: 10 }, (_, tenth) => {
      const sample = samples.find((each) => each.ended >= ((tenth + 1) * options.tasks) / 10) ?? last;
      return round(sample.rssMb);
    }),
    rssEndMb: round(last.rssMb),
    heapUsedEndMb: round(last.heapUsedMb),
    samples: samples.length,
    durationMs,
    tasksPerSec: perSec(options.tasks, durationMs),
    targets: {
      lost: '0',
      rssSlopeMbPer1000: '<= 1',
      rssBeforeFirstTaskMb: '<= 250',
      readyMs: '<= 2000',
      met: outcomes.lost === 0 && rssSlopeMbPer1000 <= 1 && rssBeforeFirstTaskMb <= 250 && readyMs <= 2000,
    },
  };
}

runBenchmark(log, parseOptions, run);
