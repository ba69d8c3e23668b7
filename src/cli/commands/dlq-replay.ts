/**
 * `breakwater dlq replay <jobId>` or `replay --all [--reason <r>] [--provider <p>] [--older-than <d>]`:
 * starts entries of ai:dlq again under their idempotency key (through `Replayer`), a few at a time.
 * A replay that throws is reported with outcome `error` and the others go on; the command then
 * fails, naming them, as it does for entries whose payload does not decrypt.
 */
import type { Command } from 'commander';
import { BreakwaterClient } from '../../client/breakwater-client';
import type { DlqFilter, DlqStore } from '../../dlq/dlq-store';
import { Replayer } from '../../dlq/replayer';
import { mapConcurrent } from '../../map-concurrent';
import { redactText } from '../../observability/redaction';
import { logOperatorAction, type CliContext, type OpenContext } from '../context';
import { UsageError } from '../usage-errors';
import { formatReplay, formatReplayJson, type ReplayLine } from '../views/dlq-replay';
import { errorMessage } from '../../error-message';
import {
  olderThanOption,
  parseFilter,
  providerOption,
  reasonOption,
  type FilterOptions,
} from './dlq-filters';
import { JOB_ID_DESCRIPTION, parseJobId, storeOf } from './dlq-jobs';
import { jsonOption, type JsonOptions } from './options';

/** How many replays of `replay --all` run at once. */
const REPLAY_CONCURRENCY = 4;

interface ReplayOptions extends FilterOptions, JsonOptions {
  all?: true;
}

/** The filter flags, which only `--all` takes (they select the entries). */
const FILTER_FLAGS = [
  ['reason', '--reason'],
  ['provider', '--provider'],
  ['olderThan', '--older-than'],
] as const;

/** Replays one job; a replay that throws becomes the line of outcome `error`. Logs either. */
async function replayOne(context: CliContext, replayer: Replayer, jobId: string): Promise<ReplayLine> {
  try {
    const result = await replayer.replay(jobId);
    logOperatorAction(context, 'dlq', 'replay', {
      jobId,
      outcome: result.outcome,
      detail: result.detail,
      runId: result.runId,
      replayCount: result.replayCount,
    });
    return result;
  } catch (error) {
    const detail = redactText(errorMessage(error));
    logOperatorAction(context, 'dlq', 'replay', { jobId, outcome: 'error', detail }, 'error');
    return { jobId, outcome: 'error', detail };
  }
}

/** Replays `jobIds`, a few at a time, with one Temporal client. */
async function replayAll(
  context: CliContext,
  store: DlqStore,
  jobIds: readonly string[],
): Promise<ReplayLine[]> {
  if (jobIds.length === 0) return [];
  const client = await BreakwaterClient.connect(context.config);
  try {
    const replayer = new Replayer({ store, client, logger: context.logger });
    return await mapConcurrent(jobIds, REPLAY_CONCURRENCY, (jobId) => replayOne(context, replayer, jobId));
  } finally {
    await client.close();
  }
}

/** What `replay` is to replay: one job, or (`--all`) the entries `filter` selects. Checks the command line. */
function replayArguments(
  rawJobId: string | undefined,
  options: ReplayOptions,
): { jobId: string | undefined; filter: DlqFilter } {
  if (rawJobId !== undefined && options.all) {
    throw new UsageError('give either <jobId> or --all, not both');
  }
  if (rawJobId === undefined && !options.all) throw new UsageError('missing <jobId> (or --all)');
  const filter = parseFilter(options, false);
  const given = FILTER_FLAGS.find(([name]) => options[name] !== undefined);
  if (rawJobId !== undefined && given) {
    throw new UsageError(`${given[1]}: only with --all (filters select the entries)`);
  }
  return { jobId: rawJobId === undefined ? undefined : parseJobId(rawJobId), filter };
}

/** Fails the command, naming the replays that threw or could not decrypt their entry, if any. */
function throwIfAnyFailed(lines: readonly ReplayLine[]): void {
  const threw = lines.filter((line) => line.outcome === 'error');
  const undecryptable = lines.filter((line) => line.outcome === 'undecryptable');
  const problems = [
    ...(threw.length > 0 ? [`${threw.length} of ${lines.length} replays threw: ${named(threw)}`] : []),
    ...(undecryptable.length > 0
      ? [`${undecryptable.length} of ${lines.length} entries do not decrypt: ${named(undecryptable)}`]
      : []),
  ];
  if (problems.length > 0) throw new Error(problems.join('; '));
}

function named(lines: readonly ReplayLine[]): string {
  return lines.map((line) => `${line.jobId} (${line.detail})`).join('; ');
}

/** Adds `replay` to the `dlq` group. */
export function addReplayCommand(group: Command, open: OpenContext): void {
  group
    .command('replay')
    .description('start one entry, or every matching one, again under its idempotency key')
    .argument('[jobId]', `${JOB_ID_DESCRIPTION}; leave it out with --all`)
    .option('--all', 'replay every ai:dlq entry that passes the filters, instead of one <jobId>')
    .addOption(reasonOption(false))
    .addOption(providerOption())
    .addOption(olderThanOption())
    .addOption(jsonOption())
    .action(async (rawJobId: string | undefined, options: ReplayOptions) => {
      const { jobId, filter } = replayArguments(rawJobId, options);
      const context = open();
      const store = await storeOf(context);
      const jobIds =
        jobId !== undefined ? [jobId] : (await store.list('dlq', filter)).map((entry) => entry.jobId);
      const lines = await replayAll(context, store, jobIds);
      context.print(options.json ? formatReplayJson(lines) : formatReplay(lines, filter));
      throwIfAnyFailed(lines);
    });
}
