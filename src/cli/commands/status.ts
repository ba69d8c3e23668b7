/**
 * `breakwater status [--json] [--watch] [--interval <duration>]`: one screen of the breakers (the
 * providers', then the guarded tools' as `tool:<name>`, as `breaker status` lists them), the
 * budgets nearest their ceilings, the dead-letter queue, the tasks by ledger state and the ledger
 * statistics (the snapshot the worker serves at `/status`). Tasks are those of TEMPORAL_TASK_QUEUE;
 * when Temporal cannot be reached, those sections say so and the others are still shown.
 */
import { Command } from 'commander';
import { BreakwaterClient } from '../../client/breakwater-client';
import { errorMessage } from '../../error-message';
import { readStatusSnapshot, type StatusSnapshot, type StatusSources } from '../../status/status-snapshot';
import { parseDuration } from '../arguments';
import type { CliContext, OpenContext } from '../context';
import { formatStatus, formatStatusJson } from '../views/status';
import { breakerOf, toolBreakersOf } from './breaker';
import { tokenManagerOf } from './budget';
import { degradedModeOf } from './degraded';
import { storeOf } from './dlq-jobs';
import { jsonOption, type JsonOptions } from './options';

interface StatusOptions extends JsonOptions {
  watch?: true;
  interval: string;
}

/** Moves the cursor home and clears the terminal. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

/** How long the CLI waits for Temporal before it shows the other sections without it. */
const TEMPORAL_CONNECT_TIMEOUT_MS = 5000;

/** The Temporal connection of the tasks sections; its failure is kept for the snapshot, not thrown. */
type TemporalLink = { client: BreakwaterClient } | { error: string };

async function connectTemporal(context: CliContext): Promise<TemporalLink> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `cannot reach Temporal at ${context.config.temporal.address} (TEMPORAL_ADDRESS) ` +
              `within ${TEMPORAL_CONNECT_TIMEOUT_MS} ms`,
          ),
        ),
      TEMPORAL_CONNECT_TIMEOUT_MS,
    );
  });
  try {
    return { client: await Promise.race([BreakwaterClient.connect(context.config), timeout]) };
  } catch (error) {
    return { error: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function readSnapshot(context: CliContext, temporal: TemporalLink): Promise<StatusSnapshot> {
  const { config } = context;
  const breaker = await breakerOf(context);
  const sources: StatusSources = {
    breaker,
    toolBreakers: await toolBreakersOf(context, breaker),
    tokens: await tokenManagerOf(context),
    dlq: await storeOf(context),
    degraded: await degradedModeOf(context),
    ledgerWindowMs: config.status.ledgerWindowMs,
    ...('client' in temporal
      ? { temporal: { client: temporal.client.temporal, taskQueue: config.temporal.taskQueue } }
      : {}),
  };
  const snapshot = await readStatusSnapshot(sources);
  if ('error' in temporal) {
    snapshot.errors.tasks = temporal.error;
    snapshot.errors.ledger = temporal.error;
  }
  return snapshot;
}

/** Runs `show` now and every `intervalMs` until SIGINT or SIGTERM. */
async function everyInterval(intervalMs: number, show: () => Promise<void>): Promise<void> {
  let stop = () => undefined as void;
  const stopped = new Promise<'stop'>((resolve) => (stop = () => resolve('stop')));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      await show();
      let timer: NodeJS.Timeout | undefined;
      const next = new Promise<'next'>((resolve) => (timer = setTimeout(() => resolve('next'), intervalMs)));
      const outcome = await Promise.race([stopped, next]);
      clearTimeout(timer);
      if (outcome === 'stop') return;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** The `status` command. */
export function statusCommand(open: OpenContext): Command {
  return new Command('status')
    .description('breakers, budgets, dead-letter queue, tasks by ledger state and ledger statistics')
    .addOption(jsonOption())
    .option('--watch', 'refresh until interrupted (Ctrl-C)')
    .option('--interval <duration>', 'time between refreshes with --watch: 500ms, 5s, 1m', '2s')
    .action(async (options: StatusOptions) => {
      const intervalMs = parseDuration(options.interval, '--interval');
      if (intervalMs < 100) throw new RangeError('--interval: must be at least 100ms');
      const context = open();
      let temporal: TemporalLink | undefined;
      const show = async () => {
        // Without Temporal, each refresh tries again.
        if (!temporal || 'error' in temporal) temporal = await connectTemporal(context);
        const snapshot = await readSnapshot(context, temporal);
        if (options.json) {
          return context.print(options.watch ? JSON.stringify(snapshot) : formatStatusJson(snapshot));
        }
        context.print(`${options.watch && context.terminal ? CLEAR_SCREEN : ''}${formatStatus(snapshot)}`);
      };
      try {
        if (options.watch) await everyInterval(intervalMs, show);
        else await show();
      } finally {
        if (temporal && 'client' in temporal) await temporal.client.close();
      }
    });
}
