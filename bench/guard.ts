/**
 * Benchmark of the guard's Redis cost: `npm run -s bench:guard [-- --pairs 60000 --concurrency 32]`.
 *
 * It starts its own redis-server (in a temp dir), stops it at the end, and prints one JSON object on
 * stdout (progress goes to stderr). Two stacks take turns on that one server, under the same load:
 * `concurrency` callers spread over `connections` connections, each caller admitting a call and
 * settling it (`--call-ms N`: after a provider call of 1..N ms, spread by call index; 0, the
 * default, settles at once), until `pairs` admit/settle pairs are done; the pairs are cut into
 * `rounds` that alternate guard, peer, guard, peer, … so that both see the same machine and the same
 * warm server. Each stack first runs `warmup` untimed pairs (script loading, first keys).
 *
 * - Guard: `RedisGuard` (what the activities call), as `createGuard` builds it from configuration:
 *   one breaker (CLOSED and proven), the provider's rate limit in requests and in tokens per
 *   minute, and four budget scopes (operation, run, daily, turn), all with room to spare. Each call
 *   is one admit (one FCALL, reading the model's rolling latency) and one settle (one FCALL) with
 *   its actual cost, unused tokens and latency sample.
 * - Peer: `rate-limiter-flexible`, two `RateLimiterRedis` limiters (requests and tokens per minute),
 *   plus a budget counter on the run (a script that checks spent + reserved + worst case against
 *   the ceiling and reserves; a script that releases the reservation and charges the actual cost).
 *   Each call consumes from both limiters and reserves (3 EVALSHA), then gives the unused tokens
 *   back and settles its cost (2 EVALSHA).
 *
 * Redis CPU is read from the server itself: `INFO cpu` (used_cpu_user + used_cpu_sys of the
 * redis-server process, so socket reads and writes count too) and `INFO commandstats` (the time
 * spent executing the stacks' script calls, FCALL and EVALSHA, with the Redis calls they make). Both
 * are divided by the pairs of each stack. `admitSettlePairsPerSec` is what one Redis core could
 * serve at that CPU cost (1e6 / redisCpuUsPerPair); `measuredPairsPerSec` is what this machine's
 * client reached, which is bound by Node on the same cores.
 *
 * Target (reported in `targets`, never enforced: the process exits 0 after printing, 1 on error):
 * redisCpuUsPerPair <= 1.5 x peerRedisCpuUsPerPair.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from '../src/redis/connection';
import { Registry } from 'prom-client';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { loadConfig } from '../src/config';
import { createGuard } from '../src/guard/create-guard';
import type { Guard } from '../src/guard/guard';
import { createLogger } from '../src/observability/logger';
import { getMetrics } from '../src/observability/metrics';
import { round } from './measure';
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
/** The model called: its admission reads, and its settle records, the model's rolling latency (as `llmCall`'s do). */
const MODEL = 'bench-model';
const LEASE_MS = 60_000;
const REDIS_COMMAND_TIMEOUT_MS = 5_000;
/** Worst case of every call; its actual cost and tokens are a share of it. */
const WORST_MICROS = 20_000;
const WORST_TOKENS = 800;
const ACTUAL_SHARE = 0.6;
/** Calls per turn and turns per run: within the default turn ceilings (4000 tokens, 6 calls). */
const CALLS_PER_TURN = 4;
const TURNS_PER_RUN = 5;
/** Rate limits and ceilings far above what a run takes: every admission passes, on both stacks. */
const RATE_PER_MINUTE = 1_000_000_000;
const TOKENS_PER_MINUTE = 1_000_000_000_000;
const DAILY_USD = 1_000_000;
const RUN_CEILING_MICROS = 5_000_000;
const BUDGET_TTL_MS = 7 * 86_400_000;
/** How much each stack's Redis calls cost per pair, in round trips. */
const GUARD_ROUND_TRIPS_PER_PAIR = 2;
const PEER_ROUND_TRIPS_PER_PAIR = 5;
const TARGET_RATIO = 1.5;
const CALL_LENGTH_STRIDE = 7919;

interface BenchOptions {
  pairs: number;
  concurrency: number;
  connections: number;
  rounds: number;
  warmup: number;
  callMs: number;
}

