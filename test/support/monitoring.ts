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
