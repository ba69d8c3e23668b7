/**
 * The embedded dev stack: a Temporal dev server, a redis-server and the fake LLM provider, each
 * on free ports, in one directory. The demo, `npm run stack` and the tests all use it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProvider } from '../testing/fake-provider';
import { RedisDevServer } from './redis-dev-server';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server';

export interface StackOptions {
  /** Directory of the SQLite file, Redis data and logs (default: a new temporary directory). */
  dir?: string;
  /** Serve the Temporal Web UI (default true). */
  ui?: boolean;
  /** Start the fake provider too (default true). */
  fakeProvider?: boolean;
  /** Delay the fake provider adds to every answer. */
  fakeProviderLatencyMs?: number;
  /** Remove `dir` on stop (default: true for a temporary directory). */
  removeDirOnStop?: boolean;
}

export interface Stack {
  dir: string;
  temporal: TemporalDevServer;
  redis: RedisDevServer;
  fakeProvider?: FakeProvider;
  /** Stops everything; safe to call twice. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'breakwater-stack-'));
  mkdirSync(dir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const step of stops.reverse()) await step().catch(() => undefined);
    if (options.removeDirOnStop ?? temporary) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [temporalStart, redisStart] = await Promise.allSettled([
      startTemporalDevServer({ dir, ui: options.ui ?? true }),
      RedisDevServer.start({ dir: join(dir, 'redis') }),
    ]);
    if (temporalStart.status === 'fulfilled') stops.push(() => temporalStart.value.stop());
    if (redisStart.status === 'fulfilled') stops.push(() => redisStart.value.stop());
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    if (redisStart.status === 'rejected') throw redisStart.reason;
    const temporal = temporalStart.value;
    const redis = redisStart.value;
    let fakeProvider: FakeProvider | undefined;
    if (options.fakeProvider ?? true) {
      fakeProvider = await new FakeProvider({ baseLatencyMs: options.fakeProviderLatencyMs }).start();
      const provider = fakeProvider;
      stops.push(() => provider.stop());
    }
    return { dir, temporal, redis, fakeProvider, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Stops `stack` on Ctrl-C and SIGTERM, then exits with the signal's conventional code. */
export function stopOnSignals(stack: Stack, beforeStop?: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      const code = signal === 'SIGINT' ? 130 : 143;
      const finish = async () => {
        await beforeStop?.().catch(() => undefined);
        await stack.stop();
      };
      void finish().finally(() => process.exit(code));
    });
  }
}
