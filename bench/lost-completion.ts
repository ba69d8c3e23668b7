/**
 * `npm run bench:lost-completion`: provider calls per task across a Temporal outage that outlasts
 * the heartbeat timeout while calls are in flight. Prints one JSON object.
 *
 * A real worker (Temporal dev server with its SQLite file, the stack's redis-server, the fake
 * provider): `--tasks` tasks reach the provider, which answers each after `--latency-ms`; the
 * Temporal dev server stops (a graceful stop, as in a restart) as soon as they all arrived and
 * starts again `--outage-ms` after it is down, so the answers come while it stops or is down, past
 * the heartbeat timeout (`--heartbeat-ms`), and their completions may be lost. Every task must end
 * `DONE`; `providerCalls` counts the calls that reached the provider, `callsPerTask` is the figure
 * to read (1 when no answer was paid twice), `recovered` the answers a retry took from Redis.
 *
 * The baseline, in the same run on the same stack: the same outage with the kept answers off
 * (`ANSWER_RECOVERY_TTL_SEC=0`), `baseline*`.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { BreakwaterClient } from '../src/client/breakwater-client';
import { createLogger } from '../src/observability/logger';
import { getMetrics } from '../src/observability/metrics';
import { startStack, type Stack } from '../src/testing/stack';
import { endpointsOf, stackConfig } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import { round } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('lost-completion');
const logger = createLogger({ level: 'silent' });

interface BenchOptions {
  tasks: number;
  latencyMs: number;
  outageMs: number;
  heartbeatMs: number;
}

function parseOptions(args: string[]): BenchOptions {
  const flags = parseFlags(args, ['tasks', 'latency-ms', 'outage-ms', 'heartbeat-ms']);
  const options = {
    tasks: flags.integer('tasks', 30),
    latencyMs: flags.integer('latency-ms', 2000),
    outageMs: flags.integer('outage-ms', 6000),
    heartbeatMs: flags.integer('heartbeat-ms', 2000),
  };
  if (options.outageMs <= options.latencyMs + options.heartbeatMs) {
    throw new RangeError(
      '--outage-ms: must exceed --latency-ms + --heartbeat-ms (answers come while Temporal is down)',
    );
  }
  return options;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One outage on a task queue and key prefix of its own, with answers kept for `answerTtlSec` (0 = off). */
async function outageCase(stack: Stack, options: BenchOptions, answerTtlSec: number, cleanup: Cleanup) {
  const tag = `bench-lost-${answerTtlSec}-${Date.now().toString(36)}`;
  const fake = stack.fakeProvider!.scenario(tag);
  fake.inject({ fault: { kind: 'latency', latencyMs: options.latencyMs }, times: options.tasks });
  const config = stackConfig(endpointsOf(stack, tag), {
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: '0',
    HTTP_PORT: '-1',
    ACTIVITY_HEARTBEAT_TIMEOUT_MS: String(options.heartbeatMs),
    // A fresh breaker lets this many calls through before its first success: all of them, at once.
    BREAKER_FAILS: String(options.tasks),
    RETRY_INITIAL_INTERVAL_MS: '200',
    ANSWER_RECOVERY_TTL_SEC: String(answerTtlSec),
  });
  const registry = new Registry();
  const worker = await createWorker(config, { logger, registry });
  const client = await BreakwaterClient.connect(config);
  cleanup.add(() => client.close());
  const keys = Array.from({ length: options.tasks }, (_, index) => `${tag}-${index}`);
  return worker.runUntil(async () => {
    await Promise.all(
      keys.map((key) =>
        client.submit(
          { provider: 'fake', model: 'fake-model', messages: [{ role: 'user', content: key }] },
          { idempotencyKey: key },
        ),
      ),
    );
    while (fake.stats.received < options.tasks) await sleep(20);
    log(
      `${options.tasks} calls in flight (answers kept ${answerTtlSec} s); Temporal stops for ${options.outageMs} ms`,
    );
    await stack.temporal.stop();
    await sleep(options.outageMs);
    await stack.temporal.restart();
    log('Temporal is back; waiting for every task');
    const results = await Promise.all(keys.map((key) => client.result(key)));
    const recovered = (await getMetrics(registry).answersRecovered.get()).values.reduce(
      (sum, value) => sum + value.value,
      0,
    );
    return {
      done: results.filter((result) => result.ledger.state === 'DONE').length,
      providerCalls: fake.stats.received,
      recovered,
    };
  });
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  // The outage makes the SDK's core warn about every call it retries: on stdout, which carries the report only.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const stack = await startStack({ dir: benchDir(cleanup), ui: false });
  cleanup.add(() => stack.stop());
  log('baseline: answers not kept');
  const baseline = await outageCase(stack, options, 0, cleanup);
  const measured = await outageCase(stack, options, 900, cleanup);
  return {
    bench: 'lost-completion',
    tasks: options.tasks,
    latencyMs: options.latencyMs,
    outageMs: options.outageMs,
    heartbeatTimeoutMs: options.heartbeatMs,
    done: measured.done,
    providerCalls: measured.providerCalls,
    callsPerTask: round(measured.providerCalls / options.tasks, 2),
    recovered: measured.recovered,
    baselineDone: baseline.done,
    baselineProviderCalls: baseline.providerCalls,
    baselineCallsPerTask: round(baseline.providerCalls / options.tasks, 2),
    callsRatioToBaseline: round(measured.providerCalls / baseline.providerCalls, 2),
  };
}

runBenchmark(log, parseOptions, run);
