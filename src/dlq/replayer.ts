/**
 * Replays tasks from the dead-letter queue: each starts again under its idempotency id, with
 * `replayCount + 1`. A duplicate or concurrent replay is a no-op that says why, and an entry leaves
 * the queue only after its new workflow has started, so a crash in between is safe to re-run.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { BreakwaterClient } from '../client/breakwater-client';
import { mapConcurrent } from '../map-concurrent';
import type { Logger } from '../observability/logger';
import type { StoredDlqEntry } from './dlq-entry';
import type { DlqFilter, DlqStore } from './dlq-store';

export type ReplayOutcome =
  /** A new workflow run started for the task. */
  | 'started'
  /** The task already ended DONE: nothing to run. */
  | 'already_done'
  /** A replay already started a run for this entry. */
  | 'already_replayed'
  /** Another replay of this entry is under way right now. */
  | 'in_progress'
  /** The entry had been replayed the most times allowed: it moved to ai:dead. */
  | 'poisoned'
  /** The entry is in ai:dead: no replay can fix it. */
  | 'dead'
  /** No entry by that id (never failed, purged, or trimmed). */
  | 'not_found'
  /** The entry's payload does not open with the configured keys: it stays until its key is added. */
  | 'undecryptable';

export interface ReplayResult {
  jobId: string;
  outcome: ReplayOutcome;
  /** Why, in words an operator can act on. */
  detail: string;
  workflowId?: string;
  /** The run the replay started, or found. */
  runId?: string;
  replayCount?: number;
}

export interface ReplayerOptions {
  store: DlqStore;
  client: BreakwaterClient;
  logger: Logger;
  /** How long a replay holds its claim on an entry (it is released when the replay ends). */
  claimMs?: number;
}

export class Replayer {
  constructor(private readonly options: ReplayerOptions) {}

  /** Replays one entry. */
  async replay(jobId: string): Promise<ReplayResult> {
    const { store } = this.options;
    const entry = await store.get(jobId);
    if (!entry) {
      const replayedRun = await store.replayedRun(jobId);
      return replayedRun
        ? {
            jobId,
            outcome: 'already_replayed',
            detail: `already replayed (run ${replayedRun})`,
            runId: replayedRun,
          }
        : {
            jobId,
            outcome: 'not_found',
            detail: 'not in the dead-letter queue (never failed, purged or trimmed)',
          };
    }
    if (entry.stream === 'dead') {
      return {
        jobId,
        outcome: 'dead',
        detail: `in ai:dead (${entry.deadReason ?? entry.reason}): no replay can fix it`,
      };
    }
    const token = await store.claim(jobId, this.options.claimMs ?? 60_000);
    if (!token) return { jobId, outcome: 'in_progress', detail: 'another replay of this entry is under way' };
    try {
      const result = await this.replayClaimed(entry);
      this.options.logger.info(
        { jobId, outcome: result.outcome, runId: result.runId, replayCount: result.replayCount },
        'dlq replay',
      );
      return result;
    } finally {
      await store.release(jobId, token);
    }
  }

  /** Replays every `ai:dlq` entry that passes `filter`, a few at a time. */
  async replayAll(filter: DlqFilter, concurrency = 8): Promise<ReplayResult[]> {
    const entries = await this.options.store.list('dlq', filter);
    return mapConcurrent(entries, concurrency, (entry) => this.replay(entry.jobId));
  }

  private async replayClaimed(entry: StoredDlqEntry): Promise<ReplayResult> {
    const { store, client } = this.options;
    const base = { jobId: entry.jobId, workflowId: entry.workflowId };
    // Without its key nothing of the task can be read: not its payload, nor its runs' memos.
    const { payload } = entry;
    if (!payload) {
      return { ...base, outcome: 'undecryptable', detail: `${entry.payloadError}; the entry stays` };
    }
    const latest = await this.latestRun(entry.workflowId);
    if (latest && latest.runId !== entry.runId) {
      // The task ran again after this failure: a replay that crashed before its ack, or a new submit.
      await store.removeReplayed(entry, latest.runId);
      if (latest.status === 'COMPLETED') {
        return {
          ...base,
          outcome: 'already_done',
          detail: 'the task already ended DONE',
          runId: latest.runId,
        };
      }
      return {
        ...base,
        outcome: 'already_replayed',
        detail: `already replayed (run ${latest.runId})`,
        runId: latest.runId,
      };
    }
    if (latest?.status === 'RUNNING') {
      return {
        ...base,
        outcome: 'in_progress',
        detail: 'the failed run is still closing; replay again in a moment',
      };
    }
    if (latest?.status === 'COMPLETED') {
      await store.removeReplayed(entry, latest.runId);
      return { ...base, outcome: 'already_done', detail: 'the task already ended DONE', runId: latest.runId };
    }
    const replayCount = entry.replayCount + 1;
    if (replayCount > store.settings.maxReplays) {
      await store.poison(entry, 'poisoned');
      return {
        ...base,
        outcome: 'poisoned',
        detail: `replayed ${entry.replayCount} times (limit ${store.settings.maxReplays}): moved to ai:dead`,
      };
    }
    const { input, deadlineMs } = payload;
    const handle = await client.resubmit(input, { replayCount, deadlineMs, taskQueue: entry.taskQueue });
    await store.removeReplayed(entry, handle.runId);
    return {
      ...base,
      outcome: 'started',
      detail: `started run ${handle.runId}`,
      runId: handle.runId,
      replayCount,
    };
  }

  private async latestRun(workflowId: string): Promise<{ runId: string; status: string } | undefined> {
    try {
      const description = await this.options.client.temporal.workflow.getHandle(workflowId).describe();
      return { runId: description.runId, status: description.status.name };
    } catch (error) {
      // Past Temporal's retention the failed run is gone; the task may start again.
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }
}