function parseOptions(args: string[]): BenchOptions {
  const { integer, number } = parseFlags(args, [
    'pairs',
    'concurrency',
    'connections',
    'rounds',
    'warmup',
    'call-ms',
  ]);
  return {
    pairs: integer('pairs', 60_000),
    concurrency: integer('concurrency', 32),
    connections: integer('connections', 4),
    rounds: integer('rounds', 6),
    warmup: integer('warmup', 2_000),
    callMs: number(
      'call-ms',
      0,
      (value) => Number.isSafeInteger(value) && value >= 0,
      'must be an integer >= 0',
    ),
  };
}

const log = benchLog('guard');

/** One call of the plan: both stacks get the same sequence. */
interface PlannedCall {
  attemptId: string;
  runId: string;
  turn: string;
  /** How long the provider call between admit and settle takes (0: settle at once). */
  callMs: number;
}

/** Admits the call, then settles it: one pair. */
type Pair = (connection: number, call: PlannedCall) => Promise<void>;

/**
 * A call's place in its run and turn (`CALLS_PER_TURN` calls a turn, `TURNS_PER_RUN` turns a run) and
 * its provider call's length: 1..callMs ms, consecutive calls spread over it by a prime stride.
 */
function plannedCall(stack: string, index: number, options: BenchOptions): PlannedCall {
  const turnIndex = Math.floor(index / CALLS_PER_TURN);
  return {
    attemptId: `llm-${stack}-task-${index}/${randomUUID()}/1/1`,
    runId: `${stack}-run-${Math.floor(turnIndex / TURNS_PER_RUN)}`,
    turn: String(turnIndex % TURNS_PER_RUN),
    callMs: options.callMs === 0 ? 0 : 1 + ((index * CALL_LENGTH_STRIDE) % options.callMs),
  };
}

