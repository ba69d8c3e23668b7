/**
 * The shipped monitoring files against real components: promtool validates them, and a real
 * Prometheus scrapes a live worker (Breakwater's and the Temporal SDK's series, one target) and the
 * suite's Temporal dev server, with the shipped alert rules.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RedisConnection } from '../../src/redis/connection';
import { PriceBook } from '../../src/budget/pricing';
import { TokenManager } from '../../src/budget/token-manager';
import type { BreakwaterConfig } from '../../src/config';
import { GuardScripts } from '../../src/redis/guard-scripts';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, connectStackRedis, createHarness, eventually, startFakeProvider } from '../support/harness';
import {
  ALERT_RULES_PATH,
  ALERT_RULES_TEST_PATH,
  PROMETHEUS_CONFIG_PATH,
  readYaml,
  TEMPORAL_SERVER_SERIES,
  type RuleFile,
} from '../support/monitoring';
import { PrometheusServer, type ActiveAlert } from '../support/prometheus';

const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('promtool', args);
  return `${stdout}${stderr}`;
}

/** host:port of a URL, as a scrape target. */
function target(url: string): { target: string; path: string } {
  const parsed = new URL(url);
  return { target: parsed.host, path: parsed.pathname === '/' ? '/metrics' : parsed.pathname };
}

/** The `taskqueue` label of a queue in the Temporal server's metrics, which writes `-` as `_`. */
function temporalQueueLabel(taskQueue: string): string {
  return taskQueue.replace(/-/g, '_');
}

/**
 * The shipped rules for a live run of seconds: every `for:` shortened to 1 s, and the task queue
 * label of the no-poller alert set to the test's own queue.
 */
function liveRules(taskQueue: string): RuleFile {
  const rules = readYaml<RuleFile>(ALERT_RULES_PATH);
  for (const rule of rules.groups.flatMap((group) => group.rules)) {
    if (rule.for) rule.for = '1s';
    rule.expr = rule.expr.replace('taskqueue="breakwater"', `taskqueue="${temporalQueueLabel(taskQueue)}"`);
  }
  return rules;
}

function alert(alerts: ActiveAlert[], name: string, labels: Record<string, string> = {}) {
  return alerts.find(
    (each) =>
      each.labels.alertname === name &&
      Object.entries(labels).every(([label, value]) => each.labels[label] === value),
  );
}

function budgetOf(config: BreakwaterConfig, redis: RedisConnection): TokenManager {
  return new TokenManager({
    scripts: new GuardScripts(redis, new KeySpace(config.redis.keyPrefix)),
    budget: config.budget,
    prices: PriceBook.fromConfig(config.budget.modelPrices, config.providers),
  });
}

let fakeProvider: FakeProvider;
let dir: string;

beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  dir = mkdtempSync(join(tmpdir(), 'breakwater-monitoring-'));
});

