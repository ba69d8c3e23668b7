/**
 * Loads the Lua scripts in `lua/` as ioredis commands (EVALSHA, with EVAL on a cache miss).
 * A script's file name is `<name>-<numberOfKeys>.lua`; a line `--@include <file>` is replaced by
 * that file (shared pieces, whose names start with `_`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';

const LUA_DIR = join(__dirname, 'lua');

/** A script's source with its includes expanded. */
export function scriptSource(file: string): string {
  return readFileSync(join(LUA_DIR, file), 'utf8').replace(/^--@include (\S+)$/gm, (_, include: string) =>
    readFileSync(join(LUA_DIR, include), 'utf8'),
  );
}

export type AdmitReply = [
  code: number,
  probe: number,
  retryAfterMs: number,
  detail: string,
  transition: string,
  reservation: string,
];
export type SettleReply = [breakerSettled: number, transition: string, budgetSettled: number];

/** The scripts, as commands on a connection (arguments as documented in each script's header). */
export interface BreakwaterCommands {
  admit(slot: string, ...args: Array<string | number | Buffer>): Promise<AdmitReply>;
  settle(slot: string, ...args: Array<string | number | Buffer>): Promise<SettleReply>;
  breakerControl(slot: string, ...args: Array<string | number | Buffer>): Promise<string>;
  budgetControl(slot: string, ...args: Array<string | number | Buffer>): Promise<string>;
  dlqEnqueue(
    slot: string,
    ...args: Array<string | number | Buffer>
  ): Promise<[added: number, stream: string, entryId: string]>;
  dlqRemove(
    slot: string,
    ...args: Array<string | number | Buffer>
  ): Promise<[removed: number, deadEntryId: string]>;
  dlqStats(slot: string, ...args: Array<string | number | Buffer>): Promise<string>;
  dlqRelease(slot: string, ...args: Array<string | number | Buffer>): Promise<number>;
}

const defined = new WeakSet<Redis>();

/** Defines every script on `redis` (once per connection) and returns the typed commands. */
export function commandsOf(redis: Redis): BreakwaterCommands {
  if (!defined.has(redis)) {
    for (const file of readdirSync(LUA_DIR)) {
      const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
      if (!match) continue;
      const [, name, keys] = match as unknown as [string, string, string];
      redis.defineCommand(
        name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
        {
          numberOfKeys: Number(keys),
          lua: scriptSource(file),
        },
      );
    }
    defined.add(redis);
  }
  return redis as unknown as BreakwaterCommands;
}