/** Runs pairs `from` … `to - 1` of `stack` with `concurrency` callers; returns the wall time in ms. */
async function runPairs(
  stack: string,
  pair: Pair,
  from: number,
  to: number,
  options: BenchOptions,
): Promise<number> {
  let next = from;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, caller) => {
      for (let index = next++; index < to; index = next++) {
        await pair(caller % options.connections, plannedCall(stack, index, options));
      }
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The guard as a worker builds it from configuration, one per connection (one per worker). */
function guardPair(connections: RedisConnection[], prefix: string): Pair {
  const config = loadConfig({
    REDIS_KEY_PREFIX: prefix,
    LLM_PROVIDERS: PROVIDER,
    LLM_FAKE_BASE_URL: 'http://127.0.0.1:9',
    RATE_LIMIT_RPM: String(RATE_PER_MINUTE),
    RATE_LIMIT_BURST: String(RATE_PER_MINUTE),
    RATE_LIMIT_TPM: String(TOKENS_PER_MINUTE),
    RATE_LIMIT_TOKEN_BURST: String(TOKENS_PER_MINUTE),
    BUDGET_DAILY_USD: String(DAILY_USD),
  });
  const logger = createLogger({ level: 'warn' });
  const metrics = getMetrics(new Registry());
  const guards: Guard[] = connections.map(
    (redis, index) => createGuard(config, redis, { workerId: `bench-guard-${index}`, logger, metrics }).guard,
  );
  return async (connection, call) => {
    const guard = guards[connection]!;
    const admission = await guard.admit({
      provider: PROVIDER,
      operation: OPERATION,
      attemptId: call.attemptId,
      leaseMs: LEASE_MS,
      claim: {
        runId: call.runId,
        turn: call.turn,
        operation: OPERATION,
        micros: WORST_MICROS,
        tokens: WORST_TOKENS,
      },
      tokens: WORST_TOKENS,
      context: {},
      model: MODEL,
    });
    if (call.callMs > 0) await sleep(call.callMs);
    await guard.settle({
      admission,
      outcome: 'success',
      actual: { micros: WORST_MICROS * ACTUAL_SHARE, tokens: WORST_TOKENS * ACTUAL_SHARE },
      latency: { totalMs: call.callMs },
    });
  };
}

/** Checks spent + reserved + worst case against the ceiling and reserves the worst case. */
const PEER_RESERVE = `
local v = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
if (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
return 1`;

/** Releases the reservation, charges the actual cost and keeps the run's counter for its TTL. */
const PEER_SETTLE = `
redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(ARGV[1]))
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

interface PeerCommands {
  peerBudgetReserve(key: string, worst: number, ceiling: number): Promise<number>;
  peerBudgetSettle(key: string, worst: number, actual: number, ttlMs: number): Promise<number>;
}

/** rate-limiter-flexible's two limiters and a budget counter, on each connection. */
function peerPair(connections: RedisConnection[], prefix: string): Pair {
  const stacks = connections.map((redis) => {
    redis.defineCommand('peerBudgetReserve', { numberOfKeys: 1, lua: PEER_RESERVE });
    redis.defineCommand('peerBudgetSettle', { numberOfKeys: 1, lua: PEER_SETTLE });
    return {
      budget: redis as unknown as PeerCommands,
      requests: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:requests`,
        points: RATE_PER_MINUTE,
        duration: 60,
      }),
      tokens: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:tokens`,
        points: TOKENS_PER_MINUTE,
        duration: 60,
      }),
    };
  });
  const actualTokens = WORST_TOKENS * ACTUAL_SHARE;
  return async (connection, call) => {
    const { budget, requests, tokens } = stacks[connection]!;
    const budgetKey = `${prefix}:budget:${call.runId}`;
    await requests.consume(PROVIDER, 1);
    await tokens.consume(PROVIDER, WORST_TOKENS);
    if ((await budget.peerBudgetReserve(budgetKey, WORST_MICROS, RUN_CEILING_MICROS)) !== 1) {
      throw new Error(`peer: budget of ${call.runId} refused`);
    }
    if (call.callMs > 0) await sleep(call.callMs);
    await tokens.reward(PROVIDER, WORST_TOKENS - actualTokens);
    await budget.peerBudgetSettle(budgetKey, WORST_MICROS, WORST_MICROS * ACTUAL_SHARE, BUDGET_TTL_MS);
  };
}

/** The server's CPU time and its commands' calls and execution time (μs), as INFO reports them. */
interface ServerCost {
  cpuUs: number;
  commands: Map<string, { calls: number; usec: number }>;
}

async function serverCost(redis: RedisConnection): Promise<ServerCost> {
  const info = await redis.info('all');
  const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const [, name, calls, usec] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands.set(name!, { calls: Number(calls), usec: Number(usec) });
  }
  return { cpuUs: (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6, commands };
}

/** What one stack cost the server over its rounds. */
class StackCost {
  pairs = 0;
  wallMs = 0;
  cpuUs = 0;
  readonly commands = new Map<string, { calls: number; usec: number }>();

  add(pairs: number, wallMs: number, before: ServerCost, after: ServerCost): void {
    this.pairs += pairs;
    this.wallMs += wallMs;
    this.cpuUs += after.cpuUs - before.cpuUs;
    for (const [name, { calls, usec }] of after.commands) {
      if (name === 'info') continue;
      const was = before.commands.get(name) ?? { calls: 0, usec: 0 };
      const total = this.commands.get(name) ?? { calls: 0, usec: 0 };
      this.commands.set(name, { calls: total.calls + calls - was.calls, usec: total.usec + usec - was.usec });
    }
  }

  /** Time spent executing the stack's top-level calls (its scripts, with the commands they make). */
  scriptUs(): number {
    return ['fcall', 'evalsha', 'eval'].reduce((sum, name) => sum + (this.commands.get(name)?.usec ?? 0), 0);
  }

  /** Calls and execution time (μs) of each command per pair (the scripts and the Redis calls they make), most time first. */
  commandsPerPair(): Record<string, { calls: number; us: number }> {
    return Object.fromEntries(
      [...this.commands]
        .filter(([, { calls }]) => calls > 0)
        .sort(([, a], [, b]) => b.usec - a.usec)
        .map(([name, { calls, usec }]) => [
          name,
          { calls: round(calls / this.pairs, 2), us: round(usec / this.pairs, 2) },
        ]),
    );
  }
}

async function measuredRound(
  monitor: RedisConnection,
  cost: StackCost,
  stack: string,
  pair: Pair,
  from: number,
  to: number,
  options: BenchOptions,
): Promise<void> {
  const before = await serverCost(monitor);
  const wallMs = await runPairs(stack, pair, from, to, options);
  cost.add(to - from, wallMs, before, await serverCost(monitor));
}

async function run(options: BenchOptions, cleanup: Cleanup) {
  const redisUrl = await startRedisServer(cleanup);
  log(`redis-server at ${redisUrl}`);
  const connect = () => connectRedis(redisUrl, REDIS_COMMAND_TIMEOUT_MS, cleanup);
  const connections = await Promise.all(Array.from({ length: options.connections }, connect));
  const monitor = await connect();
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const stacks = [
    { name: 'guard', pair: guardPair(connections, prefix), cost: new StackCost() },
    { name: 'peer', pair: peerPair(connections, `${prefix}-peer`), cost: new StackCost() },
  ];

  const load = `${options.concurrency} callers on ${options.connections} connections`;
  log(`warm-up: ${options.warmup} pairs per stack, ${load}`);
  for (const { name, pair } of stacks) {
    // The first pair alone: its success proves the breaker, whose gate on calls in flight is then off.
    await runPairs(name, pair, 0, 1, { ...options, concurrency: 1 });
    await runPairs(name, pair, 1, options.warmup, options);
  }

  const perRound = Math.ceil(options.pairs / options.rounds);
  for (let roundIndex = 0; roundIndex < options.rounds; roundIndex++) {
    const from = options.warmup + roundIndex * perRound;
    const to = Math.min(options.warmup + options.pairs, from + perRound);
    for (const { name, pair, cost } of stacks) {
      log(`round ${roundIndex + 1}/${options.rounds}: ${name}, ${to - from} pairs, ${load}`);
      await measuredRound(monitor, cost, name, pair, from, to, options);
    }
  }

  const [guard, peer] = stacks.map(({ cost }) => cost) as [StackCost, StackCost];
  const redisCpuUsPerPair = guard.cpuUs / guard.pairs;
  const peerRedisCpuUsPerPair = peer.cpuUs / peer.pairs;
  const redisScriptUsPerPair = guard.scriptUs() / guard.pairs;
  const peerRedisScriptUsPerPair = peer.scriptUs() / peer.pairs;
  const cpuRatio = redisCpuUsPerPair / peerRedisCpuUsPerPair;
  return {
    benchmark: 'guard',
    machine: await machineInfo(monitor),
    pairs: options.pairs,
    concurrency: options.concurrency,
    connections: options.connections,
    rounds: options.rounds,
    warmupPairs: options.warmup,
    callMs: options.callMs,
    admitSettlePairsPerSec: Math.round(1e6 / redisCpuUsPerPair),
    redisCpuUsPerPair: round(redisCpuUsPerPair, 2),
    peerAdmitSettlePairsPerSec: Math.round(1e6 / peerRedisCpuUsPerPair),
    peerRedisCpuUsPerPair: round(peerRedisCpuUsPerPair, 2),
    cpuRatio: round(cpuRatio, 3),
    redisScriptUsPerPair: round(redisScriptUsPerPair, 2),
    peerRedisScriptUsPerPair: round(peerRedisScriptUsPerPair, 2),
    scriptRatio: round(redisScriptUsPerPair / peerRedisScriptUsPerPair, 3),
    roundTripsPerPair: { guard: GUARD_ROUND_TRIPS_PER_PAIR, peer: PEER_ROUND_TRIPS_PER_PAIR },
    measuredPairsPerSec: Math.round((guard.pairs / guard.wallMs) * 1000),
    peerMeasuredPairsPerSec: Math.round((peer.pairs / peer.wallMs) * 1000),
    commandsPerPair: { guard: guard.commandsPerPair(), peer: peer.commandsPerPair() },
    targets: { redisCpuWithin1_5xPeer: cpuRatio <= TARGET_RATIO },
    notes:
      'Both stacks on one redis-server (appendonly everysec), same callers, connections and pair count, in ' +
      'alternating rounds after a warm-up. Guard: RedisGuard admit + settle (one breaker, rate limit in ' +
      "requests and tokens per minute, budget scopes operation, run, daily and turn, the model's rolling latency " +
      'read on admit and a sample recorded on settle; 4 calls a turn, 5 turns a run; callMs > 0: a provider call of 1..callMs ms between admit and settle). Peer: rate-limiter-flexible RateLimiterRedis for requests and for tokens (consume, then reward ' +
      'of the unused tokens) and a budget counter on the run (reserve script, settle script). ' +
      'redisCpuUsPerPair: INFO cpu (used_cpu_user + used_cpu_sys) per pair, socket I/O included; ' +
      'admitSettlePairsPerSec = 1e6 / redisCpuUsPerPair, what one Redis core serves. redisScriptUsPerPair: ' +
      'INFO commandstats usec of FCALL / EVALSHA per pair (script execution only). measuredPairsPerSec: ' +
      "this client's throughput, bound by Node on the same cores.",
  };
}

runBenchmark(log, parseOptions, run);
