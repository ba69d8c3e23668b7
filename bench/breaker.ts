/**
 * Benchmark of the shared circuit breaker: `npm run bench:breaker [-- --workers 8]`.
 *
 * It starts its own redis-server (in a temp dir) and its own fake provider, stops both at the end,
 * and prints one JSON object on stdout (progress goes to stderr). Three measurements, one run:
 *
 * 1. Outage, shared breaker. `workers` simulated workers, each with its own Redis connection and
 *    its own `RedisBreaker` (same key prefix, distinct worker id), run `concurrency` callers each
 *    against a provider that answers 503 to everything, for `periods` cooldown periods. A caller
 *    admits (a unique attempt id), calls the provider through the OpenAI-compatible adapter when
 *    admitted and settles the classified outcome; when refused it waits min(retryAfterMs, 200 ms).
 *    The calls the provider received are counted in total and per cooldown period.
 * 2. Outage, per-process baseline: the same load, but each simulated worker has its own in-process
 *    `BreakerReferenceModel` (what a breaker per process gives), against a fresh scenario.
 * 3. Latency of the shared breaker, sequentially on one connection: admit and settle of a CLOSED,
 *    proven breaker (its gate is off), each iteration alternated with a Redis PING on the same
 *    connection, so that both see the same machine load; the ratio admit p50 / PING p50 is reported.
 *
 * Targets (reported in `targets`, never enforced: the process exits 0 after printing, 1 on error):
 * the provider receives at most threshold + probes calls in the first cooldown period and at most
 * probes in each later one, whatever the worker count; admit p50 is within 2× a PING.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '../src/redis/connection';
import { RedisBreaker } from '../src/breaker/redis-breaker';
import { defaultConfig } from '../src/config';
import type { BreakerSettings } from '../src/breaker/types';
import { BreakerReferenceModel } from '../src/breaker/reference-model';
import type { AdmitDecision, BreakerOutcome } from '../src/breaker/types';
import { errorPolicyOf, isBreakwaterError } from '../src/errors';
import { FakeProvider, type FakeScenario } from '../src/testing/fake-provider';
import { OpenAiCompatibleAdapter } from '../src/providers/openai';
import { GuardScripts } from '../src/redis/guard-scripts';
import { KeySpace } from '../src/redis/keys';
import type { LlmRequest } from '../src/llm/request';
import { measureAgainstPing, round, timed, type Latency } from './measure';
import {
  benchLog,
  Cleanup,
  connectRedis,
  machineInfo,
  parseFlags,
  runBenchmark,
  startRedisServer,
} from './runner';

const PROVIDER = 'fake';
/** Long enough that no admission expires during a run: every call is settled by its caller. */
const LEASE_MS = 30_000;
const CALL_TIMEOUT_MS = 5_000;
const REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** The longest a refused caller waits before it asks again. */
const MAX_REFUSED_WAIT_MS = 200;
const REQUEST: LlmRequest = {
  provider: PROVIDER,
  model: 'bench-model',
  messages: [{ role: 'user', content: 'ping' }],
  max_tokens: 16,
};
const NO_CANCEL = new AbortController().signal;

interface BenchOptions {
  workers: number;
  concurrency: number;
  threshold: number;
  probes: number;
  cooldownMs: number;
  periods: number;
  iterations: number;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer } = parseFlags(args, [
    'workers',
    'concurrency',
    'threshold',
    'probes',
    'cooldown-ms',
    'periods',
    'iterations',
  ]);
  return {
    workers: integer('workers', 4),
    concurrency: integer('concurrency', 4),
    threshold: integer('threshold', 5),
    probes: integer('probes', 1),
    cooldownMs: integer('cooldown-ms', 2_000),
    periods: integer('periods', 3),
    iterations: integer('iterations', 5_000),
  };
}

const log = benchLog('breaker');

interface Stack {
  redisUrl: string;
  provider: FakeProvider;
}

async function startStack(cleanup: Cleanup): Promise<Stack> {
  const redisUrl = await startRedisServer(cleanup);
  const provider = await new FakeProvider().start();
  cleanup.add(() => provider.stop());
  log(`redis-server at ${redisUrl}, fake provider at ${provider.url}`);
  return { redisUrl, provider };
}

