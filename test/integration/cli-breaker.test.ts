/**
 * `breakwater breaker …` (src/cli/main.ts) as a child process against the shared stack's Redis,
 * each test under its own key prefix, with a `RedisBreaker` in the test on the same prefix playing
 * the workers' part. The CLI is given only REDIS_URL and REDIS_KEY_PREFIX: no provider variable.
 */
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { RedisBreaker } from '../../src/breaker/redis-breaker';
import type { BreakerStatus } from '../../src/breaker/types';
import { loadConfig } from '../../src/config';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace, toolBreakerName } from '../../src/redis/keys';
import { ToolScripts } from '../../src/redis/tool-scripts';
import { json, killRunning, runCli, type CliResult } from '../support/cli';
import { eventually, uniqueName } from '../support/harness';

/** The cells of the table's data rows (columns are separated by two spaces or more). */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const rule = lines.findIndex((line) => /^-+( +-+)+$/.test(line));
  expect(rule, stdout).toBe(1);
  expect(lines[0]!.split(/ {2,}/)).toEqual([
    'provider',
    'state',
    'half-open in',
    'consecutive failures',
    'probes in flight',
    'in flight',
    'admitted',
    'failures',
    'rejections',
    'transitions',
    'rate fill',
  ]);
  const rows: string[][] = [];
  for (const line of lines.slice(2)) {
    if (line.trim() === '') break;
    rows.push(line.trim().split(/ {2,}/));
  }
  return rows;
}

let redis: Redis;
let prefix: string;
let env: Record<string, string>;
let breaker: RedisBreaker;

/** `tsx src/cli/main.ts <args>` with this test's environment. */
function breakwater(...args: string[]): Promise<CliResult> {
  return runCli(args, env);
}

function statusJson(): Promise<BreakerStatus[]> {
  return json<BreakerStatus[]>(breakwater('breaker', 'status', '--json'));
}

/** Registers `provider`'s breaker as a worker does, and waits until Redis has it. */
async function registered(provider: string): Promise<void> {
  breaker.register(provider);
  await eventually(async () => ((await breaker.knownProviders()).includes(provider) ? true : undefined));
}

/** Admits one call on the test's breaker and settles it as `outcome`. */
async function call(attemptId: string, outcome: 'success' | 'failure'): Promise<void> {
  const decision = await breaker.admit('fake', attemptId, 30_000);
  expect(decision.admitted, attemptId).toBe(true);
  await breaker.settle('fake', attemptId, outcome);
}

