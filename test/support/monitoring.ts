/** The shipped monitoring files (deploy/, docker-compose.yml), read for the tests that check them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/testing/toolchain';

export const PROMETHEUS_CONFIG_PATH = join(PROJECT_ROOT, 'deploy', 'prometheus', 'prometheus.yml');
export const ALERT_RULES_PATH = join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yml');
export const ALERT_RULES_TEST_PATH = join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.test.yml');
export const COMPOSE_PATH = join(PROJECT_ROOT, 'docker-compose.yml');

/**
 * The Temporal server's series that the dashboards and rules query (selectors with `job="temporal"`).
 * The monitoring integration test finds each of them in a live scrape of the dev server.
 */
export const TEMPORAL_SERVER_SERIES: readonly string[] = ['pending_polls'];

/**
 * The Temporal SDK's worker series, served on each worker's own `/metrics` (its Runtime's
 * Prometheus exporter): polls, schedule-to-start, slots and the sticky cache. The dashboard may query
 * them on the worker's target; the temporal-metrics integration test finds each in a live scrape.
 */
export const TEMPORAL_SDK_SERIES: readonly string[] = [
  'temporal_num_pollers',
  'temporal_workflow_task_schedule_to_start_latency_bucket',
  'temporal_activity_schedule_to_start_latency_bucket',
  'temporal_worker_task_slots_used',
  'temporal_worker_task_slots_available',
  'temporal_sticky_cache_size',
];

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: Array<{ name: string; rules: AlertRule[] }>;
}

export function readYaml<T>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

export function alertRules(): AlertRule[] {
  return readYaml<RuleFile>(ALERT_RULES_PATH).groups.flatMap((group) => group.rules);
}