function breakerSettings(options: BenchOptions): BreakerSettings {
  return {
    ...defaultConfig().breaker,
    failureThreshold: options.threshold,
    halfOpenProbes: options.probes,
    resetMs: options.cooldownMs,
  };
}

/** What one simulated worker needs of its breaker: the shared one, or one of its own. */
interface WorkerBreaker {
  admit(attemptId: string): Promise<AdmitDecision>;
  settle(attemptId: string, outcome: BreakerOutcome): Promise<unknown>;
}

type BreakerFactory = (workerId: string, cleanup: Cleanup) => Promise<WorkerBreaker>;

/** A `RedisBreaker` on its own connection, under the run's shared key prefix. */
function sharedBreakers(redisUrl: string, keys: KeySpace, settings: BreakerSettings): BreakerFactory {
  return async (workerId, cleanup) => {
    const redis = await connectRedis(redisUrl, REDIS_COMMAND_TIMEOUT_MS, cleanup);
    const breaker = new RedisBreaker({ scripts: new GuardScripts(redis, keys), settings, workerId });
    return {
      admit: (attemptId) => breaker.admit(PROVIDER, attemptId, LEASE_MS),
      settle: (attemptId, outcome) => breaker.settle(PROVIDER, attemptId, outcome),
    };
  };
}

/** A breaker per process: an in-process state machine on the wall clock. */
function perProcessBreakers(settings: BreakerSettings): BreakerFactory {
  return async (workerId) => {
    const machine = new BreakerReferenceModel(settings);
    return {
      admit: async (attemptId) => machine.admit(attemptId, LEASE_MS),
      settle: async (attemptId, outcome) => machine.settle(attemptId, outcome, workerId),
    };
  };
}

async function callProvider(adapter: OpenAiCompatibleAdapter): Promise<BreakerOutcome> {
  try {
    await adapter.chat(REQUEST, { signal: NO_CANCEL, timeoutMs: CALL_TIMEOUT_MS, context: {} });
    return 'success';
  } catch (error) {
    return errorPolicyOf(isBreakwaterError(error) ? error.type : undefined).breaker;
  }
}

/** One caller of one simulated worker, until `endAt`. */
async function callerLoop(
  breaker: WorkerBreaker,
  adapter: OpenAiCompatibleAdapter,
  callerId: string,
  endAt: number,
): Promise<void> {
  for (let attempt = 0; Date.now() < endAt; attempt++) {
    const attemptId = `${callerId}/${attempt}`;
    const decision = await breaker.admit(attemptId);
    if (decision.admitted) {
      await breaker.settle(attemptId, await callProvider(adapter));
    } else {
      await sleep(Math.max(0, Math.min(decision.retryAfterMs, MAX_REFUSED_WAIT_MS, endAt - Date.now())));
    }
  }
}

/** `read()` at each of `times` (epoch ms). */
function sampleAt(times: number[], read: () => number): Promise<number[]> {
  return Promise.all(
    times.map(async (time) => {
      await sleep(Math.max(0, time - Date.now()));
      return read();
    }),
  );
}

/** Calls received per cooldown period; the last period also counts calls still in flight at its end. */
function perPeriod(boundaryCounts: number[], total: number): number[] {
  const counts = [...boundaryCounts, total];
  return counts.map((count, index) => count - (counts[index - 1] ?? 0));
}

interface OutageResult {
  calls: number;
  perPeriod: number[];
}

/** `workers` simulated workers with `concurrency` callers each against a provider that is down. */
async function runOutage(
  scenario: FakeScenario,
  breakers: BreakerFactory,
  options: BenchOptions,
): Promise<OutageResult> {
  scenario.inject({ fault: { kind: 'status', status: 503 } });
  const adapter = new OpenAiCompatibleAdapter(PROVIDER, scenario.openAiBaseUrl);
  const cleanup = new Cleanup(log);
  try {
    const workerIds = Array.from(
      { length: options.workers },
      (_, index) => `${scenario.name}-worker-${index}`,
    );
    const workers = await Promise.all(workerIds.map((id) => breakers(id, cleanup)));
    const startedAt = Date.now();
    const endAt = startedAt + options.periods * options.cooldownMs;
    const boundaries = Array.from(
      { length: options.periods - 1 },
      (_, index) => startedAt + (index + 1) * options.cooldownMs,
    );
    const counts = sampleAt(boundaries, () => scenario.stats.received);
    await Promise.all(
      workers.flatMap((breaker, index) =>
        Array.from({ length: options.concurrency }, (_, caller) =>
          callerLoop(breaker, adapter, `${workerIds[index]}/${caller}`, endAt),
        ),
      ),
    );
    const calls = scenario.stats.received;
    return { calls, perPeriod: perPeriod(await counts, calls) };
  } finally {
    await cleanup.run();
  }
}