afterAll(async () => {
  await fakeProvider?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('promtool', () => {
  it('validates the shipped Prometheus config and alert rules, and passes the rules’ unit tests', async () => {
    expect(await promtool('check', 'config', PROMETHEUS_CONFIG_PATH)).toMatch(
      /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/,
    );
    expect(await promtool('check', 'rules', ALERT_RULES_PATH)).toMatch(/SUCCESS: 5 rules found/);
    expect(await promtool('test', 'rules', ALERT_RULES_TEST_PATH)).toMatch(/SUCCESS/);
  });
});

describe('Prometheus against a live worker', () => {
  it('scrapes the worker and Temporal, and fires the breaker, budget and no-poller alerts', async () => {
    const stack = inject('stack');
    expect(stack.temporalMetricsUrl, 'the suite’s dev server serves metrics').toBeDefined();
    const harness = await createHarness(
      fakeProvider,
      'monitoring',
      // Today's spend is counted while a daily ceiling is set.
      { HTTP_PORT: '0', BUDGET_DAILY_USD: '100' },
      { workerOptions: () => ({ registry: new Registry() }) },
    );
    const worker = target(`${harness.worker.httpUrl!}/metrics`);
    const temporal = target(stack.temporalMetricsUrl!);
    const prometheus = await PrometheusServer.start(
      dir,
      {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [
          {
            job_name: 'breakwater',
            metrics_path: worker.path,
            static_configs: [{ targets: [worker.target] }],
          },
          {
            job_name: 'temporal',
            scrape_interval: '2s',
            metrics_path: temporal.path,
            static_configs: [{ targets: [temporal.target] }],
          },
        ],
      },
      liveRules(harness.name),
    );
    const redis = await connectStackRedis();
    const value = async (query: string) => (await prometheus.query(query))[0]?.value;
    const firing = (name: string, labels?: Record<string, string>) =>
      eventually(async () => {
        const found = alert(await prometheus.alerts(), name, labels);
        return found?.state === 'firing' ? found : undefined;
      }, 30_000);

    try {
      await harness.run(async () => {
        expect(await eventually(() => value('up{job="breakwater"} == 1'), 30_000)).toBe(1);
        expect(await eventually(() => value('up{job="temporal"} == 1'), 30_000)).toBe(1);
        for (const series of TEMPORAL_SERVER_SERIES) {
          expect(await eventually(() => value(`count(${series}{job="temporal"})`), 30_000)).toBeGreaterThan(
            0,
          );
        }

        const result = await harness.client.execute(chat('monitor me'), { idempotencyKey: harness.name });
        expect(result.ledger.state).toBe('DONE');
        expect(
          await eventually(
            () => value('ai_llm_calls_total{provider="fake", outcome="success"} == 1'),
            30_000,
          ),
        ).toBe(1);
        expect(await eventually(() => value('ai_tasks{state="DONE"} == 1'), 30_000)).toBe(1);
        // The Temporal SDK's worker series come through the same target.
        const sdkPollers = `count(temporal_num_pollers{job="breakwater", task_queue="${harness.name}"}) > 0`;
        expect(await eventually(() => value(sdkPollers), 30_000)).toBeGreaterThan(0);
        expect(
          await eventually(() => value('sum(ai_token_cost_usd_total{job="breakwater"}) > 0'), 30_000),
        ).toBeGreaterThan(0);
        expect(await value('ai_tasks{state="RUNNING"}')).toBe(0);
        const spentUsd = await eventually(() => value('ai_budget_spent_usd{scope="daily"} > 0'), 30_000);
        expect(await value('ai_budget_limit_usd{scope="daily"}')).toBe(100);

        // The worker polls: Temporal counts its pollers, and the no-poller alert does not fire.
        const polls = `sum(pending_polls{job="temporal", taskqueue="${temporalQueueLabel(harness.name)}"}) > 0`;
        expect(await eventually(() => value(polls), 30_000)).toBeGreaterThan(0);
        await eventually(
          async () => (alert(await prometheus.alerts(), 'BreakwaterNoWorkerPolling') ? undefined : true),
          30_000,
        );
        expect(alert(await prometheus.alerts(), 'BreakwaterCircuitBreakerOpen')).toBeUndefined();

        await harness.worker.breaker.forceOpen('fake', 10 * 60_000);
        const breakerOpen = await firing('BreakwaterCircuitBreakerOpen', { provider: 'fake' });
        expect(breakerOpen.labels).toMatchObject({ severity: 'warning', provider: 'fake' });
        expect(await value('ai_circuit_breaker_state{provider="fake"}')).toBe(1);

        // An operator lowers today's ceiling to what was spent: 100 % of it is spent.
        expect(alert(await prometheus.alerts(), 'BreakwaterBudgetAbove90Percent')).toBeUndefined();
        await budgetOf(harness.config, redis).setCeiling('daily', spentUsd);
        const budget = await firing('BreakwaterBudgetAbove90Percent', { scope: 'daily' });
        expect(budget.labels).toMatchObject({ severity: 'warning' });
      });

      // The worker has shut down: nothing polls its task queue any more.
      const noPoller = await firing('BreakwaterNoWorkerPolling');
      expect(noPoller.labels).toMatchObject({ severity: 'critical' });
    } finally {
      await prometheus.stop();
      await redis.quit();
    }
  });
});
