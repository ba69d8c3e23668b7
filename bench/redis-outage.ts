/**
 * `npm run bench:outage`: how fast a worker admits calls again once its Redis is back after an
 * outage that caught calls in flight. Prints one JSON object.
 *
 * A real worker (Temporal dev server, fake provider, the stack's redis-server) on a breaker with no
 * success yet, whose gate lets exactly `--tasks` calls through (`BREAKER_FAILS` = `--tasks`): that
 * many calls reach the provider (each answers after `--latency-ms`), then Redis stops; the calls
 * answer while it is down, so their settles cannot reach it. `--later` more tasks are submitted
 * during the outage (they wait `BLOCKED`, `guard_unavailable`). After `--outage-ms` Redis restarts
 * with its data. Reported, from the moment Redis answers again: `resumeMsAfterRedisBack` (the first
 * call to reach the provider) and `allDoneMsAfterRedisBack` (every task `DONE`), next to the lease
 * (`--lease-ms`, the attempt's timeout) and the breaker window (`--window-sec`).
 *
 * The baseline, in the same run on the same stack: the same outage with no call in flight
 * (`baseline*`); `resumeRatioToBaseline` is the figure to read, about 1 when the calls in flight do
 * not slow the recovery. Were their settles lost, the gate would count them as possible failures
 * until their leases end. `leasesExpired` counts the leases that ended unsettled (the breaker's
 * `leases_expired` stat), `leasesHeldAfterDone` those still held once every task is done.
 */
import { BreakwaterClient } from '../src/client/breakwater-client';
import { createLogger } from '../src/observability/logger';
import { startStack, type Stack } from '../src/testing/stack';
import { endpointsOf, stackConfig } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import { round } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('outage');
const logger = createLogger({ level: 'silent' });
const PROVIDER = 'fake';

interface BenchOptions {
  tasks: number;
  later: number;
  outageMs: number;
  leaseMs: number;
  windowSec: number;
  latencyMs: number;
}

function parseOptions(args: string[]): BenchOptions {
  const flags = parseFlags(args, ['tasks', 'later', 'outage-ms', 'lease-ms', 'window-sec', 'latency-ms']);
  const options = {
    tasks: flags.integer('tasks', 5),
    later: flags.integer('later', 8),
    outageMs: flags.integer('outage-ms', 12_000),
    leaseMs: flags.integer('lease-ms', 20_000),
    windowSec: flags.integer('window-sec', 60),
    latencyMs: flags.integer('latency-ms', 2000),
  };
  if (options.latencyMs >= options.outageMs) {
    throw new RangeError('--latency-ms: must be shorter than --outage-ms (calls answer during the outage)');
  }
  if (options.latencyMs + 1000 >= options.leaseMs) {
    throw new RangeError('--lease-ms: must exceed --latency-ms by more than the 1 s call timeout margin');
  }
  return options;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One outage on a fresh breaker (its own task queue and key prefix): `inFlight` calls at the provider
 * when Redis stops, `options.later` tasks submitted while it is down.
 */
async function outageCase(stack: Stack, options: BenchOptions, inFlight: number, cleanup: Cleanup) {
  const tag = `bench-outage-${inFlight}-${Date.now().toString(36)}`;
  const fake = stack.fakeProvider!.scenario(tag);
  if (inFlight > 0)
    fake.inject({ fault: { kind: 'latency', latencyMs: options.latencyMs }, times: inFlight });
  const config = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: '0',
    HTTP_PORT: '-1',
    BREAKER_FAILS: String(options.tasks),
    BREAKER_WINDOW_SEC: String(options.windowSec),
    BREAKER_HALF_OPEN_RETRY_MS: '500',
    GUARD_UNAVAILABLE_RETRY_MS: '500',
    ACTIVITY_START_TO_CLOSE_MS: String(options.leaseMs),
    LLM_CALL_TIMEOUT_MS: String(options.leaseMs - 1000),
    MAX_BLOCKED_MS: String(10 * (options.outageMs + options.leaseMs)),
    TASK_DEADLINE_MS: String(20 * (options.outageMs + options.leaseMs)),
  });
  const worker = await createWorker(config, { logger });
  const client = await BreakwaterClient.connect(config);
  cleanup.add(() => client.close());
  const keys = Array.from({ length: inFlight + options.later }, (_, index) => `${tag}-${index}`);
  const submit = (batch: string[]) =>
    Promise.all(
      batch.map((key) =>
        client.submit(
          { provider: PROVIDER, model: 'fake-model', messages: [{ role: 'user', content: key }] },
          { idempotencyKey: key },
        ),
      ),
    );
  return worker.runUntil(async () => {
    log(`${inFlight} calls in flight, then Redis stops for ${options.outageMs} ms`);
    await submit(keys.slice(0, inFlight));
    while (fake.stats.received < inFlight) await sleep(20);
    const stoppedAt = Date.now();
    await stack.redis.stop();
    await submit(keys.slice(inFlight));
    await sleep(Math.max(0, stoppedAt + options.outageMs - Date.now()));
    await stack.redis.restart();
    const backAt = Date.now();
    log('Redis is back; waiting for every task');
    const results = await Promise.all(keys.map((key) => client.result(key)));
    const allDoneMsAfterRedisBack = Date.now() - backAt;
    const firstCallAfter = fake.stats.receivedAt.find((at) => at >= backAt);
    if (firstCallAfter === undefined) throw new Error('no call reached the provider after Redis returned');
    const breaker = await worker.breaker.status(PROVIDER);
    return {
      outageMs: backAt - stoppedAt,
      resumeMsAfterRedisBack: firstCallAfter - backAt,
      allDoneMsAfterRedisBack,
      done: results.filter((result) => result.ledger.state === 'DONE').length,
      tasks: keys.length,
      leasesExpired: breaker.stats.leases_expired ?? 0,
      leasesHeldAfterDone: breaker.inFlight,
      providerCalls: fake.stats.received,
    };
  });
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false });
  cleanup.add(() => stack.stop());
  log('baseline: the same outage with no call in flight');
  const baseline = await outageCase(stack, options, 0, cleanup);
  const measured = await outageCase(stack, options, options.tasks, cleanup);
  return {
    bench: 'redis-outage',
    tasksInFlightAtOutage: options.tasks,
    tasksSubmittedDuringOutage: options.later,
    leaseMs: options.leaseMs,
    windowSec: options.windowSec,
    outageMs: measured.outageMs,
    resumeMsAfterRedisBack: measured.resumeMsAfterRedisBack,
    allDoneMsAfterRedisBack: measured.allDoneMsAfterRedisBack,
    baselineResumeMsAfterRedisBack: baseline.resumeMsAfterRedisBack,
    baselineAllDoneMsAfterRedisBack: baseline.allDoneMsAfterRedisBack,
    resumeRatioToBaseline: round(measured.resumeMsAfterRedisBack / baseline.resumeMsAfterRedisBack, 2),
    resumeToLeaseRatio: round(measured.resumeMsAfterRedisBack / options.leaseMs, 3),
    done: measured.done,
    tasks: measured.tasks,
    leasesExpired: measured.leasesExpired,
    leasesHeldAfterDone: measured.leasesHeldAfterDone,
    providerCalls: measured.providerCalls,
  };
}

runBenchmark(log, parseOptions, run);
