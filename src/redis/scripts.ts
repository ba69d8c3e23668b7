/**
 * Loads the Lua scripts in `lua/` as ioredis commands (EVALSHA, with EVAL on a cache miss).
 * A script's file name is `<name>-<numberOfKeys>.lua`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';

const LUA_DIR = join(__dirname, 'lua');

export interface GuardCommands {
  admit(inflightKey: string, statsKey: string, attemptId: string, leaseMs: number): Promise<[number, number]>;
  settle(inflightKey: string, statsKey: string, attemptId: string, outcome: string): Promise<number>;
}

const defined = new WeakSet<Redis>();

/** Defines every script on `redis` (once per connection) and returns the typed commands. */
export function guardCommands(redis: Redis): GuardCommands {
  if (!defined.has(redis)) {
    for (const file of readdirSync(LUA_DIR)) {
      const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
      if (!match) continue;
      const [, name, keys] = match as unknown as [string, string, string];
      redis.defineCommand(
        name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
        {
          numberOfKeys: Number(keys),
          lua: readFileSync(join(LUA_DIR, file), 'utf8'),
        },
      );
    }
    defined.add(redis);
  }
  return redis as unknown as GuardCommands;
}
