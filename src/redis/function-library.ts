/**
 * The Lua scripts in `lua/`, run as one Redis function library (Redis 7.0 or later): the shared
 * pieces (`_*.lua`, and the `KEY` functions of `keys.ts`) are defined once when the library loads,
 * and each script `<name>-1.lua` (its one key is the slot key) becomes a function that sets the slot
 * key and runs the script's body. A function call costs less than EVALSHA of a script that defines
 * its helpers on every call, and admission runs on every LLM call's path.
 *
 * The library's name carries a hash of its source, so workers of two releases (a rolling deploy)
 * each find their own functions. A connection loads the library the first time Redis says a
 * function is missing (a new server, a `FUNCTION FLUSH`, a new release), then calls again. On a
 * Cluster it loads it on every primary: `FUNCTION LOAD` replicates to their replicas, so a replica
 * promoted by a failover has it too, and a primary that still lacks it (a node added later) gets it
 * the first time it says so.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { errorMessage } from '../error-message';
import { primariesOf, type RedisConnection } from './connection';
import { luaKeyFunctions } from './keys';
import type { ReplicaWaitSettings } from './types';

const LUA_DIR = join(__dirname, 'lua');
/** The shared pieces after `_common.lua` and the key functions, in the order they depend on each other. */
const SHARED = [
  '_codes.lua',
  '_alerts.lua',
  '_degraded.lua',
  '_waiting.lua',
  '_breaker.lua',
  '_requestring.lua',
  '_ratelimit.lua',
  '_budget.lua',
  '_settings.lua',
  '_tools.lua',
  '_dlq.lua',
  '_latency.lua',
];

export type AdmitReply = [
  code: number,
  probe: number,
  retryAfterMs: number,
  detail: string,
  transition: string,
  reservation: string,
  /** When admitted with a model: its rolling latency (see `lua/_latency.lua`). */
  ...latency: [
    totalP95Ms?: number,
    totalSamples?: number,
    firstTokenP95Ms?: number,
    firstTokenSamples?: number,
  ],
];
export type SettleReply = [breakerSettled: number, transition: string, budgetSettled: number];
export type ToolAdmitReply = [
  code: number,
  probe: number,
  retryAfterMs: number,
  detail: string,
  transition: string,
];
export type ToolSettleReply = [settled: number, transition: string];

type Args = Array<string | number | Buffer>;

/** The scripts, as calls on a connection (arguments as documented in each script's header). */
export interface BreakwaterCommands {
  admit(slot: string, ...args: Args): Promise<AdmitReply>;
  settle(slot: string, ...args: Args): Promise<SettleReply>;
  breakerControl(slot: string, ...args: Args): Promise<string>;
  budgetControl(slot: string, ...args: Args): Promise<string>;
  dlqEnqueue(slot: string, ...args: Args): Promise<[added: number, stream: string, entryId: string]>;
  dlqRemove(slot: string, ...args: Args): Promise<[removed: number, deadEntryId: string]>;
  dlqStats(slot: string, ...args: Args): Promise<string>;
  dlqRelease(slot: string, ...args: Args): Promise<number>;
  submitGate(
    slot: string,
    ...args: Args
  ): Promise<[decision: string, reason: string, waiting: number, retryAfterMs: number]>;
  degradedControl(slot: string, ...args: Args): Promise<string>;
  waiting(slot: string, ...args: Args): Promise<string>;
  toolAdmit(slot: string, ...args: Args): Promise<ToolAdmitReply>;
  toolSettle(slot: string, ...args: Args): Promise<ToolSettleReply>;
}

export type ScriptName = keyof BreakwaterCommands;

/** Thrown when the Redis server cannot run Breakwater's function library (it predates Redis 7.0). */
export class UnsupportedRedisError extends Error {
  constructor(reply: string) {
    super(
      `Breakwater needs Redis 7.0 or later: it runs its atomic scripts as Redis Functions (FCALL), ` +
        `and the server replied: ${reply}`,
    );
    this.name = 'UnsupportedRedisError';
  }
}

interface FunctionLibrary {
  /** The `FUNCTION LOAD` source. */
  source: string;
  /** Each script's function name in this library. */
  functions: Record<ScriptName, string>;
}

function readLua(file: string): string {
  return readFileSync(join(LUA_DIR, file), 'utf8');
}

function scriptName(base: string): ScriptName {
  return base.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as ScriptName;
}

