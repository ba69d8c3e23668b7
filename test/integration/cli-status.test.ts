/**
 * `breakwater status` as a child process during a live run on the shared stack: its text and its
 * `--json` agree with `breaker status`, `budget show`, `dlq stats` and with `temporal workflow
 * count` per ledger state; `--watch` refreshes until interrupted.
 */
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerStatus } from '../../src/breaker/types';
import type { BudgetShowJson } from '../../src/cli/views/budget';
import type { DlqStatsJson } from '../../src/cli/views/dlq-stats';
import { microsToUsd } from '../../src/money';
import { taskCountQuery } from '../../src/status/task-queries';
import type { StatusSnapshot } from '../../src/status/status-snapshot';
import { LEDGER_STATES, type LedgerState } from '../../src/task';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { json, killRunning, runCli, start } from '../support/cli';
import { chat, createHarness, eventually, startFakeProvider, type Harness } from '../support/harness';
import { temporalWorkflowCount } from '../support/temporal-cli';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});
afterEach(() => killRunning());

/** The CLI's environment for the harness's Redis prefix, Temporal namespace and task queue. */
function cliEnv(h: Harness): Record<string, string> {
  return {
    REDIS_URL: h.config.redis.url,
    REDIS_KEY_PREFIX: h.config.redis.keyPrefix,
    TEMPORAL_ADDRESS: h.config.temporal.address,
    TEMPORAL_NAMESPACE: h.config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
  };
}

async function temporalCounts(taskQueue: string): Promise<Record<LedgerState, number>> {
  const counts = await Promise.all(
    LEDGER_STATES.map((state) => temporalWorkflowCount(taskCountQuery(taskQueue, state))),
  );
  return Object.fromEntries(LEDGER_STATES.map((state, index) => [state, counts[index]!])) as Record<
    LedgerState,
    number
  >;
}

/** The body of the text section titled `title` (up to the next `== ` title). */
function section(text: string, title: string): string {
  const start = text.indexOf(`== ${title}`);
  expect(start, text).toBeGreaterThanOrEqual(0);
  const body = text.slice(text.indexOf('\n', start) + 1);
  const end = body.indexOf('\n== ');
  return (end < 0 ? body : body.slice(0, end)).trim();
}