beforeAll(() => {
  redis = new Redis(inject('stack').redisUrl, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await redis?.quit();
});

beforeEach((context) => {
  prefix = `t:${uniqueName(`cli-${context.task.name}`)}`;
  env = {
    REDIS_URL: inject('stack').redisUrl,
    REDIS_KEY_PREFIX: prefix,
  };
  breaker = new RedisBreaker({
    scripts: new GuardScripts(redis, new KeySpace(prefix)),
    settings: loadConfig(env).breaker,
    workerId: 'test-worker',
  });
});

afterEach(async () => {
  killRunning();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

describe('breakwater breaker status', () => {
  it('lists no provider before a worker registered one, and registers none itself', async () => {
    const empty = await breakwater('breaker', 'status');
    expect(empty.code, empty.stderr).toBe(0);
    expect(tableRows(empty.stdout)).toEqual([]);
    expect(await statusJson()).toEqual([]);
    expect(await breaker.knownProviders()).toEqual([]);
  });

  it("shows a registered provider's fresh breaker CLOSED, as a table and as JSON", async () => {
    await registered('fake');
    const table = await breakwater('breaker', 'status');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toBe('');
    expect(tableRows(table.stdout)).toEqual([
      ['fake', 'CLOSED', '-', '0', '0', '0', '0', '0', '0', '0', '-'],
    ]);

    const statuses = await statusJson();
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({
      provider: 'fake',
      state: 'CLOSED',
      retryAfterMs: 0,
      inFlight: 0,
      probesInFlight: 0,
      counts: { consecutiveFailures: 0, halfOpenSuccesses: 0 },
      stats: {},
    });
    expect(statuses[0]!.openUntil).toBeUndefined();
    expect(await breaker.knownProviders()).toEqual(['fake']);
  });

  it('counts a breaker driven open by failures, and lists providers from the registry', async () => {
    for (const id of ['f1', 'f2', 'f3']) await call(id, 'failure');
    const held = await breaker.admit('fake', 'held', 30_000);
    expect(held.admitted).toBe(true);
    await breaker.admit('other', 'elsewhere', 30_000);
    await eventually(async () => ((await breaker.knownProviders()).includes('other') ? true : undefined));

    const accruing = await breakwater('breaker', 'status');
    expect(accruing.code, accruing.stderr).toBe(0);
    expect(tableRows(accruing.stdout)).toEqual([
      ['fake', 'CLOSED', '-', '3', '0', '1', '4', '3', '0', '0', '-'],
      ['other', 'CLOSED', '-', '0', '0', '1', '1', '0', '0', '0', '-'],
    ]);

    await breaker.settle('fake', 'held', 'failure');
    const opened = await breaker.admit('fake', 'f5', 30_000);
    expect(opened.admitted).toBe(true);
    const settled = await breaker.settle('fake', 'f5', 'failure');
    expect(settled.transition).toMatchObject({ from: 'CLOSED', to: 'OPEN', reason: 'failure_threshold' });
    expect(await breaker.admit('fake', 'refused', 30_000)).toMatchObject({ admitted: false, state: 'OPEN' });

    const open = await breakwater('breaker', 'status');
    expect(open.code, open.stderr).toBe(0);
    const [fake] = tableRows(open.stdout);
    expect(fake).toEqual([
      'fake',
      'OPEN',
      expect.stringMatching(/^(1m|\d+s)$/),
      '5',
      '0',
      '0',
      '5',
      '5',
      '1',
      '1',
      '-',
    ]);

    const [status] = await statusJson();
    expect(status).toMatchObject({
      provider: 'fake',
      state: 'OPEN',
      counts: { consecutiveFailures: 5, distinctFailingWorkers: 1 },
      stats: { admitted: 5, failure: 5, rejected_open: 1, transitions: 1 },
    });
  });
});

describe('breakwater breaker open and reset', () => {
  it('opens a breaker for a maintenance window that workers honour', async () => {
    await registered('fake');
    const result = await breakwater('breaker', 'open', 'fake', '--for', '30s');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('transition: CLOSED -> OPEN (forced_open)');
    expect(result.stdout).toMatch(/fake is OPEN until \d{4}-\d\d-\d\dT[\d:.]+Z; it may half-open in \d+s\./);

    const status = await breakwater('breaker', 'status');
    expect(status.code, status.stderr).toBe(0);
    const [row] = tableRows(status.stdout);
    expect(row?.slice(0, 2)).toEqual(['fake', 'OPEN']);
    const seconds = Number(/^(\d+)s$/.exec(row?.[2] ?? '')?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(30);

    const [json] = await statusJson();
    expect(json!.state).toBe('OPEN');
    expect(json!.retryAfterMs).toBeGreaterThan(1000);
    expect(json!.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(json!.openUntil).toBeGreaterThan(Date.now() - 60_000);

    const decision = await breaker.admit('fake', 'during-maintenance', 30_000);
    expect(decision).toMatchObject({ admitted: false, state: 'OPEN' });
    expect(decision.admitted === false && decision.retryAfterMs).toBeGreaterThan(1000);
  });

  it('resets an open breaker to CLOSED, after which workers are admitted again', async () => {
    await breaker.forceOpen('fake', 60_000);
    expect(await breaker.admit('fake', 'before-reset', 30_000)).toMatchObject({ admitted: false });

    const result = await breakwater('breaker', 'reset', 'fake');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('transition: OPEN -> CLOSED (manual_reset)');
    expect(tableRows(result.stdout)[0]?.slice(0, 3)).toEqual(['fake', 'CLOSED', '-']);

    expect(await breaker.admit('fake', 'after-reset', 30_000)).toMatchObject({ admitted: true });

    const again = await breakwater('breaker', 'reset', 'fake', '--json');
    expect(again.code, again.stderr).toBe(0);
    const status = JSON.parse(again.stdout) as BreakerStatus;
    expect(status).toMatchObject({ provider: 'fake', state: 'CLOSED', inFlight: 1 });
    expect(status.transition).toBeUndefined();
  });
});

describe('breakwater: errors', () => {
  it.each([
    [
      ['brekaer'],
      /^breakwater: unknown command 'brekaer' \(expected: breaker, budget, dlq, status, degraded, codec-server\)$/,
    ],
    [
      ['breaker', 'stauts'],
      /^breakwater: unknown breaker command 'stauts' \(expected: status, reset, open\)$/,
    ],
    [['breaker', 'status', '--jsn'], /^breakwater: unknown flag '--jsn' for 'breaker status'/],
    [['breaker', 'open', 'fake'], /^breakwater: missing --for <duration> for 'breaker open'$/],
    [['breaker', 'open', 'fake', '--for', 'soon'], /^breakwater: --for: 'soon' is not a duration/],
    [['breaker', 'reset', 'Bad!'], /^breakwater: <breaker>: 'Bad!' is not a provider name/],
    [
      ['breaker', 'open', 'opneai', '--for', '1m'],
      /^breakwater: unknown provider 'opneai': it has no breaker in Redis \(no provider has one yet; /,
    ],
    [['breaker', 'reset', 'fake'], /^breakwater: unknown provider 'fake': it has no breaker in Redis/],
  ])('%j exits 2 naming what is wrong, with usage on stderr', async (args, message) => {
    const result = await breakwater(...args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toMatch(message);
    expect(rest.join('\n')).toContain('Usage: breakwater');
    expect(await breaker.knownProviders()).toEqual([]);
  });

  it('refuses a provider Redis does not know, naming the ones it knows, and creates no breaker', async () => {
    await registered('fake');
    await registered('other');
    const result = await breakwater('breaker', 'reset', 'opneai');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      "breakwater: unknown provider 'opneai': it has no breaker in Redis (expected: fake, other; " +
        "a worker registers its providers' breakers when it starts and on their first call)",
    );
    expect(await breaker.knownProviders()).toEqual(['fake', 'other']);
    expect(await redis.keys(`${prefix}:*opneai*`)).toEqual([]);
  });

  it('reads no provider variable: a provider setting that is wrong or missing does not stop it', async () => {
    await registered('fake');
    Object.assign(env, { LLM_PROVIDERS: 'Bad Name,local', LLM_FAKE_BASE_URL: 'not a url' });
    const [status] = await statusJson();
    expect(status).toMatchObject({ provider: 'fake', state: 'CLOSED' });
  });

  it('exits 2 naming the variable on a bad configuration', async () => {
    env.BREAKER_FAILS = 'many';
    const result = await breakwater('breaker', 'status');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^breakwater: invalid configuration: BREAKER_FAILS: /);
  });

  it('exits 1 naming REDIS_URL, without its credentials, when Redis is unreachable', async () => {
    env.REDIS_URL = 'redis://127.0.0.1:1';
    const plain = await breakwater('breaker', 'status');
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/^breakwater: cannot reach Redis at REDIS_URL=redis:\/\/127\.0\.0\.1:1 /);

    env.REDIS_URL = 'redis://operator:hunter2-secret@127.0.0.1:1/0';
    const withCredentials = await breakwater('breaker', 'reset', 'fake');
    expect(withCredentials.code, withCredentials.stderr).toBe(1);
    expect(withCredentials.stderr).toContain('REDIS_URL=redis://***@127.0.0.1:1/0');
    expect(withCredentials.stderr).not.toContain('hunter2');
    expect(withCredentials.stderr).not.toContain('operator');
  });
});

describe('breakwater breaker on a guarded tool', () => {
  /** Registers tool `search` as a worker with TOOL_GUARDS does, and fails it `failures` times. */
  async function failingTool(failures: number): Promise<void> {
    await redis.sadd(new KeySpace(prefix).key('toolRegistry'), 'search');
    const tools = new ToolScripts(redis, new KeySpace(prefix));
    const settings = { breaker: loadConfig({ TOOL_GUARDS: '{"search":{}}' }).toolGuards.search!.breaker };
    for (let i = 0; i < failures; i++) {
      const call = { tool: 'search', attemptId: `t${i}`, settings };
      const admitted = await tools.admit({
        ...call,
        leaseMs: 30_000,
        workflowId: '',
        maxCallsPerTask: 0,
        random: 0,
      });
      expect(admitted.code).toBe('admitted');
      await tools.settle({ ...call, outcome: 'failure', workerId: 'test-worker' });
    }
  }

  it('lists the tool beside the providers, as tool:<name>', async () => {
    await registered('fake');
    await failingTool(2);
    const table = await breakwater('breaker', 'status');
    expect(table.code, table.stderr).toBe(0);
    expect(tableRows(table.stdout)).toEqual([
      ['fake', 'CLOSED', '-', '0', '0', '0', '0', '0', '0', '0', '-'],
      ['tool:search', 'CLOSED', '-', '2', '0', '0', '2', '2', '0', '0', '-'],
    ]);
    const status = await breakwater('status', '--json');
    expect(status.code, status.stderr).toBe(0);
    const { breakers } = JSON.parse(status.stdout) as { breakers: BreakerStatus[] };
    expect(breakers.map(({ provider, state }) => [provider, state])).toEqual([
      ['fake', 'CLOSED'],
      ['tool:search', 'CLOSED'],
    ]);
  });

  it('opens and resets the tool by its breaker name, and refuses a tool it does not know', async () => {
    await failingTool(0);
    const opened = await breakwater('breaker', 'open', 'tool:search', '--for', '30s');
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toContain('transition: CLOSED -> OPEN (forced_open)');
    expect(await breaker.admit(toolBreakerName('search'), 'refused', 30_000)).toMatchObject({
      admitted: false,
      state: 'OPEN',
    });

    const reset = await breakwater('breaker', 'reset', 'tool:search');
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('transition: OPEN -> CLOSED (manual_reset)');

    const unknown = await breakwater('breaker', 'reset', 'tool:serach');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown tool 'serach'");
    expect(unknown.stderr).toContain('expected: tool:search');
  });
});
