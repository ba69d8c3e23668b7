/**
 * The embedded dev stack's process hygiene: every child process dies with its parent, however
 * the parent ends; and a redis-server restart keeps its port and its data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import { PROJECT_ROOT } from '../../src/testing/toolchain';
import { eventually } from '../support/harness';
import type { StackChildInfo } from '../support/stack-child';

const HELPER = join(PROJECT_ROOT, 'test', 'support', 'stack-child.ts');

/** True while `pid` exists and is not a zombie (a dead process whose parent has not reaped it). */
function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

interface StackChild {
  child: ChildProcess;
  info: StackChildInfo;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs = new Set<StackChild>();

/** Starts the helper in one process (`node --import tsx`, no tsx wrapper) and reads its JSON line. */
async function startStackChild(): Promise<StackChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', HELPER], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const info = await new Promise<StackChildInfo>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`no JSON line after 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve(JSON.parse(stdout.slice(0, newline)) as StackChildInfo);
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`helper exited (code ${code}) before its JSON line; stderr: ${stderr}`));
    });
  });
  const run = { child, info, exited };
  runs.add(run);
  return run;
}

/** Resolves when every listed process is gone and both ports refuse connections. */
async function everythingGone(info: StackChildInfo, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    if (info.descendants.some(alive)) return undefined;
    if ((await portOpen(info.redis.port)) || (await portOpen(info.temporal.port))) return undefined;
    return true;
  }, timeoutMs);
}

afterEach(async () => {
  for (const run of runs) {
    run.child.kill('SIGKILL');
    await run.exited;
    await everythingGone(run.info, 15_000).catch(() => undefined);
    rmSync(run.info.dir, { recursive: true, force: true });
  }
  runs.clear();
});

/** The helper found one redis-server and one Temporal server, all running below it. */
function expectRunningStack(run: StackChild): Promise<void> {
  const { info } = run;
  expect(info.pid).toBe(run.child.pid);
  expect(info.redis.pids).toHaveLength(1);
  expect(info.temporal.pids).toHaveLength(1);
  expect(info.descendants).toEqual(expect.arrayContaining([...info.redis.pids, ...info.temporal.pids]));
  expect(info.descendants.filter(alive)).toEqual(info.descendants);
  return Promise.all([portOpen(info.redis.port), portOpen(info.temporal.port)]).then((open) =>
    expect(open).toEqual([true, true]),
  );
}

describe('dev stack child processes', () => {
  it('all die within 10 s when the parent is killed with SIGKILL', async () => {
    const run = await startStackChild();
    await expectRunningStack(run);

    run.child.kill('SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const killedAt = Date.now();
    await everythingGone(run.info, 10_000);
    expect(Date.now() - killedAt).toBeLessThan(10_500);
  });

  it('all stop on SIGINT, which exits with code 130 and removes the stack directory', async () => {
    const run = await startStackChild();
    await expectRunningStack(run);
    expect(existsSync(run.info.dir)).toBe(true);

    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 130, signal: null });
    // The stack waited for its servers before exiting.
    expect([...run.info.redis.pids, ...run.info.temporal.pids].filter(alive)).toEqual([]);
    expect(existsSync(run.info.dir)).toBe(false);
    await everythingGone(run.info, 10_000);
  });
});

describe('RedisDevServer', () => {
  it('keeps its port and its data across stop() and restart()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-redis-restart-'));
    const server = await RedisDevServer.start({ dir });
    const withClient = async <T>(work: (redis: Redis) => Promise<T>): Promise<T> => {
      const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
      try {
        return await work(redis);
      } finally {
        await redis.quit();
      }
    };
    try {
      const port = server.port;
      const first = randomUUID();
      const second = randomUUID();
      await withClient((redis) => redis.set('restart:first', first));

      await server.stop();
      expect(server.running).toBe(false);
      expect(await portOpen(port)).toBe(false);
      await server.restart();
      expect(server.running).toBe(true);
      expect(server.port).toBe(port);
      expect(server.url).toBe(`redis://127.0.0.1:${port}`);
      expect(await withClient((redis) => redis.get('restart:first'))).toBe(first);

      // restart() of a running server stops it first.
      await withClient((redis) => redis.set('restart:second', second));
      await server.restart();
      expect(server.port).toBe(port);
      expect(await withClient((redis) => redis.mget('restart:first', 'restart:second'))).toEqual([
        first,
        second,
      ]);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