/** Sequential latency of the shared breaker against Redis PING, on one connection. */
function measureLatency(
  redis: RedisConnection,
  settings: BreakerSettings,
  iterations: number,
): Promise<Latency> {
  const keys = new KeySpace(`bench-latency-${randomUUID().slice(0, 8)}`);
  const breaker = new RedisBreaker({
    scripts: new GuardScripts(redis, keys),
    settings,
    workerId: 'bench-latency',
  });
  // Each round settles 'success', so from the first the breaker is proven and its gate is off.
  return measureAgainstPing(redis, iterations, async (attemptId) => {
    const admit = await timed(() => breaker.admit(PROVIDER, attemptId, LEASE_MS));
    if (!admit.value.admitted) throw new Error(`latency: admission refused (${admit.value.state})`);
    const settle = await timed(() => breaker.settle(PROVIDER, attemptId, 'success'));
    return { admitUs: admit.us, settleUs: settle.us };
  });
}

/** The most calls each period may see: threshold + probes in the first, probes in each later one. */
function limits(options: BenchOptions): number[] {
  return Array.from({ length: options.periods }, (_, index) =>
    index === 0 ? options.threshold + options.probes : options.probes,
  );
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack(cleanup);
  const settings = breakerSettings(options);
  const load = `${options.workers} workers × ${options.concurrency} callers, ${options.periods} × ${options.cooldownMs} ms`;

  log(`outage with the shared breaker: ${load}`);
  const keys = new KeySpace(`bench-${randomUUID().slice(0, 8)}`);
  const shared = await runOutage(
    stack.provider.scenario('shared-outage'),
    sharedBreakers(stack.redisUrl, keys, settings),
    options,
  );
  log(`outage with a breaker per process: ${load}`);
  const baseline = await runOutage(
    stack.provider.scenario('per-process-outage'),
    perProcessBreakers(settings),
    options,
  );

  log(`latency: ${options.iterations} rounds of PING, admit, settle`);
  const redis = await connectRedis(stack.redisUrl, REDIS_COMMAND_TIMEOUT_MS, cleanup);
  const latency = await measureLatency(redis, settings, options.iterations);
  const limitPerPeriod = limits(options);

  return {
    benchmark: 'breaker',
    machine: await machineInfo(redis),
    workers: options.workers,
    concurrency: options.concurrency,
    threshold: options.threshold,
    probes: options.probes,
    cooldownMs: options.cooldownMs,
    periods: options.periods,
    providerCallsDuringOutage: shared.calls,
    providerCallsPerPeriod: shared.perPeriod,
    limitPerPeriod,
    perProcessBaselineCalls: baseline.calls,
    perProcessBaselineCallsPerPeriod: baseline.perPeriod,
    sharedToBaselineCallsRatio: round(shared.calls / baseline.calls, 3),
    latencyIterations: options.iterations,
    ...latency,
    targets: {
      callsWithinLimit: shared.perPeriod.every((calls, index) => calls <= limitPerPeriod[index]!),
      admitWithin2xPing: latency.admitP50Us <= 2 * latency.redisPingP50Us,
    },
    notes:
      'Period k covers [k, k+1) × cooldownMs from the start of the outage; the last one also counts calls ' +
      'still in flight at its end. limitPerPeriod: threshold + probes in the first period (the calls that ' +
      'open the breaker, plus the half-open probes), probes in each later one (a failed probe re-opens the ' +
      'breaker for a whole cooldown). Refused callers wait min(retryAfterMs, 200 ms). Latencies in ' +
      'microseconds, sequential on one connection, each round a PING then an admit then a settle.',
  };
}

runBenchmark(log, parseOptions, run);
