/**
 * The container, the compose file and the monitoring files, checked for structure: what they refer
 * to exists, every service checks its health, and every series a dashboard panel or an alert rule
 * queries is one that exists. A series is the Temporal server's when its selector has the matcher
 * `job="temporal"` (then it must be in TEMPORAL_SERVER_SERIES, which the monitoring integration test
 * finds in a live scrape); `up` and `ALERTS` are Prometheus's own; every other series must be
 * registered by `getMetrics` on a fresh registry, or be one of the Temporal SDK's worker series in
 * TEMPORAL_SDK_SERIES (which the temporal-metrics integration test finds on a live worker).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { getMetrics } from '../../src/observability/metrics';
import { PROJECT_ROOT } from '../../src/testing/toolchain';
import {
  alertRules,
  COMPOSE_PATH,
  PROMETHEUS_CONFIG_PATH,
  readYaml,
  TEMPORAL_SDK_SERIES,
  TEMPORAL_SERVER_SERIES,
} from '../support/monitoring';
import { selectedSeries, type SelectedSeries } from '../support/promql';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  restart?: string;
}

interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

interface Dashboard {
  uid: string;
  panels: Array<{
    title: string;
    type: string;
    datasource?: { uid: string };
    targets?: Array<{ expr: string }>;
  }>;
}

const compose = readYaml<Compose>(COMPOSE_PATH);
const services = Object.entries(compose.services);
const composeDir = dirname(COMPOSE_PATH);

/** The bind mounts of `service`: host path (resolved) → path in the container. */
function bindMounts(service: ComposeService): Array<{ host: string; container: string }> {
  return (service.volumes ?? [])
    .map((volume) => volume.split(':'))
    .filter(([source]) => source!.startsWith('.') || isAbsolute(source!))
    .map(([source, container]) => ({ host: join(composeDir, source!), container: container! }));
}

/** The host file or directory mounted at `containerPath` in `service` (through a mounted parent too). */
function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const { host, container } of bindMounts(service)) {
    if (containerPath === container) return host;
    if (containerPath.startsWith(`${container}/`))
      return join(host, posix.relative(container, containerPath));
  }
  return undefined;
}

function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
  const grafana = compose.services.grafana!;
  const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>(
    hostPathOf(grafana, '/etc/grafana/provisioning/dashboards/breakwater.yml')!,
  );
  const dir = hostPathOf(grafana, provider.providers[0]!.options.path)!;
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));
}

async function workerSeries(): Promise<Set<string>> {
  const registry = new Registry();
  getMetrics(registry);
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    const suffixes = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] }[
      String(metric.type)
    ];
    for (const suffix of suffixes ?? []) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

function unknownSeries(selected: SelectedSeries[], worker: Set<string>): SelectedSeries[] {
  return selected.filter(({ name, source }) => {
    if (source === 'prometheus') return false;
    if (source === 'temporal') return !TEMPORAL_SERVER_SERIES.includes(name);
    return !worker.has(name) && !TEMPORAL_SDK_SERIES.includes(name);
  });
}

describe('the compose file', () => {
  it('builds the worker from the Dockerfile', () => {
    const { build } = compose.services.worker!;
    expect(build).toBeDefined();
    const context = join(composeDir, build!.context);
    expect(statSync(context).isDirectory()).toBe(true);
    expect(existsSync(join(context, build!.dockerfile ?? 'Dockerfile'))).toBe(true);
  });

  it.each(services)('%s has a healthcheck and a restart policy', (_name, service) => {
    expect(service.healthcheck?.test).toBeDefined();
    expect(service.healthcheck!.test.length).toBeGreaterThan(0);
    expect(service.restart).toMatch(/^(always|unless-stopped|on-failure(:\d+)?)$/);
  });

  it.each(services)('%s waits for its dependencies to be healthy', (_name, service) => {
    const dependsOn = service.depends_on ?? {};
    expect(Array.isArray(dependsOn), 'depends_on must name a condition').toBe(false);
    for (const [dependency, { condition }] of Object.entries(dependsOn)) {
      expect(compose.services[dependency], dependency).toBeDefined();
      expect(condition, dependency).toBe('service_healthy');
    }
  });

  it.each(services)('every file %s mounts exists, and every named volume is declared', (_name, service) => {
    for (const { host } of bindMounts(service)) expect(existsSync(host), host).toBe(true);
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':');
      if (!source!.startsWith('.') && !isAbsolute(source!)) expect(compose.volumes).toHaveProperty(source!);
    }
  });

  it('gives Prometheus its config with the rule files beside it, and targets that are the services', () => {
    const prometheus = compose.services.prometheus!;
    const configInContainer = '/etc/prometheus/prometheus.yml';
    expect(prometheus.command).toContain(`--config.file=${configInContainer}`);
    expect(hostPathOf(prometheus, configInContainer)).toBe(PROMETHEUS_CONFIG_PATH);
    const config = readYaml<{
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    }>(PROMETHEUS_CONFIG_PATH);
    for (const ruleFile of config.rule_files) {
      const host = hostPathOf(prometheus, posix.join(posix.dirname(configInContainer), ruleFile));
      expect(host, ruleFile).toBe(join(dirname(PROMETHEUS_CONFIG_PATH), ruleFile));
      expect(existsSync(host!), ruleFile).toBe(true);
    }
    const targets = Object.fromEntries(
      config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((s) => s.targets)]),
    );
    expect(targets).toEqual({ breakwater: ['worker:9464'], temporal: ['temporal:8000'] });
    expect(compose.services.worker!.environment?.HTTP_PORT).toBe('9464');
    expect(compose.services.temporal!.command).toContain('--metrics-port=8000');
  });

  it("provisions Grafana's datasource and dashboards from files that exist", () => {
    const grafana = compose.services.grafana!;
    const datasources = readYaml<{ datasources: Array<{ uid: string; url: string }> }>(
      hostPathOf(grafana, '/etc/grafana/provisioning/datasources/prometheus.yml')!,
    );
    expect(datasources.datasources.map((source) => source.url)).toEqual(['http://prometheus:9090']);
    const found = dashboards();
    expect(found.map(({ file }) => file)).toContain('breakwater.json');
    const uid = datasources.datasources[0]!.uid;
    for (const { dashboard } of found) {
      for (const panel of dashboard.panels.filter((each) => each.type !== 'row')) {
        expect(panel.datasource?.uid, panel.title).toBe(uid);
      }
    }
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in one stage and runs the compiled worker as a non-root user in a slim Node 22 one', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/npm run build/);
    expect(stages[0]).toMatch(/npm prune --omit=dev/);
    const runtime = stages[1]!;
    expect(runtime).toMatch(/^node:22[\w.-]*-slim\b/);
    expect(runtime).toMatch(/^USER (?!root\b)\S+/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/worker\/main\.js"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*CMD \["node", "-e", ".*\/health/m);
  });

  it('is given a build context without local installs or state', () => {
    const ignored = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'dist', '.tools']));
  });
});

