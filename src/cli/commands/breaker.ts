/**
 * `breakwater breaker …`: read and operate the shared circuit breakers (one per provider, and one per
 * guarded tool, `tool:<activity type>`, in Redis).
 *
 * - `status [--json]`: every provider in the breaker registry (a worker registers its providers when
 *   it starts, and each on its first admission), then every tool in the tool registry (likewise), so
 *   no provider or tool variable is needed.
 * - `reset <breaker> [--json]`: closes the breaker and clears its counters.
 * - `open <breaker> --for <duration> [--json]`: a maintenance window; it may half-open after it.
 */
import { hostname } from 'node:os';
import { Command } from 'commander';
import { RedisBreaker } from '../../breaker/redis-breaker';
import type { BreakerStatus } from '../../breaker/types';
import { parseToolGuards } from '../../config';
import { TOOL_BREAKER_PREFIX, toolBreakerName } from '../../redis/keys';
import { parseDuration, parseProviderName } from '../arguments';
import { logOperatorAction, type CliContext, type OpenContext } from '../context';
import { UsageError } from '../usage-errors';
import {
  formatOpen,
  formatReset,
  formatStatusesJson,
  formatStatusJson,
  formatStatusTable,
} from '../views/breaker';
import { jsonOption, type JsonOptions } from './options';

const BREAKER_DESCRIPTION =
  'a provider the breaker registry in Redis knows, or tool:<activity type> for a guarded tool (see breaker status)';

const TOOL_NAME = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,99}$/;

/** The breaker's identity in Redis when the CLI acts on it (never counted as a failing worker). */
function cliWorkerId(): string {
  return `cli/${hostname()}/${process.pid}`;
}

/** The shared breaker, as the CLI reads and operates it. */
export async function breakerOf(context: CliContext): Promise<RedisBreaker> {
  return new RedisBreaker({
    scripts: await context.scripts(),
    settings: context.config.breaker,
    workerId: cliWorkerId(),
  });
}

/**
 * The breaker of tool `tool` as the CLI reads and operates it: with the tool's settings from
 * `TOOL_GUARDS` when the CLI has them, else the defaults (its window and mode, for the status).
 */
async function toolBreakerOf(context: CliContext, tool: string): Promise<RedisBreaker> {
  const guard = context.config.toolGuards[tool] ?? parseToolGuards({ [tool]: {} })[tool]!;
  return new RedisBreaker({
    scripts: await context.scripts(),
    settings: guard.breaker,
    workerId: cliWorkerId(),
  });
}

/** The breaker of every tool in the tool registry, as `toolBreakerOf` reads it. */
export async function toolBreakersOf(
  context: CliContext,
  breaker: RedisBreaker,
): Promise<Array<{ tool: string; breaker: RedisBreaker }>> {
  const tools = await breaker.knownTools();
  return Promise.all(tools.map(async (tool) => ({ tool, breaker: await toolBreakerOf(context, tool) })));
}

/** Checks that `tool` is in the tool registry (a typo would create a breaker). */
async function checkKnownTool(breaker: RedisBreaker, tool: string): Promise<void> {
  const tools = await breaker.knownTools();
  if (!tools.includes(tool)) {
    const known =
      tools.length > 0 ? `expected: ${tools.map(toolBreakerName).join(', ')}` : 'no tool has one yet';
    throw new UsageError(
      `unknown tool '${tool}': it has no breaker in Redis (${known}; ` +
        'a worker registers the tools TOOL_GUARDS names when it starts and on their first call)',
    );
  }
}

/** Checks that `provider` has a breaker in the registry (a typo would create one). */
async function checkKnownProvider(breaker: RedisBreaker, provider: string): Promise<void> {
  const providers = await breaker.knownProviders();
  if (!providers.includes(provider)) {
    const known = providers.length > 0 ? `expected: ${providers.join(', ')}` : 'no provider has one yet';
    throw new UsageError(
      `unknown provider '${provider}': it has no breaker in Redis (${known}; ` +
        "a worker registers its providers' breakers when it starts and on their first call)",
    );
  }
}

/** Records who changed which breaker, and how. */
function logAction(context: CliContext, action: string, result: BreakerStatus): void {
  logOperatorAction(context, 'breaker', action, {
    provider: result.provider,
    state: result.state,
    from: result.transition?.from,
    to: result.transition?.to,
  });
}

/** An operator action on one breaker: what `reset` and `open` do, and how their result is shown. */
interface BreakerAction {
  name: 'reset' | 'open';
  run(breaker: RedisBreaker, provider: string): Promise<BreakerStatus>;
  format(result: BreakerStatus): string;
}

/** Checks the provider argument, runs `action` on its breaker, logs it and prints the result. */
async function act(
  open: OpenContext,
  provider: string,
  options: JsonOptions,
  action: BreakerAction,
): Promise<void> {
  const context = open();
  let breaker = await breakerOf(context);
  if (provider.startsWith(TOOL_BREAKER_PREFIX)) {
    const tool = provider.slice(TOOL_BREAKER_PREFIX.length);
    if (!TOOL_NAME.test(tool)) {
      throw new RangeError(
        `<breaker>: '${provider}' is not tool:<activity type> (letters, digits, _, $, . or -)`,
      );
    }
    await checkKnownTool(breaker, tool);
    breaker = await toolBreakerOf(context, tool);
  } else {
    parseProviderName(provider, '<breaker>');
    await checkKnownProvider(breaker, provider);
  }
  const result = await action.run(breaker, provider);
  logAction(context, action.name, result);
  context.print(options.json ? formatStatusJson(result) : action.format(result));
}

/** The `breaker` command group. */
export function breakerCommands(open: OpenContext): Command {
  const group = new Command('breaker').description(
    'read and operate the shared circuit breakers (one per provider, one per guarded tool)',
  );
  group
    .command('status')
    .description('state, counts and cluster-wide stats of every breaker')
    .addOption(jsonOption())
    .action(async (options: JsonOptions) => {
      const context = open();
      const breaker = await breakerOf(context);
      const [providers, tools] = await Promise.all([
        breaker.knownProviders(),
        toolBreakersOf(context, breaker),
      ]);
      const statuses = await Promise.all([
        ...providers.map((provider) => breaker.status(provider)),
        ...tools.map(({ tool, breaker: toolBreaker }) => toolBreaker.status(toolBreakerName(tool))),
      ]);
      context.print(options.json ? formatStatusesJson(statuses) : formatStatusTable(statuses));
    });
  group
    .command('reset')
    .description('close a breaker and clear its counters (stats are kept)')
    .argument('<breaker>', BREAKER_DESCRIPTION)
    .addOption(jsonOption())
    .action((provider: string, options: JsonOptions) =>
      act(open, provider, options, {
        name: 'reset',
        run: (breaker, name) => breaker.reset(name),
        format: formatReset,
      }),
    );
  group
    .command('open')
    .description('force a breaker OPEN for a maintenance window; it may half-open after it')
    .argument('<breaker>', BREAKER_DESCRIPTION)
    .requiredOption('--for <duration>', 'how long it stays OPEN: 500ms, 90s, 10m, 2h or milliseconds')
    .addOption(jsonOption())
    .action((provider: string, options: JsonOptions & { for: string }) => {
      const durationMs = parseDuration(options.for, '--for');
      if (durationMs <= 0) throw new RangeError(`--for: must be longer than 0 ms`);
      return act(open, provider, options, {
        name: 'open',
        run: (breaker, name) => breaker.forceOpen(name, durationMs),
        format: formatOpen,
      });
    });
  return group;
}
