/**
 * Benchmark of the shared budget: `npm run bench:budget [-- --concurrency 200]`.
 *
 * It starts its own redis-server (in a temp dir), stops it at the end, and prints one JSON object on
 * stdout (progress goes to stderr). Three measurements, one run:
 *
 * 1. Breakwater. `concurrency` callers race on ONE run (one run id) for `calls` planned calls, each
 *    with the same worst case and an actual cost drawn (seeded) between 40% and 100% of it. A caller
 *    takes the next planned call and admits it through `GuardScripts.admit` with a budget claim on
 *    the run (run ceiling = `ceiling-usd`, every other ceiling off, no rate limit, a proven breaker);
 *    `budget_busy` makes it wait 5-20 ms (jittered) and ask again, `budget_exceeded` ends it. An
 *    admitted call "runs" for 1-10 ms (seeded), then settles 'success' with its actual cost. The run's
 *    spent is read back from Redis and compared with the sum of the settled costs.
 * 2. Baseline: the same plan, callers and connections against check-then-increment on the same Redis
 *    (GET spent; if spent + worst case ≤ ceiling, run the call, then INCRBY its actual cost), which is
 *    what LLM gateways do.
 * 3. Latency, sequentially on one connection: admit (with a budget claim on a run whose ceiling never
 *    refuses, through a proven breaker) and settle, each round alternated with a PING on the same
 *    connection; the ratio admit p50 / PING p50 is reported.
 *
 * Targets (reported in `targets`, never enforced: the process exits 0 after printing, 1 on error):
 * no overspend at all, and admit p50 within 2× a PING.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '../src/redis/connection';
import { defaultConfig } from '../src/config';
import type { BudgetCeilings, BudgetClaim } from '../src/budget/types';
import { MICROS_PER_USD, microsToUsd, usdToMicros } from '../src/money';
import { GuardScripts } from '../src/redis/guard-scripts';
import { seededRandom } from '../src/testing/fake-faults';
import { KeySpace } from '../src/redis/keys';
import { measureAgainstPing, round, timed, type Latency } from './measure';
import {
  benchLog,
  connectRedis,
  machineInfo,
  parseFlags,
  runBenchmark,
  startRedisServer,
  type Cleanup,
} from './runner';

const PROVIDER = 'fake';
const OPERATION = 'bench';
/** Long enough that no reservation expires during a run: every call is settled by its caller. */
const LEASE_MS = 30_000;
const BREAKER_SETTINGS = defaultConfig().breaker;
const REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Worst-case tokens of every call (prompt + maximum output); no token scope is on, so only carried. */
const WORST_TOKENS = 4_000;
/** The actual cost of a call is drawn in [MIN_ACTUAL_SHARE, 1] × its worst case. */
const MIN_ACTUAL_SHARE = 0.4;
const MIN_RUN_MS = 1;
const MAX_RUN_MS = 10;
/** A caller told `budget_busy` waits this long, jittered, before it asks again. */
const MIN_BUSY_WAIT_MS = 5;
const MAX_BUSY_WAIT_MS = 20;
/** The latency run's ceiling: far above anything the rounds spend, so admission never refuses. */
const LATENCY_CEILING_MICROS = 1_000_000_000_000;

interface BenchOptions {
  concurrency: number;
  connections: number;
  ceilingUsd: number;
  worstUsd: number;
  calls: number;
  iterations: number;
  seed: number;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer, number } = parseFlags(args, [
    'concurrency',
    'connections',
    'ceiling-usd',
    'worst-usd',
    'calls',
    'iterations',
    'seed',
  ]);
  const usd = (flag: string, fallback: number): number =>
    number(
      flag,
      fallback,
      (value) => Number.isFinite(value) && value >= 1 / MICROS_PER_USD,
      'must be a number of USD >= 0.000001',
    );
  const concurrency = integer('concurrency', 100);
  const options = {
    concurrency,
    connections: integer('connections', 4),
    ceilingUsd: usd('ceiling-usd', 1),
    worstUsd: usd('worst-usd', 0.02),
    calls: integer('calls', 3 * concurrency),
    iterations: integer('iterations', 5_000),
    seed: integer('seed', 1),
  };
  if (options.worstUsd > options.ceilingUsd)
    throw new RangeError('--worst-usd: must not exceed --ceiling-usd');
  return options;
}