describe('breakwater status', () => {
  it('agrees with breaker status, budget show, dlq stats and temporal workflow count during a live run', async () => {
    const h = await createHarness(
      fakeProvider,
      'cli-status',
      {
        RETRY_MAXIMUM_ATTEMPTS: '2',
        MAX_BLOCKED_MS: '600000',
        TASK_DEADLINE_MS: '900000',
        HTTP_PORT: '0',
        // A rate limit that lets the test's 4 admissions through in a minute (the limit is exact per
        // minute) and refills slowly: they take 4 of 10 requests.
        RATE_LIMIT_RPM: '5',
        RATE_LIMIT_BURST: '10',
      },
      { workerOptions: () => ({ registry: new Registry() }) },
    );
    const env = cliEnv(h);
    const breakwater = (...args: string[]) => runCli(args, env);
    const taskQueue = h.config.temporal.taskQueue;
    const blockedKeys = [`${h.name}-blocked-1`, `${h.name}-blocked-2`];
    h.fake.inject({ contentIncludes: 'doomed', fault: { kind: 'status', status: 503 } });
    const startedAt = Date.now();
    await h.run(async () => {
      for (const key of ['ok-1', 'ok-2']) {
        await h.client.execute(chat('fine'), {
          idempotencyKey: `${h.name}-${key}`,
          agent: 'scout',
          priority: 'high',
        });
      }
      await expect(
        h.client.execute(chat('doomed'), {
          idempotencyKey: `${h.name}-bad`,
          agent: 'triage',
          priority: 'low',
        }),
      ).rejects.toThrow();
      expect((await breakwater('breaker', 'open', 'fake', '--for', '10m')).code).toBe(0);
      expect((await breakwater('budget', 'set', 'daily-usd', '1')).code).toBe(0);
      for (const key of blockedKeys) {
        await h.client.submit(chat('waits'), { idempotencyKey: key, agent: 'scout', priority: 'critical' });
      }
      try {
        // The run holds still: 2 DONE, 1 FAILED, 2 BLOCKED behind the open breaker.
        const counts = await eventually(async () => {
          const seen = await temporalCounts(taskQueue);
          return seen.DONE === 2 && seen.FAILED === 1 && seen.BLOCKED === 2 ? seen : undefined;
        }, 30_000);

        const snapshot = await eventually(async () => {
          const read = await json<StatusSnapshot>(breakwater('status', '--json'));
          // Visibility settles a moment after the counts above: wait until the snapshot sees them too.
          const settled = LEDGER_STATES.every((state) => read.tasks?.byState[state] === counts[state]);
          return read.ledger?.closed === 3 && settled ? read : undefined;
        }, 15_000);
        const [served, breakers, budget, dlq, text, breakerText, dlqText, degradedText] = await Promise.all([
          fetch(`${h.worker.httpUrl}/status`).then(async (response) => {
            expect(response.status).toBe(200);
            expect(response.headers.get('content-type')).toBe('application/json');
            return (await response.json()) as StatusSnapshot;
          }),
          json<BreakerStatus[]>(breakwater('breaker', 'status', '--json')),
          json<BudgetShowJson>(breakwater('budget', 'show', '--json')),
          json<DlqStatsJson>(breakwater('dlq', 'stats', '--json')),
          breakwater('status'),
          breakwater('breaker', 'status'),
          breakwater('dlq', 'stats'),
          breakwater('degraded', 'status'),
        ]);

        expect(snapshot.errors).toEqual({});
        // The worker serves the same snapshot at /status (but for what moves with the time of reading).
        const stable = ({ at: _at, breakers, ledger, ...rest }: StatusSnapshot) => ({
          ...rest,
          breakers: breakers?.map(
            ({
              retryAfterMs: _retryAfterMs,
              now: _now,
              rateLimit,
              ...breaker
            }: BreakerStatus & { now?: number }) => ({
              ...breaker,
              rateLimit: rateLimit && { ...rateLimit, requests: Math.floor(rateLimit.requests) },
            }),
          ),
          ledger: ledger && { ...ledger, since: undefined },
        });
        expect(stable(served)).toEqual(stable(snapshot));
        expect(snapshot.tasks).toEqual({ taskQueue, byState: counts });
        expect(await temporalCounts(taskQueue)).toEqual(counts);

        expect(
          snapshot.breakers?.map(({ provider, state, openUntil }) => ({ provider, state, openUntil })),
        ).toEqual(breakers.map(({ provider, state, openUntil }) => ({ provider, state, openUntil })));
        // Every configured provider is registered at the worker's start; only `fake` was failing.
        expect(breakers.map(({ provider, state }) => [provider, state])).toEqual([
          ['fake', 'OPEN'],
          ['fake-anthropic', 'CLOSED'],
        ]);
        expect(snapshot.degraded).toMatchObject({ active: false, reason: null, resilienceEnabled: true });
        const level = snapshot.breakers?.[0]?.rateLimit;
        expect(level).toMatchObject({ rpm: 5, tpm: 0, burst: 10 });
        // 10 less the 4 taken, plus at most the refill since the test started.
        expect(level!.requests).toBeGreaterThanOrEqual(6);
        expect(level!.requests).toBeLessThanOrEqual(6 + ((Date.now() - startedAt) * 5) / 60_000);
        expect(breakers[0]?.rateLimit).toMatchObject({ rpm: 5, burst: 10 });

        const daily = budget.scopes.find((scope) => scope.scope === 'daily')!;
        expect(daily.limit).toBe(1);
        expect(snapshot.budgets?.nearest).toEqual([
          {
            scope: 'daily',
            unit: 'micro_usd',
            limit: 1_000_000,
            used: expect.any(Number),
            share: expect.any(Number),
          },
        ]);
        const nearest = snapshot.budgets!.nearest[0]!;
        expect(microsToUsd(nearest.used)).toBe(daily.spent + daily.reserved);

        expect(dlq.depth).toBe(1);
        expect(dlq.byReason).toEqual({ retries_exhausted: 1 });
        expect(snapshot.dlq).toMatchObject({
          depth: dlq.depth,
          deadDepth: dlq.deadDepth,
          byReason: dlq.byReason,
        });

        expect(snapshot.ledger).toMatchObject({
          byPriority: { low: 1, normal: 0, high: 2, critical: 2 },
          byAgent: { scout: 4, triage: 1 },
          listed: 5,
          complete: true,
          closed: 3,
          retried: 1,
          retries: 1,
          retryRate: 1 / 3,
        });
        expect(snapshot.ledger?.timeInState.RUNNING?.tasks).toBe(3);
        expect(snapshot.ledger?.timeInState.RETRY?.tasks).toBe(1);

        expect(text.code, text.stderr).toBe(0);
        const stdout = text.stdout;
        // The sections show what the commands show, but for the times that passed between them and
        // the rate fill, whose window slides with them.
        const timeless = (table: string) => table.replace(/\d+m \d+s|\d+(ms|s|m)\b|\d+%/g, '<t>');
        expect(timeless(section(stdout, 'Circuit breakers'))).toBe(timeless(breakerText.stdout.trim()));
        // The rate fill: 4 of 10 requests taken, less the refill since the test started.
        const fill = Number(
          /^fake +OPEN +9m \d+s +.* (\d+)%$/m.exec(section(stdout, 'Circuit breakers'))?.[1],
        );
        expect(fill).toBeLessThanOrEqual(40);
        expect(fill).toBeGreaterThanOrEqual(Math.floor(40 - ((Date.now() - startedAt) * 5 * 10) / 60_000));
        expect(timeless(section(stdout, 'Dead-letter queue'))).toBe(timeless(dlqText.stdout.trim()));
        expect(section(stdout, 'Degraded mode')).toBe(degradedText.stdout.trim());
        expect(section(stdout, 'Budgets nearest their ceilings')).toMatch(/^daily +usd +1 +[\d.]+ +\d+%$/m);
        expect(section(stdout, 'Dead-letter queue')).toMatch(/^ai:dlq +1 entry, the oldest added/m);
        expect(section(stdout, 'Dead-letter queue')).toMatch(/^retries_exhausted +1$/m);
        const tasks = section(stdout, `Tasks by ledger state (task queue ${taskQueue})`);
        for (const state of LEDGER_STATES)
          expect(tasks).toMatch(new RegExp(`^${state} +${counts[state]}$`, 'm'));
        const ledger = section(stdout, 'Ledger statistics');
        expect(ledger).toMatch(/^critical +2$/m);
        expect(ledger).toMatch(/^scout +4$/m);
        expect(ledger).toContain('retry rate: 33% of 3 closed tasks retried (1 retries)');
        expect(ledger).toMatch(/^RUNNING +3 +\S+ +\S+$/m);
      } finally {
        await Promise.all(
          blockedKeys.map((key) => h.temporal.workflow.getHandle(`bw-task-${key}`).terminate('test over')),
        );
      }
    });
  });

  it('refreshes with --watch at --interval until interrupted, and refuses a bad interval', async () => {
    const h = await createHarness(fakeProvider, 'cli-status-watch');
    const env = cliEnv(h);
    const watching = start(
      'node_modules/.bin/tsx',
      ['src/cli/main.ts', 'status', '--json', '--watch', '--interval', '300ms'],
      env,
    );
    const lines = await eventually(() => {
      const seen = watching
        .output()
        .stdout.split('\n')
        .filter((line) => line !== '');
      return seen.length >= 3 ? seen : undefined;
    }, 20_000);
    watching.child.kill('SIGINT');
    expect((await watching.exited).code).toBe(0);
    for (const line of lines) expect((JSON.parse(line) as StatusSnapshot).errors).toEqual({});

    const bad = await runCli(['status', '--watch', '--interval', '10ms'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^breakwater: --interval: must be at least 100ms\n/);
  });
});
