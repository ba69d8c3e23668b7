/**
 * `breakwater dlq …`: read, replay and purge the dead-letter queue (`ai:dlq` and `ai:dead`, Redis
 * Streams, through `DlqStore`).
 *
 * - `list [--reason <r>] [--provider <p>] [--limit <n>] [--json]`: entries of `ai:dlq`, oldest first.
 * - `stats [--json]`: depth of both streams, by reason and provider, the oldest entry's age, counters.
 * - `show <jobId> [--json]`: one entry, wherever it is.
 * - `replay <jobId>` or `replay --all …`: see `dlq-replay.ts`.
 * - `dead list [--reason <r>] [--provider <p>] [--limit <n>] [--json]`: entries of `ai:dead`.
 * - `purge --older-than <d> [--dead] [--yes] [--json]`: drops old entries, after a confirmation.
 *
 * Nothing here prints a prompt or a response: see the views.
 */
import { Command } from 'commander';
import type { DlqStream } from '../../dlq/types';
import { parseDuration } from '../arguments';
import { logOperatorAction, type OpenContext } from '../context';
import { UsageError } from '../usage-errors';
import { entryJson, formatEntries, formatNoEntries } from '../views/dlq-entry';
import { entryDetailJson, formatEntryDetail } from '../views/dlq-entry-detail';
import { formatStats, statsJson } from '../views/dlq-stats';
import { countOf, formatDuration, toJson } from '../views/format';
import { addReplayCommand } from './dlq-replay';
import {
  limitOption,
  olderThanOption,
  parseFilter,
  providerOption,
  reasonOption,
  type FilterOptions,
} from './dlq-filters';
import { JOB_ID_DESCRIPTION, parseJobId, storeOf } from './dlq-jobs';
import { jsonOption, type JsonOptions } from './options';

interface PurgeOptions extends JsonOptions {
  olderThan: string;
  dead?: true;
  yes?: true;
}

/** `list` and `dead list`: the entries of one stream, added to `parent`. */
function addListCommand(parent: Command, stream: DlqStream, open: OpenContext): void {
  const dead = stream === 'dead';
  parent
    .command('list')
    .description(
      dead ? 'entries of ai:dead (input errors, poisoned jobs)' : 'entries of ai:dlq, oldest first',
    )
    .addOption(reasonOption(dead))
    .addOption(providerOption())
    .addOption(limitOption())
    .addOption(jsonOption())
    .action(async (options: FilterOptions & JsonOptions) => {
      const filter = parseFilter(options, dead);
      const context = open();
      const store = await storeOf(context);
      const now = Date.now();
      const entries = (await store.list(stream, filter)).map((entry) => entryJson(entry, now));
      if (options.json) return context.print(toJson(entries));
      context.print(entries.length === 0 ? formatNoEntries(stream, filter) : formatEntries(entries, dead));
    });
}

/** Asks the operator to confirm a purge of `count` entries; true for yes. */
async function confirmPurge(
  ask: (question: string) => Promise<string | undefined>,
  count: number,
  age: string,
  stream: DlqStream,
): Promise<boolean> {
  const answer = await ask(
    `Purge ${countOf(count, 'entry', 'entries')} older than ${age} from ai:${stream}? [y/N] `,
  );
  return /^y(es)?$/i.test(answer?.trim() ?? '');
}

/** The `dlq` command group. */
export function dlqCommands(open: OpenContext): Command {
  const group = new Command('dlq').description(
    'list, count, replay and purge the dead-letter queue (ai:dlq, ai:dead)',
  );
  addListCommand(group, 'dlq', open);
  group
    .command('stats')
    .description('depth by stream, reason and provider; the oldest entry; counters')
    .addOption(jsonOption())
    .action(async (options: JsonOptions) => {
      const context = open();
      const shown = statsJson(await (await storeOf(context)).stats(), Date.now());
      context.print(options.json ? toJson(shown) : formatStats(shown));
    });
  group
    .command('show')
    .description('one entry of ai:dlq or ai:dead, in detail')
    .argument('<jobId>', JOB_ID_DESCRIPTION)
    .addOption(jsonOption())
    .action(async (rawJobId: string, options: JsonOptions) => {
      const jobId = parseJobId(rawJobId);
      const context = open();
      const store = await storeOf(context);
      const entry = await store.get(jobId);
      if (!entry) {
        const replayedRun = await store.replayedRun(jobId);
        throw new Error(
          replayedRun
            ? `no entry for job '${jobId}': it was replayed (run ${replayedRun})`
            : `no entry for job '${jobId}' in ai:dlq or ai:dead (never failed, purged or trimmed)`,
        );
      }
      const detail = entryDetailJson(entry, Date.now(), store.settings.maxReplays);
      context.print(options.json ? toJson(detail) : formatEntryDetail(detail));
    });
  addReplayCommand(group, open);
  addListCommand(group.command('dead').description('the entries of ai:dead'), 'dead', open);
  group
    .command('purge')
    .description('drop old entries of ai:dlq (or ai:dead), after a confirmation')
    .addOption(olderThanOption('drop entries added at least this long ago (0s: all)').makeOptionMandatory())
    .option('--dead', 'purge ai:dead instead of ai:dlq')
    .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .addOption(jsonOption())
    .action(async (options: PurgeOptions) => {
      const olderThanMs = parseDuration(options.olderThan, '--older-than');
      const stream: DlqStream = options.dead ? 'dead' : 'dlq';
      const context = open();
      if (!options.yes && !context.interactive) {
        throw new UsageError('stdin is not a terminal, so purge cannot ask for confirmation: pass --yes');
      }
      const store = await storeOf(context);
      const age = formatDuration(olderThanMs);
      if (!options.yes) {
        const count = (await store.list(stream, { olderThanMs })).length;
        if (count === 0) return context.print(`no entries older than ${age} in ai:${stream}: nothing purged`);
        if (!(await confirmPurge(context.ask, count, age, stream))) {
          return context.print('not confirmed: nothing purged');
        }
      }
      const purged = await store.purge(stream, olderThanMs);
      logOperatorAction(context, 'dlq', 'purge', { stream, olderThanMs, purged });
      if (options.json) return context.print(toJson({ stream, olderThanMs, purged }));
      context.print(`purged ${countOf(purged, 'entry', 'entries')} older than ${age} from ai:${stream}`);
    });
  return group;
}
