/**
 * `breakwater dlq …` (src/cli/main.ts) and `scripts/ai-dlq-replay.ts` as child processes against the
 * shared stack, each test on its own task queue and key prefix, with a real worker and the fake
 * provider in the test process producing real dead-letter entries (tasks that end FAILED).
 */
import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BreakerStatus } from '../../src/breaker/types';
import type { TaskFailedError } from '../../src/client/breakwater-client';
import { taskWorkflowId } from '../../src/client/workflow-id';
import type { DlqEntryJson } from '../../src/cli/views/dlq-entry';
import type { DlqEntryDetailJson } from '../../src/cli/views/dlq-entry-detail';
import type { DlqStatsJson } from '../../src/cli/views/dlq-stats';
import { payloadChecksum, type DlqEntry, type ReplayPayload } from '../../src/dlq/dlq-entry';
import { DlqStore } from '../../src/dlq/dlq-store';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { KeySpace } from '../../src/redis/keys';
import type { ReplayResult } from '../../src/dlq/replayer';
import { json, killRunning, run, runCli, TSX, type CliResult } from '../support/cli';
import {
  chat,
  createHarness,
  failureOf,
  startFakeProvider,
  uniqueName,
  type Harness,
} from '../support/harness';

/** util-linux `script`, which gives the CLI a terminal for the confirmation test. */
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

interface ReplayJson {
  results: Array<ReplayResult | { jobId: string; outcome: 'error'; detail: string }>;
  summary: Record<string, number>;
}

/**
 * What the CLI is given: the harness's Redis and, for replays, its Temporal; no provider variable
 * (`LLM_PROVIDERS`, base URLs, keys) nor prices, which the dlq commands do not use.
 */
function cliEnv(h: Harness): Record<string, string> {
  const { config } = h;
  return {
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    DLQ_MAX_REPLAYS: String(config.dlq.maxReplays),
  };
}

/** `tsx src/cli/main.ts <args>` against the harness's stack. */
function breakwater(h: Harness, ...args: string[]): Promise<CliResult> {
  return runCli(args, cliEnv(h));
}

/** `tsx scripts/ai-dlq-replay.ts <args>` against the harness's stack. */
function seedScript(h: Harness, ...args: string[]): Promise<CliResult> {
  return run(TSX, ['scripts/ai-dlq-replay.ts', ...args], cliEnv(h));
}

/** The cells of a table's data rows (columns are separated by two spaces or more), after its header. */
function tableRows(stdout: string, header: string[]): string[][] {
  const lines = stdout.split('\n');
  const rule = lines.findIndex((line) => /^-+( +-+)+$/.test(line));
  expect(rule, stdout).toBeGreaterThan(0);
  expect(lines[rule - 1]!.trim().split(/ {2,}/)).toEqual(header);
  const rows: string[][] = [];
  for (const line of lines.slice(rule + 1)) {
    if (line.trim() === '') break;
    rows.push(line.trim().split(/ {2,}/));
  }
  return rows;
}

const LIST_HEADER = [
  'job',
  'reason',
  'error type',
  'provider',
  'operation',
  'agent',
  'attempts',
  'replays',
  'age',
  'last error',
  'preview',
];
const DEAD_HEADER = [...LIST_HEADER.slice(0, 2), 'dead reason', ...LIST_HEADER.slice(2)];

const ENTRY_FIELDS = [
  'age',
  'ageMs',
  'agent',
  'attempts',
  'enqueuedAt',
  'errorType',
  'firstFailureAt',
  'jobId',
  'lastError',
  'lastFailureAt',
  'operation',
  'preview',
  'provider',
  'reason',
  'replayCount',
  'runId',
  'stream',
  'workflowId',
];

