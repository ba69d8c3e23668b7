/**
 * `npm run bench:failover`: what a failover of the guard's Redis (Sentinel: a primary, a replica,
 * three sentinels, on loopback) costs, and what `REDIS_WAIT_REPLICAS` buys. Prints one JSON object:
 *
 * 1. `overspend`: one run with a budget ceiling of `--calls` calls, admitted and settled one at a time
 *    through the guard (a primary and two replicas); the primary is SIGKILLed after half the ceiling plus `--lagged` more calls, then
 *    calls go on, on the promoted replica, until the budget refuses. Overspend = spend incurred (every
 *    admitted call is paid for) − the ceiling. Two cases, each with and without `REDIS_WAIT_REPLICAS=1`:
 *    `loopback` (the replica keeps up, as on a healthy local link) and `laggingReplica` (the replica's
 *    link holds back the last `--lagged` calls' writes when the primary dies, as a slow or partitioned
 *    link does).
 * 2. `blocked`: tasks through a real worker (Temporal dev server, fake provider) with the primary killed
 *    mid-run: every task DONE, provider calls per task, and the time tasks spent BLOCKED
 *    (`guard_unavailable`).
 * 3. `waitCost`: admit+settle pairs per second with `REDIS_WAIT_REPLICAS=1` against without, in the same
 *    run on the same servers, alternated (`--pairs` pairs each, `--concurrency` callers); the ratio is
 *    the figure to read.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Registry } from 'prom-client';
import { BreakwaterClient } from '../src/client/breakwater-client';
import { loadConfig, type BreakwaterConfig } from '../src/config';
import { PriceBook } from '../src/budget/pricing';
import { TokenManager } from '../src/budget/token-manager';
import { LiveDeltas } from '../src/deltas/live-deltas';
import { isBudgetExceededError, isGuardUnavailableError } from '../src/errors';
import { createGuard } from '../src/guard/create-guard';
import type { LedgerEntry } from '../src/task';
import { mapConcurrent } from '../src/map-concurrent';
import { createLogger } from '../src/observability/logger';
import { getMetrics } from '../src/observability/metrics';
import { createRedis, waitUntilReady, type RedisConnection } from '../src/redis/connection';
import { RedisSentinelDevServer } from '../src/testing/redis-sentinel';
import { startStack } from '../src/testing/stack';
import { FAKE_MODEL_PRICES, endpointsOf, stackConfig } from '../src/testing/stack-config';
import { createWorker } from '../src/worker/create-worker';
import { LagProxy } from './lag-proxy';
import { round, timed } from './measure';
import { benchDir, benchLog, parseFlags, runBenchmark, type Cleanup } from './runner';

const log = benchLog('failover');
const logger = createLogger({ level: 'silent' });

interface BenchOptions {
  calls: number;
  lagged: number;
  tasks: number;
  pairs: number;
  concurrency: number;
}

/** What one call may cost, and costs: 0.01 USD. */
const CALL_MICROS = 10_000;

function parseOptions(args: string[]): BenchOptions {
  const flags = parseFlags(args, ['calls', 'lagged', 'tasks', 'pairs', 'concurrency']);
  return {
    calls: flags.integer('calls', 20),
    lagged: flags.integer('lagged', 5),
    tasks: flags.integer('tasks', 8),
    pairs: flags.integer('pairs', 2000),
    concurrency: flags.integer('concurrency', 8),
  };
}

/** A Sentinel setup of the benchmark's own (with a lag proxy on the replica's link when asked). */
async function sentinelSetup(cleanup: Cleanup, withProxy: boolean, replicas = 1) {
  let proxy: LagProxy | undefined;
  const setup = await RedisSentinelDevServer.start({
    dir: benchDir(cleanup),
    replicas,
    ...(withProxy
      ? {
          primaryAddress: async (primary) => {
            proxy = await LagProxy.start(primary);
            return proxy.address;
          },
        }
      : {}),
  });
  cleanup.add(() => setup.stop());
  if (proxy) cleanup.add(() => proxy!.close());
  const env = { REDIS_SENTINELS: setup.sentinelsVariable, REDIS_SENTINEL_MASTER: setup.masterName };
  return { setup, proxy, env };
}

function guardConfig(env: Record<string, string>): BreakwaterConfig {
  return loadConfig({
    LLM_PROVIDERS: 'fake',
    LLM_FAKE_BASE_URL: 'http://127.0.0.1:1/v1',
    MODEL_PRICES: FAKE_MODEL_PRICES,
    RATE_LIMIT_RPM: '0',
    BUDGET_OPERATION_USD: '0',
    REDIS_KEY_PREFIX: `bench-failover-${randomUUID().slice(0, 8)}`,
    REDIS_WAIT_TIMEOUT_MS: '100',
    ...env,
  });
}

