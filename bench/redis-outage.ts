/**
 * `npm run bench:outage`: how fast a worker admits calls again once its Redis is back after an
 * outage that caught calls in flight. Prints one JSON object.
 *
 * A real worker (Temporal dev server, fake provider, a redis-server of the stack's own) on a breaker
 * with no success yet (`BREAKER_FAILS` = `--tasks`, so the gate lets exactly these through): `--tasks`
 * calls reach the provider (each answers after `--latency-ms`), then
 * Redis stops; those calls answer while it is down, so their settles cannot reach it. `--later` more
 * tasks are submitted during the outage (they wait `BLOCKED`, `guard_unavailable`). After
 * `--outage-ms` Redis restarts with its data. Reported, from the moment Redis answers again:
 * `resumeMsAfterRedisBack` (the first call to reach the provider) and `allDoneMsAfterRedisBack` (every
 * task `DONE`), next to the outage, the lease (`--lease-ms`, the attempt's timeout) and the breaker
 * window (`--window-sec`). `leasesLeftAfterDone` counts the breaker's leases still held once every
 * task is done (calls whose settle never arrived). Without settles delivered after the outage, the
 * first figure is bounded by the lease: the gate counts the dead leases as possible failures.
 */
import { BreakwaterClient } from '../src/client/breakwater-client';
import { createLogger } from '../src/observability/logger';
import { startStack } from '../src/testing/stack';
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

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false });
  cleanup.add(() => stack.stop());
  const tag = `bench-outage-${Date.now().toString(36)}`;
  const fake = stack.fakeProvider!.scenario(tag);
  fake.inject({ fault: { kind: 'latency', latencyMs: options.latencyMs }, times: options.tasks });
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
  const keys = Array.from({ length: options.tasks + options.later }, (_, index) => `${tag}-${index}`);
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
    log(`${options.tasks} calls in flight, then Redis stops for ${options.outageMs} ms`);
    await submit(keys.slice(0, options.tasks));
    while (fake.stats.received < options.tasks) await sleep(20);
    const stoppedAt = Date.now();
    await stack.redis.stop();
    await submit(keys.slice(options.tasks));
    await sleep(Math.max(0, stoppedAt + options.outageMs - Date.now()));
    await stack.redis.restart();
    const backAt = Date.now();
    const outageMs = backAt - stoppedAt;
    log('Redis is back; waiting for every task');
    const results = await Promise.all(keys.map((key) => client.result(key)));
    const allDoneMsAfterRedisBack = Date.now() - backAt;
    const firstCallAfter = fake.stats.receivedAt.find((at) => at >= backAt);
    const breaker = await worker.breaker.status(PROVIDER);
    return {
      bench: 'redis-outage',
      tasksInFlightAtOutage: options.tasks,
      tasksSubmittedDuringOutage: options.later,
      done: results.filter((result) => result.ledger.state === 'DONE').length,
      outageMs,
      leaseMs: options.leaseMs,
      windowSec: options.windowSec,
      resumeMsAfterRedisBack: firstCallAfter === undefined ? null : firstCallAfter - backAt,
      allDoneMsAfterRedisBack,
      resumeToLeaseRatio:
        firstCallAfter === undefined ? null : round((firstCallAfter - backAt) / options.leaseMs, 3),
      leasesExpired: breaker.stats.leases_expired ?? 0,
      leasesHeldAfterDone: breaker.inFlight,
      providerCalls: fake.stats.received,
    };
  });
}

runBenchmark(log, parseOptions, run);