const log = benchLog('budget');

/** One planned call: the same plan is offered to Breakwater and to the baseline. */
interface PlannedCall {
  actualMicros: number;
  actualTokens: number;
  runMs: number;
}

interface Plan {
  worstMicros: number;
  ceilingMicros: number;
  calls: PlannedCall[];
}

function plan(options: BenchOptions): Plan {
  const random = seededRandom(options.seed);
  const worstMicros = usdToMicros(options.worstUsd);
  const calls = Array.from({ length: options.calls }, () => {
    const share = MIN_ACTUAL_SHARE + (1 - MIN_ACTUAL_SHARE) * random();
    return {
      actualMicros: Math.min(worstMicros, Math.round(worstMicros * share)),
      actualTokens: Math.round(WORST_TOKENS * share),
      runMs: MIN_RUN_MS + Math.floor((MAX_RUN_MS - MIN_RUN_MS + 1) * random()),
    };
  });
  return { worstMicros, ceilingMicros: usdToMicros(options.ceilingUsd), calls };
}

/** The jitter of caller `index`'s busy waits, seeded apart from the plan's draws. */
function callerRandom(options: BenchOptions, index: number): () => number {
  return seededRandom(Math.imul(options.seed, 0x9e3779b1) + index + 1);
}

/** What a race ended with, in micro-dollars and calls. */
interface RaceResult {
  settledMicros: number;
  admitted: number;
  refused: number;
  busyWaits: number;
}

/** How one caller runs the planned calls it takes, until none is left or it is refused. */
type Caller = (
  redis: RedisConnection,
  index: number,
  next: () => PlannedCall | undefined,
  result: RaceResult,
) => Promise<void>;

/** `concurrency` callers, spread over the connections, take the planned calls in order. */
async function race(
  plan: Plan,
  connections: RedisConnection[],
  concurrency: number,
  caller: Caller,
): Promise<RaceResult> {
  const result: RaceResult = { settledMicros: 0, admitted: 0, refused: 0, busyWaits: 0 };
  let taken = 0;
  const next = () => plan.calls[taken++];
  await Promise.all(
    Array.from({ length: concurrency }, (_, index) =>
      caller(connections[index % connections.length]!, index, next, result),
    ),
  );
  return result;
}

interface BreakwaterRun {
  keys: KeySpace;
  runId: string;
  ceilings: BudgetCeilings;
}

function runCeilings(runMicros: number): BudgetCeilings {
  return { runMicros, operationMicros: 0, dailyMicros: 0, turnTokens: 0, turnToolCalls: 0 };
}

/** Settles one success through the breaker alone, so it is proven and its gate (calls in flight) is off. */
async function proveBreaker(scripts: GuardScripts): Promise<void> {
  const attemptId = `prove/${randomUUID()}`;
  const admitted = await scripts.admit({
    provider: PROVIDER,
    attemptId,
    leaseMs: LEASE_MS,
    breaker: BREAKER_SETTINGS,
    random: 0,
  });
  if (admitted.code !== 'admitted') throw new Error(`breaker proof: admission refused (${admitted.code})`);
  const settled = await scripts.settle({
    provider: PROVIDER,
    attemptId,
    outcome: 'success',
    workerId: 'bench-budget',
    breaker: BREAKER_SETTINGS,
  });
  if (!settled.breakerSettled) throw new Error('breaker proof: settle not counted');
}