async function connect(config: BreakwaterConfig, cleanup: Cleanup): Promise<RedisConnection> {
  const redis = createRedis(config.redis);
  redis.on('error', () => undefined);
  cleanup.add(() => redis.disconnect());
  await waitUntilReady(redis, 20_000);
  return redis;
}

function guardParts(config: BreakwaterConfig, redis: RedisConnection) {
  const parts = createGuard(config, redis, {
    workerId: 'bench',
    logger,
    metrics: getMetrics(new Registry()),
  });
  const prices = new PriceBook(config.budget.modelPrices, { fake: 'openai' });
  return { ...parts, manager: new TokenManager({ scripts: parts.scripts, budget: config.budget, prices }) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One overspend case; see the file's header. */
async function overspend(options: BenchOptions, lagging: boolean, waitReplicas: number, cleanup: Cleanup) {
  // Two replicas: after the failover one is left, so that WAIT has a replica to count.
  const { setup, proxy, env } = await sentinelSetup(cleanup, lagging, 2);
  const ceilingMicros = options.calls * CALL_MICROS;
  const config = guardConfig({
    ...env,
    BUDGET_RUN_USD: String(ceilingMicros / 1_000_000),
    REDIS_WAIT_REPLICAS: String(waitReplicas),
  });
  const redis = await connect(config, cleanup);
  const { guard, manager } = guardParts(config, redis);
  const runId = 'overspend';
  let incurredMicros = 0;
  /** Admits, "calls" (pays), settles one call; what the guard said. */
  const call = async (): Promise<'called' | 'unavailable' | 'exceeded'> => {
    const request = {
      provider: 'fake',
      operation: 'op',
      attemptId: randomUUID(),
      leaseMs: 30_000,
      claim: { runId, operation: 'op', micros: CALL_MICROS, tokens: 1 },
      tokens: 1,
      context: {},
    };
    try {
      const admission = await guard.admit(request);
      incurredMicros += CALL_MICROS;
      await guard.settle({ admission, outcome: 'success', actual: { micros: CALL_MICROS, tokens: 1 } });
      return 'called';
    } catch (error) {
      if (isBudgetExceededError(error)) return 'exceeded';
      if (isGuardUnavailableError(error)) return 'unavailable';
      throw error;
    }
  };
  for (let i = 0; i < Math.floor(options.calls / 2); i++) await call();
  proxy?.hold();
  let admittedBeforeKill = 0;
  for (let i = 0; i < options.lagged; i++) if ((await call()) === 'called') admittedBeforeKill++;
  const killed = await setup.killPrimary();
  await setup.waitForFailover(killed);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const said = await call();
    if (said === 'exceeded') break;
    if (said === 'unavailable') await sleep(100);
    if (Date.now() > deadline) throw new Error('the budget never refused after the failover');
  }
  const run = (await manager.show({ runId })).scopes.find((scope) => scope.scope === 'run')!;
  return {
    ceilingMicros,
    incurredMicros,
    recordedSpentMicros: run.spent,
    overspendMicros: Math.max(0, incurredMicros - ceilingMicros),
    overspendPctOfCeiling: round((100 * Math.max(0, incurredMicros - ceilingMicros)) / ceilingMicros, 1),
    callsAdmittedJustBeforeTheKill: admittedBeforeKill,
  };
}

/** How long the ledger stayed BLOCKED, in total (ms). */
function blockedMs(entries: LedgerEntry[]): number {
  let total = 0;
  entries.forEach((entry, index) => {
    const next = entries[index + 1];
    if (entry.to === 'BLOCKED' && next) total += Date.parse(next.at) - Date.parse(entry.at);
  });
  return total;
}

/** Tasks through a real worker, the primary killed mid-run; see the file's header. */
async function blockedDuringFailover(options: BenchOptions, cleanup: Cleanup) {
  const stack = await startStack({ dir: benchDir(cleanup), ui: false });
  cleanup.add(() => stack.stop());
  const { setup, env } = await sentinelSetup(cleanup, false);
  const tag = `bench-failover-${randomUUID().slice(0, 8)}`;
  const fake = stack.fakeProvider!.scenario(tag);
  fake.inject({ fault: { kind: 'latency', latencyMs: 500 } });
  const config = stackConfig(endpointsOf(stack, tag), {
    ...env,
    TEMPORAL_TASK_QUEUE: tag,
    REDIS_KEY_PREFIX: tag,
    RATE_LIMIT_RPM: '0',
    HTTP_PORT: '-1',
    GUARD_UNAVAILABLE_RETRY_MS: '250',
    RETRY_INITIAL_INTERVAL_MS: '100',
  });
  const worker = await createWorker(config, { logger });
  const connection = await Connection.connect({ address: config.temporal.address });
  cleanup.add(() => connection.close());
  const client = BreakwaterClient.fromClient({
    client: new Client({ connection, namespace: config.temporal.namespace }),
    taskQueue: tag,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
    liveDeltas: new LiveDeltas(config.redis),
  });
  const half = Math.ceil(options.tasks / 2);
  const keys = Array.from({ length: options.tasks }, (_, index) => `${tag}-${index}`);
  const submit = (batch: string[]) =>
    Promise.all(
      batch.map((key) =>
        client.submit(
          { provider: 'fake', model: 'fake-model', messages: [{ role: 'user', content: key }] },
          { idempotencyKey: key },
        ),
      ),
    );
  const { value, ms } = await timed(() =>
    worker.runUntil(async () => {
      await submit(keys.slice(0, half));
      while (fake.stats.received < half) await sleep(20);
      const killedAt = Date.now();
      const killed = await setup.killPrimary();
      await submit(keys.slice(half));
      await setup.waitForFailover(killed);
      const failoverMs = Date.now() - killedAt;
      const results = await Promise.all(keys.map((key) => client.result(key)));
      return { results, failoverMs };
    }),
  );
  const calls = new Map<string, number>();
  for (const request of fake.requests) {
    const prompt = (request.body as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
    calls.set(prompt, (calls.get(prompt) ?? 0) + 1);
  }
  const blocked = value.results
    .map((result) => blockedMs(result.ledger.entries))
    .filter((blockedFor) => blockedFor > 0)
    .sort((a, b) => a - b);
  return {
    tasks: options.tasks,
    done: value.results.filter((result) => result.ledger.state === 'DONE').length,
    maxProviderCallsPerTask: Math.max(...calls.values()),
    tasksCalled: calls.size,
    failoverMs: value.failoverMs,
    blockedTasks: blocked.length,
    blockedMsMedian: blocked[Math.floor(blocked.length / 2)] ?? 0,
    blockedMsMax: blocked.at(-1) ?? 0,
    runMs: round(ms, 0),
  };
}

/** Admit+settle pairs per second with and without WAIT, alternated on one setup; see the file's header. */
async function waitCost(options: BenchOptions, cleanup: Cleanup) {
  const { env } = await sentinelSetup(cleanup, false);
  const guards = await Promise.all(
    [0, 1].map(async (replicas) => {
      const config = guardConfig({ ...env, REDIS_WAIT_REPLICAS: String(replicas) });
      return guardParts(config, await connect(config, cleanup)).guard;
    }),
  );
  const pair = async (guard: (typeof guards)[number]) => {
    const admission = await guard.admit({
      provider: 'fake',
      operation: 'op',
      attemptId: randomUUID(),
      leaseMs: 30_000,
      claim: { runId: 'wait-cost', operation: 'op', micros: 1, tokens: 1 },
      tokens: 1,
      context: {},
    });
    await guard.settle({ admission, outcome: 'success', actual: { micros: 1, tokens: 1 } });
  };
  const pairsPerSec = async (guard: (typeof guards)[number]) => {
    const indexes = Array.from({ length: options.pairs }, (_, index) => index);
    const { ms } = await timed(() => mapConcurrent(indexes, options.concurrency, () => pair(guard)));
    return (options.pairs * 1000) / ms;
  };
  // One call alone first: a breaker with no recent success admits only a few calls at once.
  for (const guard of guards) await pair(guard);
  await pairsPerSec(guards[0]!);
  await pairsPerSec(guards[1]!);
  const without: number[] = [];
  const withWait: number[] = [];
  for (let round = 0; round < 2; round++) {
    without.push(await pairsPerSec(guards[0]!));
    withWait.push(await pairsPerSec(guards[1]!));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    pairsPerSecWithoutWait: round(mean(without), 0),
    pairsPerSecWithWait: round(mean(withWait), 0),
    ratioWithWaitToWithout: round(mean(withWait) / mean(without), 3),
    concurrency: options.concurrency,
  };
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const cases: Record<string, unknown> = {};
  for (const lagging of [false, true]) {
    const name = lagging ? 'laggingReplica' : 'loopback';
    cases[name] = {};
    for (const replicas of [0, 1]) {
      log(`overspend, ${name}, REDIS_WAIT_REPLICAS=${replicas}`);
      (cases[name] as Record<string, unknown>)[replicas ? 'withWait' : 'withoutWait'] = await overspend(
        options,
        lagging,
        replicas,
        cleanup,
      );
    }
  }
  log('BLOCKED time: tasks through a worker, primary killed mid-run');
  const blocked = await blockedDuringFailover(options, cleanup);
  log('WAIT cost: admit+settle pairs per second');
  const cost = await waitCost(options, cleanup);
  return {
    bench: 'failover',
    topology:
      'sentinel, 3 sentinels (quorum 2), down-after 1000 ms, loopback; overspend: 1 primary + 2 replicas, else 1 + 1',
    callMicros: CALL_MICROS,
    overspend: cases,
    blocked,
    waitCost: cost,
  };
}

runBenchmark(log, parseOptions, run);
