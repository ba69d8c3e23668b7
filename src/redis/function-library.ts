/**
 * The Lua scripts in `lua/`, run as one Redis function library (Redis 7.0 or later): the shared
 * pieces (`_*.lua`, and the `KEY` functions of `keys.ts`) are defined once when the library loads,
 * and each script `<name>-1.lua` (its one key is the slot key) becomes a function that sets the slot
 * key and runs the script's body. A function call costs less than EVALSHA of a script that defines
 * its helpers on every call, and admission runs on every LLM call's path.
 *
 * The library's name carries a hash of its source, so workers of two releases (a rolling deploy)
 * each find their own functions. A connection loads the library the first time Redis says a
 * function is missing (a new server, a `FUNCTION FLUSH`, a new release), then calls again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { errorMessage } from '../error-message';
import { luaKeyFunctions } from './keys';

const LUA_DIR = join(__dirname, 'lua');
/** The shared pieces after `_common.lua` and the key functions, in the order they depend on each other. */
const SHARED = ['_codes.lua', '_breaker.lua', '_ratelimit.lua', '_budget.lua', '_settings.lua', '_dlq.lua'];

export type AdmitReply = [
  code: number,
  probe: number,
  retryAfterMs: number,
  detail: string,
  transition: string,
  reservation: string,
];
export type SettleReply = [breakerSettled: number, transition: string, budgetSettled: number];

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
}

type ScriptName = keyof BreakwaterCommands;

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

/** Loads the library on `redis`; a concurrent load of the same library by another worker is fine. */
export async function loadFunctionLibrary(redis: Redis): Promise<void> {
  try {
    await redis.function('LOAD', functionLibrary().source);
  } catch (error) {
    const reply = errorMessage(error);
    if (/already exists/i.test(reply)) return;
    if (/unknown command|unknown subcommand/i.test(reply)) throw new UnsupportedRedisError(reply);
    throw error;
  }
}

/** Calls script `name`; loads the library and calls again when Redis says the function is missing. */
function callFunction(redis: Redis, name: ScriptName, slot: string, args: Args): Promise<unknown> {
  const fn = functionLibrary().functions[name];
  return redis.fcall(fn, 1, slot, ...args).catch(async (error: unknown) => {
    const reply = errorMessage(error);
    if (/unknown command/i.test(reply)) throw new UnsupportedRedisError(reply);
    if (!/function not found/i.test(reply)) throw error;
    await loadFunctionLibrary(redis);
    return redis.fcall(fn, 1, slot, ...args);
  });
}

const commands = new WeakMap<Redis, BreakwaterCommands>();

/** The typed script calls on `redis` (one object per connection). */
export function commandsOf(redis: Redis): BreakwaterCommands {
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
