/**
 * `breakwater budget …` (src/cli/main.ts) as a child process against the shared stack's Redis, each
 * test under its own key prefix, with a `TokenManager` in the test on the same prefix charging usage
 * as application code would.
 */
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import type { BudgetShowJson } from '../../src/cli/views/budget';
import { loadConfig } from '../../src/config';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import { json, killRunning, runCli, type CliResult } from '../support/cli';
import { uniqueName } from '../support/harness';

const MODEL_PRICES = '{"fake/*":{"input":1,"output":2}}';
const SECRET = 'sk-budget-cli-test-secret-0123456789';

/** The scope table's data rows by scope name (columns are separated by two spaces or more). */
function scopeRows(stdout: string): Record<string, string[]> {
  const lines = stdout.split('\n');
  const rule = lines.findIndex((line) => /^-+( +-+)+$/.test(line));
  expect(rule, stdout).toBeGreaterThan(0);
  expect(lines[rule - 1]!.split(/ {2,}/)).toEqual([
    'scope',
    'unit',
    'limit',
    'spent',
    'reserved',
    'remaining',
  ]);
  const rows: Record<string, string[]> = {};
  for (const line of lines.slice(rule + 1)) {
    if (line.trim() === '') break;
    const cells = line.trim().split(/ {2,}/);
    rows[cells[0]!] = cells.slice(1);
  }
  return rows;
}

/** The line that lists the ceiling overrides. */
function overridesLine(stdout: string): string | undefined {
  return stdout.split('\n').find((line) => line.startsWith('ceiling overrides: '));
}

let redis: Redis;
let prefix: string;
let env: Record<string, string>;
let manager: TokenManager;

function breakwater(...args: string[]): Promise<CliResult> {
  return runCli(args, env);
}

/** `budget show <args> --json`, which must succeed. */
function showJson(...args: string[]): Promise<BudgetShowJson> {
  return json<BudgetShowJson>(breakwater('budget', 'show', ...args, '--json'));
}

/** The scope named `scope` of a `--json` answer. */
function scopeOf(shown: BudgetShowJson, scope: string) {
  const found = shown.scopes.find((candidate) => candidate.scope === scope);
  expect(found, JSON.stringify(shown)).toBeDefined();
  return found!;
}

