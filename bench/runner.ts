/** What the benchmarks share to run: progress log, flags, cleanup on exit or signal, a Redis of their own. */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RedisConnection } from '../src/redis/connection';
import { RedisDevServer } from '../src/testing/redis-dev-server';
import { createRedis, waitUntilReady } from '../src/redis/connection';

export type Log = (message: string) => void;

/** Progress lines `bench:<name>: …` on stderr (stdout carries only the report). */
export function benchLog(name: string): Log {
  return (message) => console.error(`bench:${name}: ${message}`);
}

/** Undoes what the benchmark started, last first; each step runs once, even after a failure of another. */
export class Cleanup {
  private readonly steps: Array<() => unknown> = [];

  constructor(private readonly log: Log) {}

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        this.log(`cleanup step failed: ${String(error)}`);
      }
    }
  }
}

/** Readers of `--<flag> <value>` options; each returns `fallback` when its flag is absent. */
export function parseFlags(args: string[], flags: readonly string[]) {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries(flags.map((flag) => [flag, { type: 'string' as const }])),
  });
  const number = (
    flag: string,
    fallback: number,
    valid: (value: number) => boolean,
    requirement: string,
  ): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!valid(value)) throw new RangeError(`--${flag}: ${requirement}`);
    return value;
  };
  const integer = (flag: string, fallback: number): number =>
    number(
      flag,
      fallback,
      (value) => Number.isSafeInteger(value) && value >= 1,
      'must be a positive integer',
    );
  /** The flag's value as given, or undefined when it is absent. */
  const text = (flag: string): string | undefined => values[flag];
  return { number, integer, text };
}

/**
 * Runs a benchmark from the command line: prints the report of `run` as JSON on stdout and undoes what it
 * started, also on SIGINT/SIGTERM (then exit code 1); exit code 1 on error.
 */
export function runBenchmark<Options>(
  log: Log,
  parseOptions: (args: string[]) => Options,
  run: (options: Options, cleanup: Cleanup) => Promise<unknown>,
): void {
  const cleanup = new Cleanup(log);
  /** Set on SIGINT/SIGTERM: the errors of commands cut off by the cleanup are not worth printing. */
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    log(`${signal}: stopping`);
    void cleanup.run().finally(() => process.exit(1));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const main = async () => {
    try {
      const report = await run(parseOptions(process.argv.slice(2)), cleanup);
      console.log(JSON.stringify(report, null, 2));
    } finally {
      await cleanup.run();
    }
  };
  main().catch((error: unknown) => {
    if (!stopping) console.error(error);
    process.exitCode = 1;
  });
}

/** A temp dir of the benchmark's own, removed by `cleanup`. */
export function benchDir(cleanup: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), 'breakwater-bench-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A redis-server of the benchmark's own in a temp dir, stopped by `cleanup`; returns its URL. */
export async function startRedisServer(cleanup: Cleanup): Promise<string> {
  const redis = await RedisDevServer.start({ dir: benchDir(cleanup) });
  cleanup.add(() => redis.stop());
  return redis.url;
}

/** A ready connection, closed by `cleanup`. */
export async function connectRedis(
  url: string,
  commandTimeoutMs: number,
  cleanup: Cleanup,
): Promise<RedisConnection> {
  const redis = createRedis({ url, commandTimeoutMs });
  // Failed commands reject on their own; without a listener ioredis would also print every error.
  redis.on('error', () => undefined);
  cleanup.add(() => redis.quit().catch(() => redis.disconnect()));
  await waitUntilReady(redis);
  return redis;
}

/** The Node version, the CPU count and the Redis server's version. */
export async function machineInfo(redis: RedisConnection) {
  const info = await redis.info('server');
  return {
    node: process.version,
    cpus: cpus().length,
    redisVersion: /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown',
  };
}