/** The `operator action` lines of a CLI's structured log. */
function operatorActions(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.includes('dlq operator action'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let fakeProvider: FakeProvider;
let redis: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = new Redis(inject('stack').redisUrl, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await fakeProvider?.stop();
  await redis?.quit();
});

afterEach(async () => {
  killRunning();
  for (const prefix of prefixes.splice(0)) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

/** A harness whose tasks make one attempt each, so a 503 fails a task at once. */
async function harness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const h = await createHarness(fakeProvider, label, { RETRY_MAXIMUM_ATTEMPTS: '1', ...env });
  prefixes.push(h.config.redis.keyPrefix);
  return h;
}

function storeOf(h: Harness): DlqStore {
  return new DlqStore(redis, new KeySpace(h.config.redis.keyPrefix), h.config.dlq, h.config.encryption);
}

/** Executes a task that must end FAILED (call inside `h.run`). */
async function failTask(
  h: Harness,
  key: string,
  request: ReturnType<typeof chat> & { max_tokens?: number },
  options: Record<string, unknown> = {},
): Promise<TaskFailedError> {
  return failureOf(h.client.execute(request, { idempotencyKey: key, ...options }));
}

/** A fault for the calls whose last user message holds `marker`. */
function faultFor(h: Harness, marker: string, status: number): void {
  h.fake.inject({ fault: { kind: 'status', status }, contentIncludes: marker });
}

describe('breakwater dlq list, stats and show', () => {
  it('shows the entries as tables and as JSON, oldest first, with filters, and never the payload', async () => {
    const h = await harness('cli-dlq-read');
    const first = `${h.name}-a`;
    const second = `${h.name}-b`;
    const firstRequest = { ...chat('first ticket: summarize it'), max_tokens: 64 };
    faultFor(h, 'ticket', 503);
    await h.run(async () => {
      await failTask(h, first, firstRequest, {
        operation: 'summarize',
        agent: 'support',
        runId: 'agent-run-7',
        fallbacks: [{ provider: 'fake-anthropic', model: 'fake-model-b' }],
      });
      await failTask(h, second, chat('second ticket', 'fake-anthropic'));
    });

    const [table, list, byProvider, limited, statsTable, stats, showTable, shown, missing] =
      await Promise.all([
        breakwater(h, 'dlq', 'list'),
        json<DlqEntryJson[]>(breakwater(h, 'dlq', 'list', '--json')),
        json<DlqEntryJson[]>(breakwater(h, 'dlq', 'list', '--provider', 'fake-anthropic', '--json')),
        json<DlqEntryJson[]>(breakwater(h, 'dlq', 'list', '--limit', '1', '--json')),
        breakwater(h, 'dlq', 'stats'),
        json<DlqStatsJson>(breakwater(h, 'dlq', 'stats', '--json')),
        breakwater(h, 'dlq', 'show', first),
        json<DlqEntryDetailJson>(breakwater(h, 'dlq', 'show', first, '--json')),
        breakwater(h, 'dlq', 'show', `${h.name}-never`),
      ]);

    // list --json: oldest first, the documented fields only.
    expect(list.map((entry) => entry.jobId)).toEqual([first, second]);
    for (const entry of list) expect(Object.keys(entry).sort()).toEqual(ENTRY_FIELDS);
    const stored = (await storeOf(h).get(first))!;
    expect(list[0]).toMatchObject({
      jobId: first,
      stream: 'dlq',
      reason: 'retries_exhausted',
      errorType: 'RetryableExternalError',
      provider: 'fake',
      operation: 'summarize',
      agent: 'support',
      attempts: 1,
      replayCount: 0,
      workflowId: taskWorkflowId(first),
      runId: stored.runId,
      enqueuedAt: new Date(stored.enqueuedAt).toISOString(),
      firstFailureAt: stored.firstFailureAt,
      lastFailureAt: stored.lastFailureAt,
      preview: {
        messages: 1,
        promptChars: firstRequest.messages[0]!.content.length,
        checksum: stored.checksum.slice(0, 12),
      },
    });
    expect(list[0]!.lastError).toContain('503');
    expect(list[0]!.ageMs).toBeGreaterThanOrEqual(0);
    expect(list[1]).toMatchObject({ jobId: second, provider: 'fake-anthropic', operation: 'chat' });
    expect(byProvider.map((entry) => entry.jobId)).toEqual([second]);
    expect(limited.map((entry) => entry.jobId)).toEqual([first]);

    // list: the same as a table.
    expect(table.code, table.stderr).toBe(0);
    const rows = tableRows(table.stdout, LIST_HEADER);
    expect(rows.map((row) => row.slice(0, 8))).toEqual([
      [first, 'retries_exhausted', 'RetryableExternalError', 'fake', 'summarize', 'support', '1', '0'],
      [second, 'retries_exhausted', 'RetryableExternalError', 'fake-anthropic', 'chat', 'default', '1', '0'],
    ]);
    expect(rows[0]![8]).toMatch(/^\d+(ms|s)$/);
    expect(rows[0]![9]).toContain('503');
    expect(rows[0]![10]).toBe(
      `1 message, ${firstRequest.messages[0]!.content.length} chars, sha256 ${stored.checksum.slice(0, 12)}`,
    );

    // stats
    expect(stats).toMatchObject({
      depth: 2,
      deadDepth: 0,
      byReason: { retries_exhausted: 2 },
      byProvider: { fake: 1, 'fake-anthropic': 1 },
      oldestAt: new Date(stored.enqueuedAt).toISOString(),
      counters: {
        enqueued: 2,
        dead: 0,
        replayed: 0,
        poisoned: 0,
        purged: 0,
        trimmed: 0,
        trimmed_dead: 0,
      },
    });
    expect(stats.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(statsTable.code, statsTable.stderr).toBe(0);
    expect(statsTable.stdout).toMatch(/^ai:dlq {3}2 entries, the oldest added \d+(ms|s) ago$/m);
    expect(statsTable.stdout).toMatch(/^ai:dead {2}0 entries$/m);
    expect(tableRows(statsTable.stdout, ['reason', 'entries'])).toEqual([['retries_exhausted', '2']]);
    expect(statsTable.stdout).toMatch(/^enqueued +2$/m);
    expect(statsTable.stdout).toMatch(/^trimmed_dead +0$/m);

    // show
    expect(shown).toMatchObject({
      jobId: first,
      stream: 'dlq',
      idempotencyKey: first,
      checksum: stored.checksum,
      maxReplays: 3,
      priority: 'normal',
      agentRunId: 'agent-run-7',
      turn: null,
      request: {
        provider: 'fake',
        model: 'fake-model',
        messages: 1,
        promptChars: firstRequest.messages[0]!.content.length,
        maxTokens: 64,
        temperature: null,
      },
      policy: { retry: { maximumAttempts: 1 }, callTimeoutMs: 5000 },
      fallbacks: [{ provider: 'fake-anthropic', model: 'fake-model-b' }],
    });
    expect(shown.deadlineMs).toBeGreaterThan(50_000);
    expect(shown.deadlineMs).toBeLessThanOrEqual(60_000);
    expect(showTable.code, showTable.stderr).toBe(0);
    expect(showTable.stdout).toMatch(/^reason +retries_exhausted$/m);
    expect(showTable.stdout).toMatch(/^request +1 message, \d+ chars, maxTokens 64$/m);
    expect(showTable.stdout).toMatch(/^fallbacks +fake-anthropic \(fake-model-b\)$/m);
    expect(showTable.stdout).toMatch(/^retry +1 attempts, 100 ms initial/m);
    expect(showTable.stdout).toMatch(/^deadline +(1m|\d+s) from the start$/m);

    // Never the payload, in any output.
    for (const output of [table.stdout, showTable.stdout, JSON.stringify([list, shown])]) {
      expect(output).not.toContain('summarize it');
      expect(output).not.toContain('second ticket');
      expect(output).not.toMatch(/"(payload|content)"/);
    }

    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^breakwater: dlq show failed: no entry for job '.*-never' in ai:dlq or ai:dead/,
    );
  });
});

describe('breakwater dlq replay', () => {
  it('replays one job, which ends DONE; a second replay is a no-op', async () => {
    const h = await harness('cli-dlq-replay');
    const key = h.name;
    faultFor(h, 'replay me', 503);
    const outcome = await h.run(async () => {
      await failTask(h, key, chat('replay me'));
      h.fake.reset();
      const breakers = await json<BreakerStatus[]>(breakwater(h, 'breaker', 'status', '--json'));
      const replayed = await breakwater(h, 'dlq', 'replay', key);
      const done = await h.client.result(key);
      const again = await breakwater(h, 'dlq', 'replay', key, '--json');
      return { breakers, replayed, done, again };
    });

    // The worker registered its configured providers; the CLI, given no provider variable, lists them.
    expect(outcome.breakers.map((status) => status.provider)).toEqual(['fake', 'fake-anthropic']);

    expect(outcome.replayed.code, outcome.replayed.stderr).toBe(0);
    const [row] = tableRows(outcome.replayed.stdout, ['job', 'outcome', 'detail']);
    expect(row).toEqual([key, 'started', expect.stringMatching(/^started run [\w-]+$/)]);
    expect(outcome.replayed.stdout).toMatch(/^summary: started 1 \(1 job\)$/m);
    expect(operatorActions(outcome.replayed.stderr)).toEqual([
      expect.objectContaining({
        level: 'warn',
        action: 'replay',
        jobId: key,
        outcome: 'started',
        replayCount: 1,
      }),
    ]);
    expect(outcome.done.ledger.state).toBe('DONE');

    const again = JSON.parse(outcome.again.stdout) as ReplayJson;
    expect(outcome.again.code, outcome.again.stderr).toBe(0);
    expect(again.results).toHaveLength(1);
    expect(['already_replayed', 'already_done']).toContain(again.results[0]!.outcome);
    expect(again.summary.started).toBe(0);
    expect(again.summary[again.results[0]!.outcome]).toBe(1);
    expect(await storeOf(h).get(key)).toBeUndefined();
    expect((await storeOf(h).stats()).counters).toMatchObject({ enqueued: 1, replayed: 1 });
  });

  it('replays --all --reason retries_exhausted: the matching entries only', async () => {
    const h = await harness('cli-dlq-replay-all');
    const [down1, down2, misconfigured] = ['down-1', 'down-2', 'misconfigured'].map(
      (id) => `${h.name}-${id}`,
    );
    faultFor(h, 'provider down', 503);
    faultFor(h, 'bad key', 401);
    const outcome = await h.run(async () => {
      const reasons = [
        (await failTask(h, down1!, chat('provider down 1'))).reason,
        (await failTask(h, down2!, chat('provider down 2'))).reason,
        (await failTask(h, misconfigured!, chat('bad key'))).reason,
      ];
      h.fake.reset();
      const none = await breakwater(
        h,
        'dlq',
        'replay',
        '--all',
        '--reason',
        'retries_exhausted',
        '--older-than',
        '1h',
      );
      const all = await breakwater(h, 'dlq', 'replay', '--all', '--reason', 'retries_exhausted', '--json');
      const done = await Promise.all([h.client.result(down1!), h.client.result(down2!)]);
      return { reasons, none, all, done };
    });

    expect(outcome.reasons).toEqual(['retries_exhausted', 'retries_exhausted', 'provider_configuration']);
    expect(outcome.none.code, outcome.none.stderr).toBe(0);
    expect(outcome.none.stdout.trim()).toBe(
      'no entries in ai:dlq (reason retries_exhausted, older than 1h): nothing replayed',
    );
    expect(outcome.all.code, outcome.all.stderr).toBe(0);
    const all = JSON.parse(outcome.all.stdout) as ReplayJson;
    expect(all.results.map((result) => [result.jobId, result.outcome])).toEqual([
      [down1, 'started'],
      [down2, 'started'],
    ]);
    expect(all.summary).toMatchObject({ started: 2, error: 0, not_found: 0 });
    expect(operatorActions(outcome.all.stderr).map((action) => action.jobId)).toEqual(
      expect.arrayContaining([down1, down2]),
    );
    expect(outcome.done.map((result) => result.ledger.state)).toEqual(['DONE', 'DONE']);

    const left = await json<DlqEntryJson[]>(breakwater(h, 'dlq', 'list', '--json'));
    expect(left.map((entry) => [entry.jobId, entry.reason])).toEqual([
      [misconfigured, 'provider_configuration'],
    ]);
  });

  it('exits 1 naming the job whose replay threw, after replaying the others', async () => {
    const h = await harness('cli-dlq-replay-error');
    const good = `${h.name}-good`;
    const broken = `${h.name}-broken`;
    faultFor(h, 'good one', 503);
    const outcome = await h.run(async () => {
      await failTask(h, good, chat('good one'));
      h.fake.reset();
      // An entry whose stored request no longer passes the client's validation (no messages).
      const original = (await storeOf(h).get(good))!.payload!;
      const payload: ReplayPayload = {
        ...original,
        input: {
          ...original.input,
          meta: { ...original.input.meta, idempotencyKey: broken },
          request: { ...original.input.request, messages: [] },
        },
      };
      const entry: DlqEntry = {
        jobId: broken,
        idempotencyKey: broken,
        workflowId: taskWorkflowId(broken),
        runId: 'never-ran',
        taskQueue: h.config.temporal.taskQueue,
        reason: 'retries_exhausted',
        attempts: 1,
        replayCount: 0,
        checksum: payloadChecksum(payload),
        provider: 'fake',
        operation: 'chat',
        agent: 'default',
        firstFailureAt: new Date().toISOString(),
        lastFailureAt: new Date().toISOString(),
        payload,
      };
      await storeOf(h).enqueue(entry, 'dlq');
      const all = await breakwater(h, 'dlq', 'replay', '--all');
      const done = await h.client.result(good);
      return { all, done };
    });

    expect(outcome.all.code, outcome.all.stderr).toBe(1);
    const rows = tableRows(outcome.all.stdout, ['job', 'outcome', 'detail']);
    expect(rows.map((row) => row.slice(0, 2))).toEqual([
      [good, 'started'],
      [broken, 'error'],
    ]);
    expect(rows[1]![2]).toContain('request.messages');
    expect(outcome.all.stdout).toMatch(/^summary: started 1, error 1 \(2 jobs\)$/m);
    expect(outcome.all.stderr).toMatch(
      new RegExp(
        `^breakwater: dlq replay failed: 1 of 2 replays threw: ${broken} \\(request\\.messages`,
        'm',
      ),
    );
    expect(operatorActions(outcome.all.stderr)).toEqual(
      expect.arrayContaining([expect.objectContaining({ level: 'error', jobId: broken, outcome: 'error' })]),
    );
    expect(outcome.done.ledger.state).toBe('DONE');
    expect(await storeOf(h).get(broken)).toMatchObject({ stream: 'dlq' });
  });
});

describe('breakwater dlq dead list', () => {
  it('shows an input error in ai:dead, which a replay cannot fix', async () => {
    const h = await harness('cli-dlq-dead');
    const key = h.name;
    faultFor(h, 'malformed', 422);
    await h.run(() => failTask(h, key, chat('malformed request')));

    const [table, dead, poisoned, list, show, replayed] = await Promise.all([
      breakwater(h, 'dlq', 'dead', 'list'),
      json<DlqEntryJson[]>(breakwater(h, 'dlq', 'dead', 'list', '--json')),
      json<DlqEntryJson[]>(breakwater(h, 'dlq', 'dead', 'list', '--reason', 'poisoned', '--json')),
      json<DlqEntryJson[]>(breakwater(h, 'dlq', 'list', '--json')),
      json<DlqEntryDetailJson>(breakwater(h, 'dlq', 'show', key, '--json')),
      breakwater(h, 'dlq', 'replay', key),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(tableRows(table.stdout, DEAD_HEADER).map((row) => row.slice(0, 5))).toEqual([
      [key, 'invalid_input', 'invalid_input', 'NonRetryableInputError', 'fake'],
    ]);
    expect(dead).toEqual([
      expect.objectContaining({
        jobId: key,
        stream: 'dead',
        reason: 'invalid_input',
        deadReason: 'invalid_input',
      }),
    ]);
    expect(poisoned).toEqual([]);
    expect(list).toEqual([]);
    expect(show).toMatchObject({ jobId: key, stream: 'dead', deadReason: 'invalid_input' });
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(tableRows(replayed.stdout, ['job', 'outcome', 'detail'])).toEqual([
      [key, 'dead', 'in ai:dead (invalid_input): no replay can fix it'],
    ]);
  });
});

describe('breakwater dlq purge', () => {
  it('purges entries older than a duration with --yes, and stats counts them', async () => {
    const h = await harness('cli-dlq-purge');
    faultFor(h, 'down', 503);
    faultFor(h, 'malformed', 422);
    await h.run(async () => {
      await failTask(h, `${h.name}-1`, chat('down 1'));
      await failTask(h, `${h.name}-2`, chat('down 2'));
      await failTask(h, `${h.name}-3`, chat('malformed'));
    });

    const refused = await breakwater(h, 'dlq', 'purge', '--older-than', '0s');
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n')[0]).toBe(
      'breakwater: stdin is not a terminal, so purge cannot ask for confirmation: pass --yes',
    );
    expect((await storeOf(h).stats()).depth).toBe(2);

    const young = await breakwater(h, 'dlq', 'purge', '--older-than', '1h', '--yes');
    expect(young.code, young.stderr).toBe(0);
    expect(young.stdout.trim()).toBe('purged 0 entries older than 1h from ai:dlq');

    const purged = await breakwater(h, 'dlq', 'purge', '--older-than', '0s', '--yes');
    expect(purged.code, purged.stderr).toBe(0);
    expect(purged.stdout.trim()).toBe('purged 2 entries older than 0ms from ai:dlq');
    expect(operatorActions(purged.stderr)).toEqual([
      expect.objectContaining({ action: 'purge', stream: 'dlq', olderThanMs: 0, purged: 2 }),
    ]);

    const dead = await json<{ stream: string; purged: number }>(
      breakwater(h, 'dlq', 'purge', '--older-than', '0s', '--dead', '--yes', '--json'),
    );
    expect(dead).toEqual({ stream: 'dead', olderThanMs: 0, purged: 1 });

    const stats = await json<DlqStatsJson>(breakwater(h, 'dlq', 'stats', '--json'));
    expect(stats).toMatchObject({
      depth: 0,
      deadDepth: 0,
      oldestAt: null,
      counters: { enqueued: 2, dead: 1, purged: 3 },
    });
    expect(await json<DlqEntryJson[]>(breakwater(h, 'dlq', 'list', '--json'))).toEqual([]);
  });

  it.skipIf(!HAS_SCRIPT)('asks for confirmation on a terminal: n keeps the entries, y purges', async () => {
    const h = await harness('cli-dlq-purge-tty');
    faultFor(h, 'down', 503);
    await h.run(() => failTask(h, h.name, chat('down')));
    const command = `'${TSX}' src/cli/main.ts dlq purge --older-than 0s`;
    const declined = await run('script', ['-qec', command, '/dev/null'], cliEnv(h), { input: 'n\n' });
    expect(declined.code, declined.stdout).toBe(0);
    expect(declined.stdout).toContain('Purge 1 entry older than 0ms from ai:dlq? [y/N]');
    expect(declined.stdout).toContain('not confirmed: nothing purged');
    expect((await storeOf(h).stats()).depth).toBe(1);

    const confirmed = await run('script', ['-qec', command, '/dev/null'], cliEnv(h), { input: 'y\n' });
    expect(confirmed.code, confirmed.stdout).toBe(0);
    expect(confirmed.stdout).toContain('purged 1 entry older than 0ms from ai:dlq');
    expect((await storeOf(h).stats()).counters).toMatchObject({ purged: 1 });
  });
});

describe('scripts/ai-dlq-replay.ts', () => {
  it('runs dlq list (--list), dlq stats (--stats) and dlq replay (<jobId>)', async () => {
    const h = await harness('cli-dlq-seed-script');
    const key = h.name;
    faultFor(h, 'seed', 503);
    const outcome = await h.run(async () => {
      await failTask(h, key, chat('seed task'));
      const [list, listJson, stats, usage] = await Promise.all([
        seedScript(h, '--list'),
        json<DlqEntryJson[]>(seedScript(h, '--list', '--json')),
        json<DlqStatsJson>(seedScript(h, '--stats', '--json')),
        seedScript(h),
      ]);
      h.fake.reset();
      const replayed = await seedScript(h, key);
      const done = await h.client.result(key);
      return { list, listJson, stats, usage, replayed, done };
    });
    expect(outcome.list.code, outcome.list.stderr).toBe(0);
    expect(tableRows(outcome.list.stdout, LIST_HEADER).map((row) => row[0])).toEqual([key]);
    expect(outcome.listJson.map((entry) => entry.jobId)).toEqual([key]);
    expect(outcome.stats).toMatchObject({ depth: 1, counters: { enqueued: 1 } });
    expect(outcome.usage.code).toBe(2);
    expect(outcome.usage.stderr).toContain('Usage: tsx scripts/ai-dlq-replay.ts --list');
    expect(outcome.replayed.code, outcome.replayed.stderr).toBe(0);
    expect(tableRows(outcome.replayed.stdout, ['job', 'outcome', 'detail'])[0]?.slice(0, 2)).toEqual([
      key,
      'started',
    ]);
    expect(outcome.done.ledger.state).toBe('DONE');
  });
});

describe('redaction', () => {
  it('never shows a prompt, its email address or its API key, in any output', async () => {
    const h = await harness('cli-dlq-redaction');
    const email = 'jane.doe@example.com';
    const apiKey = `sk-test-${'a1B2c3D4e5F6'.repeat(2)}`;
    const marker = `secret-marker-${h.name}`;
    const prompt = `Write to ${email} with key ${apiKey} about ${marker}`;
    h.fake.inject({ fault: { kind: 'status', status: 503 }, contentIncludes: 'retry' });
    h.fake.inject({ fault: { kind: 'status', status: 422 }, contentIncludes: 'reject' });
    const [retried, rejected] = [`${h.name}-retry`, `${h.name}-reject`];
    await h.run(async () => {
      await failTask(h, retried, chat(`${prompt} (retry)`));
      await failTask(h, rejected, chat(`${prompt} (reject)`));
    });
    const entry = (await storeOf(h).get(retried))!;
    expect(entry.payload!.input.request.messages[0]!.content).toContain(apiKey);

    const results = await Promise.all(
      [
        ['list'],
        ['list', '--json'],
        ['show', retried],
        ['show', retried, '--json'],
        ['show', rejected],
        ['show', rejected, '--json'],
        ['stats'],
        ['stats', '--json'],
        ['dead', 'list'],
        ['dead', 'list', '--json'],
      ].map(async (args) => ({ args, result: await breakwater(h, 'dlq', ...args) })),
    );
    for (const { args, result } of results) {
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      const output = `${result.stdout}\n${result.stderr}`;
      for (const secret of [email, apiKey, 'sk-test-', marker, 'Write to']) {
        expect(output, `dlq ${args.join(' ')}`).not.toContain(secret);
      }
    }
    const shown = results.find(({ args }) => args.join(' ') === `show ${retried} --json`)!;
    expect(JSON.parse(shown.result.stdout)).toMatchObject({
      request: { messages: 1, promptChars: `${prompt} (retry)`.length },
    });
  });
});

describe('breakwater dlq: usage errors', () => {
  const env = () => {
    const prefix = `t:${uniqueName('cli-dlq-usage')}`;
    prefixes.push(prefix);
    return {
      REDIS_URL: inject('stack').redisUrl,
      REDIS_KEY_PREFIX: prefix,
    };
  };

  it.each([
    [['replay'], /^breakwater: missing <jobId> \(or --all\)$/, 'dlq replay'],
    [['replay', 'job-1', '--all'], /^breakwater: give either <jobId> or --all, not both$/, 'dlq replay'],
    [
      ['replay', 'job-1', '--reason', 'retries_exhausted'],
      /^breakwater: --reason: only with --all/,
      'dlq replay',
    ],
    [['replay', 'bad id!'], /^breakwater: <jobId>: 'bad id!' must be letters, digits/, 'dlq replay'],
    [['show', 'a|b'], /^breakwater: <jobId>: 'a\|b' must be letters, digits/, 'dlq show'],
    [['show'], /^breakwater: missing <jobId> for 'dlq show'$/, 'dlq show'],
    [['list', '--reason', 'flaky'], /^breakwater: --reason: 'flaky' is not a failure reason/, 'dlq list'],
    [['list', '--limit', '0'], /^breakwater: --limit: '0' is not a whole number >= 1$/, 'dlq list'],
    [
      ['replay', '--all', '--provider', 'Bad!'],
      /^breakwater: --provider: 'Bad!' is not a provider name/,
      'dlq replay',
    ],
    [['purge'], /^breakwater: missing --older-than <duration> for 'dlq purge'$/, 'dlq purge'],
    [['dead'], /^breakwater: missing dlq dead command \(expected: list\)$/, 'dlq <command>'],
    [['dead', 'lsit'], /^breakwater: unknown dlq command 'dead lsit'/, 'dlq <command>'],
  ])('dlq %j exits 2 naming what is wrong, with usage on stderr', async (args, message, usage) => {
    const e = env();
    const result = await runCli(['dlq', ...args], e);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toMatch(message);
    expect(rest.join('\n')).toContain(`Usage: breakwater ${usage}`);
    expect(await redis.keys(`${e.REDIS_KEY_PREFIX}:*`)).toEqual([]);
  });

  it('lists the dlq group and its commands in the usage', async () => {
    const [main, group] = await Promise.all([runCli(['--help'], env()), runCli(['dlq', '--help'], env())]);
    expect(main.stdout).toMatch(/^ {2}dlq +list, count, replay and purge the dead-letter queue/m);
    for (const command of ['list', 'stats', 'show <jobId>', 'replay <jobId> [--all]', 'dead list', 'purge']) {
      expect(group.stdout).toMatch(new RegExp(`^ {2}${command.replace(/[[\]]/g, '\\$&')}`, 'm'));
    }
  });
});
