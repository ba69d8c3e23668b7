/** The guard's scripts as one Redis function library, on a redis-server of this file's own. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisConnection } from '../../src/redis/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config';
import type { BreakerSettings } from '../../src/breaker/types';
import { RedisDevServer } from '../../src/testing/redis-dev-server';
import type { BudgetCeilings } from '../../src/budget/types';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { createRedis, waitUntilReady } from '../../src/redis/connection';
import { KeySpace } from '../../src/redis/keys';
import { functionLibrary } from '../../src/redis/function-library';
import { usageCharge } from '../../src/redis/script-arguments';
import { uniqueName } from '../support/harness';

let dir: string;
let server: RedisDevServer;
let redis: RedisConnection;

async function connect(): Promise<RedisConnection> {
  const connection = createRedis({ url: server.url, commandTimeoutMs: 5000 });
  await waitUntilReady(connection);
  return connection;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-functions-'));
  server = await RedisDevServer.start({ dir });
  redis = await connect();
});
afterAll(async () => {
  await redis.quit();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scriptsOn(connection: RedisConnection): GuardScripts {
  return new GuardScripts(connection, new KeySpace(uniqueName('lib')));
}

async function admitAndSettle(
  scripts: GuardScripts,
  attemptId: string,
  breaker: BreakerSettings = defaultConfig().breaker,
  outcome: 'success' | 'failure' = 'success',
) {
  const admitted = await scripts.admit({ provider: 'fake', attemptId, leaseMs: 30_000, breaker, random: 0 });
  if (admitted.code !== 'admitted') return admitted;
  await scripts.settle({ provider: 'fake', attemptId, outcome, workerId: 'w1', breaker });
  return admitted;
}

async function libraryNames(): Promise<string[]> {
  const list = (await redis.function('LIST')) as unknown[][];
  return list.map((library) => String(library[library.indexOf('library_name') + 1]));
}

async function fcallCount(): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_fcall:calls=(\d+)/.exec(stats)?.[1] ?? '0');
}

describe('function library', () => {
  it('loads itself on the first call, and again after FUNCTION FLUSH', async () => {
    await redis.function('FLUSH');
    const scripts = scriptsOn(redis);
    expect(await admitAndSettle(scripts, 'first')).toMatchObject({ code: 'admitted' });
    expect(await libraryNames()).toEqual([
      functionLibrary().source.split('\n')[0]!.replace('#!lua name=', ''),
    ]);

    await redis.function('FLUSH');
    expect(await libraryNames()).toEqual([]);
    expect(await admitAndSettle(scripts, 'after-flush')).toMatchObject({ code: 'admitted' });
    expect(await libraryNames()).toHaveLength(1);
  });

  it('first calls racing on 10 connections all succeed, and load one library', async () => {
    await redis.function('FLUSH');
    const connections = await Promise.all(Array.from({ length: 10 }, connect));
    try {
      const outcomes = await Promise.all(
        connections.map((connection, index) => admitAndSettle(scriptsOn(connection), `race-${index}`)),
      );
      expect(outcomes.map((outcome) => outcome.code)).toEqual(new Array(10).fill('admitted'));
      expect(await libraryNames()).toHaveLength(1);
    } finally {
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  });

  it('ships the settings once: after the first call, an admission and a settle are one call each', async () => {
    const scripts = scriptsOn(redis);
    await admitAndSettle(scripts, 'warm');
    const before = await fcallCount();
    for (let i = 0; i < 10; i++) await admitAndSettle(scripts, `steady-${i}`);
    expect((await fcallCount()) - before).toBe(20);
  });

  it('applies each set of settings as sent, also after a reload and past the settings Redis keeps', async () => {
    const opensAtOne = { ...defaultConfig().breaker, failureThreshold: 1 };
    const opensAtThree = { ...defaultConfig().breaker, failureThreshold: 3 };
    const strict = scriptsOn(redis);
    const lenient = scriptsOn(redis);
    await admitAndSettle(strict, 'strict-1', opensAtOne, 'failure');
    await admitAndSettle(lenient, 'lenient-1', opensAtThree, 'failure');
    expect(await admitAndSettle(strict, 'strict-2', opensAtOne)).toMatchObject({
      code: 'breaker_refused',
      state: 'OPEN',
    });
    expect(await admitAndSettle(lenient, 'lenient-2', opensAtThree)).toMatchObject({ code: 'admitted' });

    // 300 distinct ceilings: more sets of settings than the library keeps decoded at once.
    const budgets = scriptsOn(redis);
    for (let cents = 1; cents <= 300; cents++) {
      const ceilings: BudgetCeilings = {
        runMicros: cents * 10_000,
        operationMicros: 0,
        dailyMicros: 0,
        turnTokens: 0,
        turnToolCalls: 0,
      };
      const claim = { runId: `run-${cents}`, operation: 'op', micros: cents * 10_000 + 1, tokens: 10 };
      const outcome = await budgets.admit({
        provider: 'fake',
        attemptId: `ceiling-${cents}`,
        leaseMs: 30_000,
        breaker: defaultConfig().breaker,
        claim,
        ceilings,
        random: 0,
      });
      expect(outcome, `ceiling ${cents}`).toMatchObject({ code: 'budget_exceeded', scope: 'run' });
    }

    await redis.function('FLUSH');
    await admitAndSettle(lenient, 'lenient-3', opensAtThree, 'failure');
    expect(await admitAndSettle(lenient, 'lenient-4', opensAtThree)).toMatchObject({ code: 'admitted' });
  });

  it("settles the answer's tool calls into the turn's call count, once per attempt", async () => {
    const scripts = scriptsOn(redis);
    const breaker = defaultConfig().breaker;
    const ceilings: BudgetCeilings = {
      runMicros: 0,
      operationMicros: 0,
      dailyMicros: 0,
      turnTokens: 0,
      turnToolCalls: 4,
    };
    const claim = { runId: 'run', turn: 'turn', operation: 'op', micros: 10, tokens: 10 };
    const admit = (attemptId: string) =>
      scripts.admit({ provider: 'fake', attemptId, leaseMs: 30_000, breaker, claim, ceilings, random: 0 });
    const turnCalls = async () => {
      const shown = (await scripts.budgetControl('show', ceilings, { runId: 'run', turn: 'turn' })) as {
        scopes: Array<{ scope: string; spent: number }>;
      };
      return shown.scopes.find((scope) => scope.scope === 'turn_tool_calls')?.spent;
    };
    const admitted = await admit('first');
    if (admitted.code !== 'admitted') throw new Error(`not admitted: ${admitted.code}`);
    const settle = () =>
      scripts.settle({
        provider: 'fake',
        attemptId: 'first',
        outcome: 'success',
        workerId: 'w1',
        breaker,
        reservation: admitted.reservation,
        actualMicros: 5,
        actualTokens: 5,
        actualToolCalls: 3,
      });
    expect((await settle()).budgetSettled).toBe(true);
    expect(await turnCalls()).toBe(4);
    expect((await settle()).budgetSettled).toBe(false);
    expect(await turnCalls()).toBe(4);
    expect(await admit('second')).toMatchObject({ code: 'budget_exceeded', scope: 'turn_tool_calls' });
  });

  it('charges a settle again once its settled record expired, whether or not a sweep dropped the record', async () => {
    const scripts = scriptsOn(redis);
    const day = 86_400_000;
    const start = Date.UTC(2030, 0, 1);
    const ceilings: BudgetCeilings = {
      runMicros: 0,
      operationMicros: 0,
      dailyMicros: 0,
      turnTokens: 0,
      turnToolCalls: 0,
    };
    const charge = async (usageId: string, clock: number) =>
      (
        await scripts.settle({
          provider: 'fake',
          attemptId: usageId,
          workerId: 'w1',
          reservation: usageCharge(usageId, 'run', undefined),
          actualMicros: 10,
          clock,
        })
      ).budgetSettled;
    const runSpent = async () => {
      const shown = (await scripts.budgetControl('show', ceilings, { runId: 'run', clock: start })) as {
        scopes: Array<{ scope: string; spent: number }>;
      };
      return shown.scopes.find((scope) => scope.scope === 'run')?.spent;
    };
    expect(await charge('usage', start)).toBe(true);
    expect(await charge('usage', start + 1_000)).toBe(false);
    // Another settle sweeps just before the record expires; the next one comes too soon to sweep.
    expect(await charge('other', start + day - 500)).toBe(true);
    expect(await charge('usage', start + day + 100)).toBe(true);
    expect(await charge('usage', start + day + 200)).toBe(false);
    // Swept or not, an expired record no longer holds: the first settle a day later charges.
    expect(await charge('other', start + 3 * day)).toBe(true);
    expect(await runSpent()).toBe(40);
  });
});