/** `budget set <args>`, which must succeed; returns its stdout. */
async function set(...args: string[]): Promise<CliResult> {
  const result = await breakwater('budget', 'set', ...args);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

async function prefixKeys(): Promise<string[]> {
  return redis.keys(`${prefix}:*`);
}

beforeAll(() => {
  redis = new Redis(inject('stack').redisUrl, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await redis?.quit();
});

beforeEach((context) => {
  prefix = `t:${uniqueName(`cli-budget-${context.task.name}`)}`;
  env = {
    REDIS_URL: inject('stack').redisUrl,
    REDIS_KEY_PREFIX: prefix,
    LLM_PROVIDERS: 'fake',
    LLM_FAKE_BASE_URL: 'http://127.0.0.1:1/v1',
    LLM_FAKE_API_KEY: SECRET,
    MODEL_PRICES,
  };
  const config = loadConfig(env);
  manager = new TokenManager({
    scripts: new GuardScripts(redis, new KeySpace(prefix)),
    budget: config.budget,
    prices: PriceBook.fromConfig(config.budget.modelPrices, config.providers),
  });
});

afterEach(async () => {
  killRunning();
  const keys = await prefixKeys();
  if (keys.length > 0) await redis.del(...keys);
});

describe('breakwater budget show', () => {
  it('shows a fresh run with the default ceilings, as a table and as JSON, writing nothing', async () => {
    const table = await breakwater('budget', 'show', '--run', 'r1');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toBe('');
    expect(table.stdout.split('\n')[0]).toBe("run r1; operation: the operations' default ceiling");
    expect(scopeRows(table.stdout)).toEqual({
      operation: ['usd', '1', '-', '-', '1'],
      run: ['usd', '5', '0', '0', '5'],
      daily: ['usd', 'unlimited', '0', '0', 'unlimited'],
    });
    expect(overridesLine(table.stdout)).toBe('ceiling overrides: none (configured defaults)');

    expect(await showJson('--run', 'r1')).toEqual({
      runId: 'r1',
      scopes: [
        { scope: 'operation', unit: 'usd', limit: 1, spent: 0, reserved: 0, remaining: 1 },
        { scope: 'run', unit: 'usd', limit: 5, spent: 0, reserved: 0, remaining: 5 },
        { scope: 'daily', unit: 'usd', limit: 0, spent: 0, reserved: 0, remaining: null },
      ],
      overrides: {},
    });

    const global = await showJson();
    expect(global.runId).toBeNull();
    expect(global.scopes.map((scope) => scope.scope)).toEqual(['operation', 'daily']);
    expect(await prefixKeys()).toEqual([]);
  });

  it('shows usage charged through TokenManager.recordUsage exactly, per run, turn and day', async () => {
    const usage = { promptTokens: 1234, completionTokens: 567, totalTokens: 1801 };
    // 1234 tokens at 1 USD and 567 at 2 USD per million: 2,368 micro-dollars.
    const charged = await manager.recordUsage({
      runId: 'r1',
      turn: 't1',
      provider: 'fake',
      model: 'any-model',
      usage,
      usageId: 'usage-1',
    });
    expect(charged).toEqual({ charged: true, micros: 2368 });
    const again = await manager.recordUsage({
      runId: 'r1',
      turn: 't1',
      provider: 'fake',
      model: 'any-model',
      usage,
      usageId: 'usage-1',
    });
    expect(again.charged).toBe(false);

    const table = await breakwater('budget', 'show', '--run', 'r1', '--turn', 't1');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe("run r1, turn t1; operation: the operations' default ceiling");
    expect(scopeRows(table.stdout)).toEqual({
      operation: ['usd', '1', '-', '-', '1'],
      run: ['usd', '5', '0.002368', '0', '4.997632'],
      daily: ['usd', 'unlimited', '0.002368', '0', 'unlimited'],
      turn_tokens: ['tokens', '4000', '1801', '0', '2199'],
      turn_tool_calls: ['calls', '6', '0', '0', '6'],
    });

    const shown = await showJson('--run', 'r1', '--turn', 't1');
    expect(shown).toMatchObject({ runId: 'r1', turn: 't1', overrides: {} });
    expect(scopeOf(shown, 'run')).toEqual({
      scope: 'run',
      unit: 'usd',
      limit: 5,
      spent: 0.002368,
      reserved: 0,
      remaining: 4.997632,
    });
    expect(scopeOf(shown, 'daily')).toMatchObject({ spent: 0.002368, remaining: null });
    expect(scopeOf(shown, 'turn_tokens')).toEqual({
      scope: 'turn_tokens',
      unit: 'tokens',
      limit: 4000,
      spent: 1801,
      reserved: 0,
      remaining: 2199,
    });

    expect(scopeOf(await showJson('--run', 'r2'), 'run')).toMatchObject({ spent: 0, remaining: 5 });
  });
});

describe('breakwater budget: what it reads', () => {
  it('shows and sets with only REDIS_URL and REDIS_KEY_PREFIX: no provider variable', async () => {
    const usage = { promptTokens: 1000, completionTokens: 500, totalTokens: 1500 };
    await manager.recordUsage({ runId: 'r1', provider: 'fake', model: 'any-model', usage, usageId: 'u1' });
    env = { REDIS_URL: env.REDIS_URL!, REDIS_KEY_PREFIX: prefix };

    const shown = await showJson('--run', 'r1');
    expect(scopeOf(shown, 'run')).toMatchObject({ spent: 0.002, remaining: 4.998 });
    await set('run-usd', '0.5', '--run', 'r1');
    expect(scopeOf(await showJson('--run', 'r1'), 'run')).toMatchObject({ limit: 0.5, remaining: 0.498 });
  });
});

describe('breakwater budget set', () => {
  it("sets one run's own ceiling, logs the action without secrets, and goes back to the default", async () => {
    const result = await set('run-usd', '0.5', '--run', 'r1');
    expect(result.stdout.split('\n')[0]).toBe('run-usd for run r1: 5 USD -> 0.5 USD');
    expect(scopeRows(result.stdout).run).toEqual(['usd', '0.5', '0', '0', '0.5']);
    const logLine = result.stderr.split('\n').find((line) => line.includes('budget operator action'));
    expect(logLine, result.stderr).toBeDefined();
    expect(JSON.parse(logLine!)).toMatchObject({
      level: 'warn',
      action: 'set',
      field: 'run-usd',
      runId: 'r1',
      value: 0.5,
      unit: 'usd',
      from: 5,
      to: 0.5,
    });
    expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);

    const [r1, r2] = await Promise.all([showJson('--run', 'r1'), showJson('--run', 'r2')]);
    expect(scopeOf(r1, 'run')).toMatchObject({ limit: 0.5, remaining: 0.5 });
    expect(scopeOf(r2, 'run')).toMatchObject({ limit: 5, remaining: 5 });
    expect(r1.overrides).toEqual({});

    const reverted = await set('run-usd', 'default', '--run', 'r1', '--json');
    expect(scopeOf(JSON.parse(reverted.stdout) as BudgetShowJson, 'run')).toMatchObject({ limit: 5 });
  });

  it("sets an operation's own ceiling, shown by show --operation", async () => {
    const result = await set('operation-usd:summarize', '0.01');
    expect(result.stdout.split('\n')[0]).toBe('operation-usd:summarize: 1 USD -> 0.01 USD');
    expect(overridesLine(result.stdout)).toBe('ceiling overrides: operation-usd:summarize 0.01');

    const table = await breakwater('budget', 'show', '--operation', 'summarize');
    expect(table.code, table.stderr).toBe(0);
    expect(scopeRows(table.stdout).operation).toEqual(['usd', '0.01', '-', '-', '0.01']);

    const [summarize, other] = await Promise.all([
      showJson('--operation', 'summarize'),
      showJson('--operation', 'translate'),
    ]);
    expect(summarize).toMatchObject({
      operation: 'summarize',
      overrides: { 'operation-usd:summarize': 0.01 },
    });
    expect(scopeOf(summarize, 'operation')).toMatchObject({ limit: 0.01 });
    expect(scopeOf(other, 'operation')).toMatchObject({ limit: 1 });
  });

  it("sets the daily cap, and 'default' removes the override", async () => {
    const capped = await set('daily-usd', '10');
    expect(capped.stdout.split('\n')[0]).toBe('daily-usd: unlimited -> 10 USD');
    expect(scopeRows(capped.stdout).daily).toEqual(['usd', '10', '0', '0', '10']);
    expect(overridesLine(capped.stdout)).toBe('ceiling overrides: daily-usd 10');
    expect((await showJson()).overrides).toEqual({ 'daily-usd': 10 });

    const removed = await set('daily-usd', 'default');
    expect(removed.stdout.split('\n')[0]).toBe('daily-usd: 10 USD -> unlimited');
    expect(scopeRows(removed.stdout).daily).toEqual(['usd', 'unlimited', '0', '0', 'unlimited']);
    expect(overridesLine(removed.stdout)).toBe('ceiling overrides: none (configured defaults)');
    const shown = await showJson();
    expect(shown.overrides).toEqual({});
    expect(scopeOf(shown, 'daily')).toMatchObject({ limit: 0, remaining: null });
  });

  it('sets the per-turn ceilings, in tokens and calls', async () => {
    await set('turn-tokens', '8000');
    const calls = await set('turn-tool-calls', '3');
    expect(calls.stdout.split('\n')[0]).toBe('turn-tool-calls: 6 -> 3');
    expect(overridesLine(calls.stdout)).toBe('ceiling overrides: turn-tokens 8000, turn-tool-calls 3');

    const shown = await showJson('--run', 'r1', '--turn', 't1');
    expect(shown.overrides).toEqual({ 'turn-tokens': 8000, 'turn-tool-calls': 3 });
    expect(scopeOf(shown, 'turn_tokens')).toMatchObject({ unit: 'tokens', limit: 8000 });
    expect(scopeOf(shown, 'turn_tool_calls')).toMatchObject({ unit: 'calls', limit: 3 });
  });
});

describe('breakwater budget: errors', () => {
  it.each([
    [['set', 'hourly-usd', '1'], /^breakwater: <field>: unknown field 'hourly-usd' \(expected: run-usd, /],
    [['set', 'operation-usd:bad name', '1'], /^breakwater: <field>: 'bad name' must be letters/],
    [['set', 'run-usd', '--', '-1'], /^breakwater: <value>: '-1' is not an amount of USD >= 0/],
    // A negative number is a value, not a flag: refused as an amount, with or without `--`.
    [['set', 'run-usd', '-0.5'], /'-0\.5'/],
    [['set', 'run-usd', '-5'], /^breakwater: <value>: '-5' is not an amount of USD >= 0/],
    [['set', 'turn-tokens', '1.5'], /^breakwater: <value>: '1\.5' is not a whole number >= 0/],
    [['set', 'daily-usd', '0.0000001'], /^breakwater: <value>: '0\.0000001' is not an amount of USD/],
    [
      ['set', 'daily-usd', '1', '--run', 'r1'],
      /^breakwater: --run: only with field run-usd \(got 'daily-usd'\)$/,
    ],
    [['set', 'daily-usd'], /^breakwater: missing <value> for 'budget set'$/],
    [['show', '--turn', 't1'], /^breakwater: --turn: needs --run <id>/],
    [['show', '--run', 'a|b'], /^breakwater: --run: 'a\|b' must be letters/],
  ])(
    'budget %j exits 2 naming the argument, with usage on stderr, and changes nothing',
    async (args, message) => {
      const result = await breakwater('budget', ...args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      const [first, ...rest] = result.stderr.split('\n');
      expect(first).toMatch(message);
      expect(rest.join('\n')).toContain(`Usage: breakwater budget ${args[0]}`);
      expect(await prefixKeys()).toEqual([]);
    },
  );

  it('lists the budget group in the main usage', async () => {
    const result = await breakwater('--help');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}budget +read and change the shared budgets/m);
  });
});
