/**
 * The filters of `dlq list`, `dlq dead list` and `dlq replay --all` (`--reason`, `--provider`,
 * `--older-than`, `--limit`): their options and the checks of their values.
 */
import { Option } from 'commander';
import type { DlqFilter } from '../../dlq/dlq-store';
import type { FailureReason } from '../../task';
import { parseDuration, parseProviderName, parseWholeNumber } from '../arguments';

/** Every reason a task may end FAILED with (the compiler keeps this in step with `FailureReason`). */
const FAILURE_REASONS: Record<FailureReason, true> = {
  retries_exhausted: true,
  deadline_exceeded: true,
  invalid_input: true,
  provider_configuration: true,
  undecryptable_payload: true,
  content_policy: true,
  budget_exceeded: true,
  circuit_open_timeout: true,
  guard_unavailable_timeout: true,
  degraded_timeout: true,
  budget_busy_timeout: true,
  rate_limited: true,
  rate_limit_timeout: true,
  tool_call_cap: true,
  cancelled: true,
};

/** Why an entry is in `ai:dead` besides its failure reason: too many replays. */
const POISONED = 'poisoned';

/** The filter options as commander parses them (values unchecked). */
export interface FilterOptions {
  reason?: string;
  provider?: string;
  olderThan?: string;
  limit?: string;
}

/** `--reason`: a failure reason; for ai:dead (`dead`), also `poisoned`. */
export function reasonOption(dead: boolean): Option {
  return new Option(
    '--reason <reason>',
    dead
      ? `only entries with this failure or dead reason (e.g. invalid_input, ${POISONED})`
      : 'only entries that failed for this reason (e.g. retries_exhausted)',
  );
}

export function providerOption(): Option {
  return new Option('--provider <provider>', "only entries of this provider (the request's provider)");
}

export function limitOption(): Option {
  return new Option('--limit <n>', 'show at most this many entries (the oldest; default: all)');
}

/** `--older-than`: optional and a filter, unless a command says otherwise (`purge`). */
export function olderThanOption(
  description = 'only entries added to the queue at least this long ago (e.g. 30m, 2h)',
): Option {
  return new Option('--older-than <duration>', description);
}

function parseReason(value: string, dead: boolean): string {
  const known = [...(dead ? [POISONED] : []), ...Object.keys(FAILURE_REASONS)];
  if (!known.includes(value)) {
    throw new RangeError(`--reason: '${value}' is not a failure reason (expected: ${known.join(', ')})`);
  }
  return value;
}

function parseLimit(value: string): number {
  const limit = parseWholeNumber(value);
  if (limit === undefined || limit < 1)
    throw new RangeError(`--limit: '${value}' is not a whole number >= 1`);
  return limit;
}

/** The filter the options given select, checked; `dead` (ai:dead) also takes the reason `poisoned`. */
export function parseFilter(options: FilterOptions, dead: boolean): DlqFilter {
  const filter: DlqFilter = {};
  if (options.reason !== undefined) filter.reason = parseReason(options.reason, dead);
  if (options.provider !== undefined) filter.provider = parseProviderName(options.provider, '--provider');
  if (options.olderThan !== undefined) filter.olderThanMs = parseDuration(options.olderThan, '--older-than');
  if (options.limit !== undefined) filter.limit = parseLimit(options.limit);
  return filter;
}