/** A Breakwater caller: admit with a budget claim, run, settle the actual cost. */
function breakwaterCaller(run: BreakwaterRun, plan: Plan, options: BenchOptions): Caller {
  return async (redis, index, next, result) => {
    const scripts = new GuardScripts(redis, run.keys);
    const jitter = callerRandom(options, index);
    const claim: BudgetClaim = {
      runId: run.runId,
      operation: OPERATION,
      micros: plan.worstMicros,
      tokens: WORST_TOKENS,
    };
    for (let call = next(), attempt = 0; call !== undefined; call = next(), attempt++) {
      const attemptId = `${run.runId}/caller-${index}/${attempt}`;
      for (;;) {
        const outcome = await scripts.admit({
          provider: PROVIDER,
          attemptId,
          leaseMs: LEASE_MS,
          breaker: BREAKER_SETTINGS,
          claim,
          ceilings: run.ceilings,
          random: 0,
        });
        if (outcome.code === 'budget_busy') {
          result.busyWaits++;
          await sleep(MIN_BUSY_WAIT_MS + (MAX_BUSY_WAIT_MS - MIN_BUSY_WAIT_MS) * jitter());
          continue;
        }
        if (outcome.code === 'budget_exceeded') {
          result.refused++;
          return;
        }
        if (outcome.code !== 'admitted')
          throw new Error(`race: unexpected admission outcome ${outcome.code}`);
        result.admitted++;
        await sleep(call.runMs);
        const settled = await scripts.settle({
          provider: PROVIDER,
          attemptId,
          outcome: 'success',
          workerId: `bench-budget-${index}`,
          breaker: BREAKER_SETTINGS,
          reservation: outcome.reservation,
          actualMicros: call.actualMicros,
          actualTokens: call.actualTokens,
        });
        if (!settled.budgetSettled || !settled.breakerSettled) {
          throw new Error(`race: settle of ${attemptId} not counted (budget ${settled.budgetSettled})`);
        }
        result.settledMicros += call.actualMicros;
        break;
      }
    }
  };
}

/** A gateway's caller: read spent, run the call if the worst case fits, add the actual cost. */
function naiveCaller(spentKey: string, plan: Plan): Caller {
  return async (redis, _index, next, result) => {
    for (let call = next(); call !== undefined; call = next()) {
      const spent = Number((await redis.get(spentKey)) ?? '0');
      if (spent + plan.worstMicros > plan.ceilingMicros) {
        result.refused++;
        return;
      }
      result.admitted++;
      await sleep(call.runMs);
      await redis.incrby(spentKey, call.actualMicros);
      result.settledMicros += call.actualMicros;
    }
  };
}

