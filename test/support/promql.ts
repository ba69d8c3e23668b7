/**
 * The series a PromQL expression selects, for the checks that dashboards and alert rules query only
 * series that exist. Enough of PromQL for our files: selectors, functions, aggregations with
 * `by`/`without`, vector matching, durations and `offset`; `{__name__=...}` selectors are refused.
 */

/** Where a series comes from: a selector with the matcher `job="temporal"` is the Temporal server's. */
export type SeriesSource = 'worker' | 'temporal' | 'prometheus';

export interface SelectedSeries {
  name: string;
  source: SeriesSource;
}

/** Series that Prometheus makes itself for every target. */
const PROMETHEUS_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

const AGGREGATIONS = [
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
];
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set([...AGGREGATIONS, ...GROUPING, 'and', 'or', 'unless', 'bool', 'offset', 'atan2']);

const TOKEN =
  /\s+|"(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\]|\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])*|[A-Za-z_:][\w:]*|./gy;
const MATCHER = /([A-Za-z_]\w*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"/g;

function tokens(expression: string): string[] {
  return [...expression.matchAll(TOKEN)].map(([token]) => token).filter((token) => token.trim() !== '');
}

function sourceOf(name: string, matchers: string): SeriesSource {
  if (PROMETHEUS_SERIES.has(name)) return 'prometheus';
  const isTemporal = [...matchers.matchAll(MATCHER)].some(
    ([, label, op, value]) => label === 'job' && op === '=' && value === 'temporal',
  );
  return isTemporal ? 'temporal' : 'worker';
}

/** Every series `expression` selects, in order, with where it comes from. */
export function selectedSeries(expression: string): SelectedSeries[] {
  const list = tokens(expression);
  const selected: SelectedSeries[] = [];
  for (let index = 0; index < list.length; index += 1) {
    const token = list[index]!;
    const next = list[index + 1];
    if (token.startsWith('{')) throw new Error(`a selector without a metric name: ${token} in ${expression}`);
    if (!/^[A-Za-z_:]/.test(token)) continue;
    if (GROUPING.has(token)) {
      // Skip the label list.
      if (next === '(') index = list.indexOf(')', index);
      continue;
    }
    if (KEYWORDS.has(token) || next === '(') continue;
    const matchers = next?.startsWith('{') ? next : '';
    if (matchers) index += 1;
    selected.push({ name: token, source: sourceOf(token, matchers) });
  }
  return selected;
}