function buildLibrary(): FunctionLibrary {
  const bodies = readdirSync(LUA_DIR)
    .sort()
    .flatMap((file) => {
      const match = /^([a-z-]+)-1\.lua$/.exec(file);
      return match ? [{ name: scriptName(match[1]!), body: readLua(file) }] : [];
    });
  const shared = [readLua('_common.lua'), luaKeyFunctions(), ...SHARED.map(readLua)].join('\n');
  const version = createHash('sha1')
    .update(shared)
    .update(bodies.map((script) => `${script.name}\n${script.body}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const library = `breakwater_${version}`;
  const functions = {} as Record<ScriptName, string>;
  const registrations = bodies.map(({ name, body }) => {
    functions[name] = `${library}_${name}`;
    return `redis.register_function('${functions[name]}', function(KEYS, ARGV)\nbase = KEYS[1]\n${body}\nend)`;
  });
  return { source: [`#!lua name=${library}`, shared, ...registrations].join('\n'), functions };
}

let library: FunctionLibrary | undefined;

/** The function library built from `lua/` (built once per process). */
export function functionLibrary(): FunctionLibrary {
  library ??= buildLibrary();
  return library;
}

/** Loads the library on one server; a concurrent load of the same library by another worker is fine. */
async function loadOn(server: Redis): Promise<void> {
  try {
    await server.function('LOAD', functionLibrary().source);
  } catch (error) {
    const reply = errorMessage(error);
    if (/already exists/i.test(reply)) return;
    if (/unknown command|unknown subcommand/i.test(reply)) throw new UnsupportedRedisError(reply);
    throw error;
  }
}

/** Loads the library on every primary of `redis` (the one server, or each master of a Cluster). */
export async function loadFunctionLibrary(redis: RedisConnection): Promise<void> {
  await Promise.all(primariesOf(redis).map(loadOn));
}

/** Runs `attempt`; loads the library and runs it again when Redis says the function is missing. */
async function withLibrary<T>(redis: RedisConnection, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    const reply = errorMessage(error);
    if (/unknown command/i.test(reply)) throw new UnsupportedRedisError(reply);
    if (!/function not found/i.test(reply)) throw error;
    await loadFunctionLibrary(redis);
    return attempt();
  }
}

/** Calls script `name`; loads the library and calls again when Redis says the function is missing. */
function callFunction(redis: RedisConnection, name: ScriptName, slot: string, args: Args): Promise<unknown> {
  const fn = functionLibrary().functions[name];
  return withLibrary(redis, () => redis.fcall(fn, 1, slot, ...args));
}

/** A script's reply, and how many replicas acknowledged its writes. */
export interface ReplicatedReply<Reply> {
  reply: Reply;
  acknowledged: number;
}

/**
 * Calls script `name`, then `WAIT`s for `wait.replicas` replicas, in one round trip on the connection
 * (on a Cluster, the slot's primary) that ran the script. Resolves once WAIT answers, with the replicas
 * that acknowledged the script's writes (fewer than asked when `wait.timeoutMs` passed first).
 */
export function callAndWait<Reply>(
  redis: RedisConnection,
  name: ScriptName,
  wait: ReplicaWaitSettings,
  slot: string,
  args: Args,
): Promise<ReplicatedReply<Reply>> {
  const fn = functionLibrary().functions[name];
  return withLibrary(redis, async () => {
    const results = await redis
      .pipeline()
      .fcall(fn, 1, slot, ...args)
      .wait(wait.replicas, wait.timeoutMs)
      .exec();
    const [[callError, reply] = [], [waitError, acknowledged] = []] = results ?? [];
    if (callError) throw callError;
    if (waitError) throw waitError;
    return { reply: reply as Reply, acknowledged: Number(acknowledged) };
  });
}

const commands = new WeakMap<RedisConnection, BreakwaterCommands>();

/** The typed script calls on `redis` (one object per connection). */
export function commandsOf(redis: RedisConnection): BreakwaterCommands {
  let result = commands.get(redis);
  if (result === undefined) {
    const call =
      (name: ScriptName) =>
      (slot: string, ...args: Args) =>
        callFunction(redis, name, slot, args);
    result = Object.fromEntries(
      Object.keys(functionLibrary().functions).map((name) => [name, call(name as ScriptName)]),
    ) as unknown as BreakwaterCommands;
    commands.set(redis, result);
  }
  return result;
}