/** Sequential latency of admit (with a budget claim) and settle against Redis PING, on one connection. */
function measureLatency(redis: RedisConnection, iterations: number, worstMicros: number): Promise<Latency> {
  const keys = new KeySpace(`bench-latency-${randomUUID().slice(0, 8)}`);
  const scripts = new GuardScripts(redis, keys);
  const claim: BudgetClaim = {
    runId: 'latency',
    operation: OPERATION,
    micros: worstMicros,
    tokens: WORST_TOKENS,
  };
  const ceilings = runCeilings(LATENCY_CEILING_MICROS);
  // Each round settles 'success', so from the first the breaker is proven and its gate is off.
  return measureAgainstPing(redis, iterations, async (attemptId) => {
    const admit = await timed(() =>
      scripts.admit({
        provider: PROVIDER,
        attemptId,
        leaseMs: LEASE_MS,
        breaker: BREAKER_SETTINGS,
        claim,
        ceilings,
        random: 0,
      }),
    );
    if (admit.value.code !== 'admitted') throw new Error(`latency: admission refused (${admit.value.code})`);
    const reservation = admit.value.reservation;
    const settle = await timed(() =>
      scripts.settle({
        provider: PROVIDER,
        attemptId,
        outcome: 'success',
        workerId: 'bench-latency',
        breaker: BREAKER_SETTINGS,
        reservation,
        actualMicros: worstMicros,
        actualTokens: WORST_TOKENS,
      }),
    );
    return { admitUs: admit.us, settleUs: settle.us };
  });
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const redisUrl = await startRedisServer(cleanup);
  log(`redis-server at ${redisUrl}`);
  const connections = await Promise.all(
    Array.from({ length: options.connections }, () =>
      connectRedis(redisUrl, REDIS_COMMAND_TIMEOUT_MS, cleanup),
    ),
  );
  const work = plan(options);
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const load = `${options.concurrency} callers on ${options.connections} connections, ${options.calls} calls`;

  log(`Breakwater: ${load}, one run, ceiling ${options.ceilingUsd} USD`);
  const breakwaterRun: BreakwaterRun = {
    keys: new KeySpace(prefix),
    runId: `run-${randomUUID().slice(0, 8)}`,
    ceilings: runCeilings(work.ceilingMicros),
  };
  await proveBreaker(new GuardScripts(connections[0]!, breakwaterRun.keys));
  const breakwater = await race(
    work,
    connections,
    options.concurrency,
    breakwaterCaller(breakwaterRun, work, options),
  );
  const [spent, reserved] = await connections[0]!.hmget(
    breakwaterRun.keys.key('budgetRun', breakwaterRun.runId),
    'spent',
    'reserved',
  );
  const redisSpentMicros = Number(spent ?? '0');

  log(`check-then-increment baseline: ${load}`);
  const naiveKey = `${new KeySpace(`${prefix}-naive`).slot()}:spent:${breakwaterRun.runId}`;
  const naive = await race(work, connections, options.concurrency, naiveCaller(naiveKey, work));
  const naiveRedisSpentMicros = Number((await connections[0]!.get(naiveKey)) ?? '0');

  log(`latency: ${options.iterations} rounds of PING, admit (with a budget claim), settle`);
  const redis = await connectRedis(redisUrl, REDIS_COMMAND_TIMEOUT_MS, cleanup);
  const latency = await measureLatency(redis, options.iterations, work.worstMicros);

  const overspendMicros = Math.max(0, breakwater.settledMicros - work.ceilingMicros);
  const actual = work.calls.map((call) => call.actualMicros);
  return {
    benchmark: 'budget',
    machine: await machineInfo(redis),
    concurrency: options.concurrency,
    connections: options.connections,
    seed: options.seed,
    ceilingUsd: microsToUsd(work.ceilingMicros),
    callsOffered: options.calls,
    worstCaseUsd: microsToUsd(work.worstMicros),
    actualCostUsd: {
      min: microsToUsd(Math.min(...actual)),
      mean: round(microsToUsd(actual.reduce((sum, micros) => sum + micros, 0) / actual.length), 6),
      max: microsToUsd(Math.max(...actual)),
    },
    callRunMs: { min: MIN_RUN_MS, max: MAX_RUN_MS },
    settledUsd: microsToUsd(breakwater.settledMicros),
    overspendUsd: microsToUsd(overspendMicros),
    redisSpentUsd: microsToUsd(redisSpentMicros),
    spentMatchesSettled: redisSpentMicros === breakwater.settledMicros,
    reservedAfterUsd: microsToUsd(Number(reserved ?? '0')),
    admittedCalls: breakwater.admitted,
    refusedCalls: breakwater.refused,
    busyWaits: breakwater.busyWaits,
    callsNotTaken: options.calls - breakwater.admitted - breakwater.refused,
    noFalseBlock:
      breakwater.refused === 0 || breakwater.settledMicros >= work.ceilingMicros - work.worstMicros,
    naiveSettledUsd: microsToUsd(naive.settledMicros),
    naiveOverspendUsd: microsToUsd(Math.max(0, naive.settledMicros - work.ceilingMicros)),
    naiveRedisSpentUsd: microsToUsd(naiveRedisSpentMicros),
    naiveAdmittedCalls: naive.admitted,
    naiveRefusedCalls: naive.refused,
    naiveCallsNotTaken: options.calls - naive.admitted - naive.refused,
    latencyIterations: options.iterations,
    ...latency,
    targets: {
      zeroOverspend: overspendMicros === 0,
      admitWithin2xPing: latency.admitP50Us <= 2 * latency.redisPingP50Us,
    },
    notes:
      'Money is integer micro-dollars, shown in USD. Breakwater: every caller races on one run id; ' +
      'budget_busy waits 5-20 ms (jittered) and asks again, budget_exceeded ends the caller (refusedCalls ' +
      'counts those final refusals; callsNotTaken, the planned calls no caller reached). redisSpentUsd is HGET spent of the run ' +
      'after the race; noFalseBlock: no refusal, or settled >= ceiling - worst case (a refusal only when ' +
      'the run truly had no room for one more worst case). Baseline: GET spent, run if spent + worst case ' +
      '<= ceiling, then INCRBY the actual cost, same plan, callers and connections. Latencies in ' +
      'microseconds, sequential on one connection, each round a PING, then an admit with a budget claim ' +
      '(run ceiling never reached, proven breaker, no rate limit), then a settle.',
  };
}

runBenchmark(log, parseOptions, run);
