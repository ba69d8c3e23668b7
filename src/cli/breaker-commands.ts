/**
 * `breakwater breaker …`: read and operate the shared circuit breakers (one per provider, in Redis).
 *
 * - `status [--json]`: every configured provider plus every provider in the breaker registry.
 * - `reset <provider> [--json]`: closes the breaker and clears its counters.
 * - `open <provider> --for <duration> [--json]`: a maintenance window; it may half-open after it.
 */
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { BreakwaterConfig } from '../config';
import type { Logger } from '../observability/logger';
import { RedisBreaker } from '../breaker/redis-breaker';
import type { BreakerStatus, BreakerTransition } from '../breaker/types';
import { GuardScripts } from '../redis/guard-scripts';
import { formatTable } from '../format-table';
import type { KeySpace } from '../redis/keys';
import {
  formatDuration,
  JSON_FLAG,
  parseProviderName,
  UsageError,
  type Command,
  type CommandGroup,
  type ParsedArgs,
} from './args';

/** What the breaker commands need from the entry point. */
export interface BreakerCommandContext {
  config: BreakwaterConfig;
  keys: KeySpace;
  /** The Redis connection, opened on first use. */
  redis(): Promise<Redis>;
  /** Writes one block of text (a newline is added) to stdout. */
  print(text: string): void;
  /** Structured log (stderr): operator actions are recorded there. */
  logger: Logger;
}

/** Records who changed which breaker, and how, in the structured log. */
function logAction(context: BreakerCommandContext, action: string, result: BreakerStatus): void {
  context.logger.warn(
    {
      operator: process.env.USER ?? 'unknown',
      action,
      provider: result.provider,
      state: result.state,
      from: result.transition?.from,
      to: result.transition?.to,
    },
    'breaker operator action',
  );
}

const PROVIDER = { name: 'provider', description: 'a provider name, as in LLM_PROVIDERS' };

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
];

/** The breaker's identity in Redis when the CLI acts on it (never counted as a failing worker). */
function cliWorkerId(): string {
  return `cli/${hostname()}/${process.pid}`;
}

async function breakerOf(context: BreakerCommandContext): Promise<RedisBreaker> {
  return new RedisBreaker({
    scripts: new GuardScripts(await context.redis(), context.keys),
    settings: context.config.breaker,
    workerId: cliWorkerId(),
  });
}

/** Configured providers first (in LLM_PROVIDERS order), then the others the registry knows. */
async function allProviders(context: BreakerCommandContext, breaker: RedisBreaker): Promise<string[]> {
  const configured = context.config.providers.map((provider) => provider.name);
  const known = await breaker.knownProviders();
  return [...configured, ...known.filter((name) => !configured.includes(name))];
}

/** The provider argument: a valid name that is configured or has a breaker already (typos would create one). */
async function providerArgument(
  context: BreakerCommandContext,
  breaker: RedisBreaker,
  args: ParsedArgs,
): Promise<string> {
  const provider = args.positional(PROVIDER.name);
  const providers = await allProviders(context, breaker);
  if (!providers.includes(provider)) {
    throw new UsageError(
      `unknown provider '${provider}' (expected: ${providers.join(', ')}; ` +
        'set LLM_PROVIDERS to act on a provider that has no breaker yet)',
    );
  }
  return provider;
}

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
  ];
}

/** The human-readable status table of `statuses`. */
export function formatStatusTable(statuses: readonly BreakerStatus[]): string {
  return formatTable([STATUS_HEADER, ...statuses.map(statusRow)]);
}

function describeTransition(transition: BreakerTransition): string {
  return `transition: ${transition.from} -> ${transition.to} (${transition.reason})`;
}

/** A status as JSON, with its provider and state first for people who read it. */
function statusJson({ provider, state, ...rest }: BreakerStatus): BreakerStatus {
  return { provider, state, ...rest };
}

function printJson(context: BreakerCommandContext, value: BreakerStatus | BreakerStatus[]): void {
  context.print(JSON.stringify(Array.isArray(value) ? value.map(statusJson) : statusJson(value), null, 2));
}

const status: Command<BreakerCommandContext> = {
  name: 'status',
  summary: 'state, counts and cluster-wide stats of every breaker',
  positionals: [],
  flags: [JSON_FLAG],
  async run(context, args) {
    const breaker = await breakerOf(context);
    const providers = await allProviders(context, breaker);
    const statuses = await Promise.all(providers.map((provider) => breaker.status(provider)));
    if (args.boolean(JSON_FLAG.name)) return printJson(context, statuses);
    context.print(formatStatusTable(statuses));
  },
};

const reset: Command<BreakerCommandContext> = {
  name: 'reset',
  summary: 'close a breaker and clear its counters (stats are kept)',
  positionals: [PROVIDER],
  flags: [JSON_FLAG],
  async run(context, args) {
    parseProviderName(args.positional(PROVIDER.name), `<${PROVIDER.name}>`);
    const breaker = await breakerOf(context);
    const provider = await providerArgument(context, breaker, args);
    const result = await breaker.reset(provider);
    logAction(context, 'reset', result);
    if (args.boolean(JSON_FLAG.name)) return printJson(context, result);
    context.print(
      [
        formatStatusTable([result]),
        '',
        result.transition
          ? describeTransition(result.transition)
          : `no transition: ${provider} was already CLOSED (counters cleared)`,
      ].join('\n'),
    );
  },
};

const open: Command<BreakerCommandContext> = {
  name: 'open',
  summary: 'force a breaker OPEN for a maintenance window; it may half-open after it',
  positionals: [PROVIDER],
  flags: [
    {
      name: 'for',
      kind: 'duration',
      valueName: 'duration',
      required: true,
      description: 'how long it stays OPEN: 500ms, 90s, 10m, 2h or milliseconds',
    },
    JSON_FLAG,
  ],
  async run(context, args) {
    parseProviderName(args.positional(PROVIDER.name), `<${PROVIDER.name}>`);
    const durationMs = args.duration('for') ?? 0;
    if (durationMs <= 0) throw new RangeError(`--for: must be longer than 0 ms`);
    const breaker = await breakerOf(context);
    const provider = await providerArgument(context, breaker, args);
    const result = await breaker.forceOpen(provider, durationMs);
    logAction(context, 'open', result);
    if (args.boolean(JSON_FLAG.name)) return printJson(context, result);
    const until = result.openUntil === undefined ? '' : ` until ${new Date(result.openUntil).toISOString()}`;
    context.print(
      [
        formatStatusTable([result]),
        '',
        `${provider} is OPEN${until}; it may half-open in ${formatDuration(result.retryAfterMs)}.`,
        result.transition
          ? describeTransition(result.transition)
          : `no transition: ${provider} was already OPEN (its window now ends as above)`,
      ].join('\n'),
    );
  },
};

/** The `breaker` command group. */
export const breakerCommands: CommandGroup<BreakerCommandContext> = {
  name: 'breaker',
  summary: 'read and operate the shared circuit breakers (one per provider)',
  commands: [status, reset, open],
};