describe('series queried by dashboards and alert rules', () => {
  it('finds the series of a PromQL expression and where they come from', () => {
    expect(
      selectedSeries(
        'histogram_quantile(0.95, sum by (provider, le) (rate(ai_llm_call_duration_seconds_bucket[5m])))',
      ),
    ).toEqual([{ name: 'ai_llm_call_duration_seconds_bucket', source: 'worker' }]);
    expect(
      selectedSeries(
        '(sum by (taskqueue) (pending_polls{job="temporal", taskqueue="q"}) or on () vector(0)) < 1 and up',
      ),
    ).toEqual([
      { name: 'pending_polls', source: 'temporal' },
      { name: 'up', source: 'prometheus' },
    ]);
    expect(
      selectedSeries('max by (s) (delta(ai_dlq_depth{stream="dlq"}[15m] offset 15m)) > 0.9 * max(x_total)'),
    ).toEqual([
      { name: 'ai_dlq_depth', source: 'worker' },
      { name: 'x_total', source: 'worker' },
    ]);
    expect(() => selectedSeries('{__name__="ai_tasks"}')).toThrow(/without a metric name/);
  });

  it('every dashboard panel queries series that exist', async () => {
    const worker = await workerSeries();
    const queried = dashboards().flatMap(({ file, dashboard }) =>
      dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ where: `${file}: ${panel.title}`, expr: target.expr })),
      ),
    );
    expect(queried.length).toBeGreaterThan(10);
    for (const { where, expr } of queried) {
      const selected = selectedSeries(expr);
      expect(selected.length, `${where}: ${expr}`).toBeGreaterThan(0);
      expect(unknownSeries(selected, worker), `${where}: ${expr}`).toEqual([]);
    }
  });

  it('every alert rule queries series that exist', async () => {
    const worker = await workerSeries();
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual([
      'BreakwaterCircuitBreakerOpen',
      'BreakwaterBudgetAbove90Percent',
      'BreakwaterDlqGrowing',
      'BreakwaterGuardUnavailable',
      'BreakwaterNoWorkerPolling',
    ]);
    for (const rule of rules) {
      const selected = selectedSeries(rule.expr);
      expect(selected.length, rule.alert).toBeGreaterThan(0);
      expect(unknownSeries(selected, worker), rule.alert).toEqual([]);
    }
  });

  it('the panels cover what an operator watches', () => {
    const queried = dashboards()
      .flatMap(({ dashboard }) => dashboard.panels.flatMap((panel) => panel.targets ?? []))
      .flatMap((target) => selectedSeries(target.expr).map((series) => series.name));
    expect(queried).toEqual(
      expect.arrayContaining([
        'ai_circuit_breaker_state',
        'ai_budget_spent_usd',
        'ai_budget_limit_usd',
        'ai_rate_limit_waits_total',
        'ai_dlq_depth',
        'ai_tasks',
        'ai_llm_call_duration_seconds_bucket',
        'ai_llm_calls_total',
        'temporal_activity_schedule_to_start_latency_bucket',
        'temporal_worker_task_slots_used',
      ]),
    );
  });
});
