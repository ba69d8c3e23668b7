/** How `breakwater breaker …` shows breakers: the status table, the result of an action, and JSON. */
import type { BreakerStatus, BreakerTransition } from '../../breaker/types';
import { formatTable } from '../../format-table';
import { formatShare } from '../../format-units';
import { rateLimitFill } from '../../ratelimit/rate-fill';
import { formatDuration, toJson } from './format';

const STATUS_HEADER = [
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
];

/** Sum of the `rejected_*` counters (OPEN, HALF_OPEN and the gate while failures accrue). */
function rejections(stats: Record<string, number>): number {
  return Object.entries(stats)
    .filter(([name]) => name.startsWith('rejected_'))
    .reduce((sum, [, value]) => sum + value, 0);
}

function statusRow(status: BreakerStatus): Array<string | number> {
  return [
    status.provider,
    status.state,
    status.state === 'OPEN' ? formatDuration(status.retryAfterMs) : '-',
    status.counts.consecutiveFailures,
    status.probesInFlight,
    status.inFlight,
    status.stats.admitted ?? 0,
    status.stats.failure ?? 0,
    rejections(status.stats),
    status.stats.transitions ?? 0,
    status.rateLimit ? formatShare(rateLimitFill(status.rateLimit)) : '-',
  ];
}

/** The human-readable status table of `statuses`. */
export function formatStatusTable(statuses: readonly BreakerStatus[]): string {
  return formatTable([STATUS_HEADER, ...statuses.map(statusRow)]);
}

/** A status as JSON, with its provider and state first for people who read it. */
function statusJson({ provider, state, ...rest }: BreakerStatus): BreakerStatus {
  return { provider, state, ...rest };
}

/** What `--json` prints for one breaker. */
export function formatStatusJson(status: BreakerStatus): string {
  return toJson(statusJson(status));
}

/** What `status --json` prints. */
export function formatStatusesJson(statuses: readonly BreakerStatus[]): string {
  return toJson(statuses.map(statusJson));
}

function describeTransition(transition: BreakerTransition): string {
  return `transition: ${transition.from} -> ${transition.to} (${transition.reason})`;
}

/** What `reset` prints: the breaker's status and the transition it made, if any. */
export function formatReset(result: BreakerStatus): string {
  return [
    formatStatusTable([result]),
    '',
    result.transition
      ? describeTransition(result.transition)
      : `no transition: ${result.provider} was already CLOSED (counters cleared)`,
  ].join('\n');
}

/** What `open` prints: the breaker's status, when it may half-open, and the transition it made, if any. */
export function formatOpen(result: BreakerStatus): string {
  const { provider } = result;
  const until = result.openUntil === undefined ? '' : ` until ${new Date(result.openUntil).toISOString()}`;
  return [
    formatStatusTable([result]),
    '',
    `${provider} is OPEN${until}; it may half-open in ${formatDuration(result.retryAfterMs)}.`,
    result.transition
      ? describeTransition(result.transition)
      : `no transition: ${provider} was already OPEN (its window now ends as above)`,
  ].join('\n');
}
