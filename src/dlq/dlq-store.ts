/**
 * The dead-letter queue on Redis Streams: `ai:dlq` (replayable) and `ai:dead` (input errors and
 * poisoned jobs), one entry per job, trimmed by length and age with every removal counted. Replay
 * payloads are stored sealed with the payload encryption keys; the fields operators filter on are not.
 */
import { randomUUID } from 'node:crypto';
import { JsonSealer } from '../codec/sealed-json';
import type { EncryptionSettings } from '../codec/types';
import { errorMessage } from '../error-message';
import type { RedisConnection } from '../redis/connection';
import type { KeySpace } from '../redis/keys';
import { commandsOf, type BreakwaterCommands } from '../redis/function-library';
import {
  decodeEntry,
  encodeEntry,
  type DlqEntry,
  type ReplayPayload,
  type StoredDlqEntry,
} from './dlq-entry';
import type { DlqSettings, DlqStream } from './types';

export interface DlqStats {
  depth: number;
  deadDepth: number;
  byReason: Record<string, number>;
  byProvider: Record<string, number>;
  /** When the oldest `ai:dlq` entry was added, epoch ms. */
  oldestMs: number | null;
  /** When the newest `ai:dlq` entry was added, epoch ms. */
  newestMs: number | null;
  /** Cluster-wide: enqueued, dead, replayed, poisoned, purged, trimmed, trimmed_dead. */
  counters: Record<string, number>;
}

export interface DlqFilter {
  reason?: string;
  provider?: string;
  /** Only entries added at least this long ago. */
  olderThanMs?: number;
  limit?: number;
}

type StreamReply = Array<[string, string[]]>;

export class DlqStore {
  private readonly commands: BreakwaterCommands;
  private readonly sealer: JsonSealer;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: KeySpace,
    readonly settings: DlqSettings,
    /** The payload encryption keys (`BREAKWATER_ENCRYPTION_*`) that seal and open replay payloads. */
    encryption: EncryptionSettings,
    /** Tests only: a clock instead of Redis time, for trimming by age. */
    private readonly clock?: () => number,
  ) {
    this.commands = commandsOf(redis);
    this.sealer = new JsonSealer(encryption);
  }

  streamKey(stream: DlqStream): string {
    return this.keys.key(stream === 'dead' ? 'deadStream' : 'dlqStream');
  }

  /** Adds the failure, once: enqueueing the same job and run again adds nothing. */
  async enqueue(entry: DlqEntry, stream: DlqStream, extra: Record<string, string> = {}) {
    const { payload, ...fields } = entry;
    const [added, where, entryId] = await this.commands.dlqEnqueue(
      this.keys.slot(),
      entry.jobId,
      entry.runId,
      stream,
      this.settings.maxLen,
      this.settings.maxAgeMs,
      this.settings.deadMaxAgeMs,
      this.clock ? String(this.clock()) : '',
      ...encodeEntry(fields, await this.sealer.seal(payload), extra),
    );
    return { added: added === 1, stream: where as DlqStream, entryId };
  }

  /** The job's entry, wherever it is. */
  async get(jobId: string): Promise<StoredDlqEntry | undefined> {
    const where = await this.redis.hget(this.keys.key('dlqIndex'), jobId);
    if (!where) return undefined;
    const [stream, entryId] = where.split('|') as [DlqStream, string];
    const [found] = (await this.redis.xrange(this.streamKey(stream), entryId, entryId)) as StreamReply;
    const entry = found && decodeEntry(stream, found[0], found[1]);
    return entry && this.opened(entry);
  }

  /** The run a replay of `jobId` started in the last day, if any. */
  async replayedRun(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.key('dlqReplayed', jobId))) ?? undefined;
  }

  /** Entries of `stream`, oldest first, that pass `filter`. */
  async list(stream: DlqStream, filter: DlqFilter = {}): Promise<StoredDlqEntry[]> {
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const end = filter.olderThanMs === undefined ? '+' : String(Math.max(0, this.now() - filter.olderThanMs));
    const entries: StoredDlqEntry[] = [];
    let start = '-';
    for (;;) {
      const batch = (await this.redis.xrange(
        this.streamKey(stream),
        start,
        end,
        'COUNT',
        500,
      )) as StreamReply;
      for (const [id, fields] of batch) {
        const entry = decodeEntry(stream, id, fields);
        if (!entry) continue;
        if (
          filter.reason !== undefined &&
          entry.reason !== filter.reason &&
          entry.deadReason !== filter.reason
        )
          continue;
        if (filter.provider !== undefined && entry.provider !== filter.provider) continue;
        entries.push(await this.opened(entry));
        if (entries.length >= limit) return entries;
      }
      if (batch.length < 500) return entries;
      start = `(${batch[batch.length - 1]![0]}`;
    }
  }

  /** Trims both streams, then counts: depth by reason and provider, the oldest entry, the counters. */
  async stats(): Promise<DlqStats> {
    const reply = await this.commands.dlqStats(
      this.keys.slot(),
      this.settings.maxLen,
      this.settings.maxAgeMs,
      this.settings.deadMaxAgeMs,
      this.clock ? String(this.clock()) : '',
    );
    const stats = JSON.parse(reply) as DlqStats & Record<string, unknown>;
    // cjson encodes an empty table as an array.
    const object = (value: unknown) => (Array.isArray(value) ? {} : (value as Record<string, number>));
    return {
      ...stats,
      byReason: object(stats.byReason),
      byProvider: object(stats.byProvider),
      counters: object(stats.counters),
    };
  }

  /** Takes `entry` out after its replay started `replayRunId`; false if it is gone or was replaced. */
  async removeReplayed(entry: StoredDlqEntry, replayRunId: string): Promise<boolean> {
    const [removed] = await this.commands.dlqRemove(
      this.keys.slot(),
      entry.jobId,
      entry.entryId,
      'replayed',
      replayRunId,
    );
    return removed === 1;
  }

  /** Moves `entry` to `ai:dead` with `reason`; false if it is gone or was replaced. */
  async poison(entry: StoredDlqEntry, reason: string): Promise<boolean> {
    const [removed] = await this.commands.dlqRemove(
      this.keys.slot(),
      entry.jobId,
      entry.entryId,
      'poisoned',
      '',
      ...encodeEntry(entry, entry.sealedPayload, { deadReason: reason }),
    );
    return removed === 1;
  }

  /** Drops the entries of `stream` added more than `olderThanMs` ago; returns how many went. */
  async purge(stream: DlqStream, olderThanMs: number): Promise<number> {
    let purged = 0;
    for (const entry of await this.list(stream, { olderThanMs })) {
      const [removed] = await this.commands.dlqRemove(
        this.keys.slot(),
        entry.jobId,
        entry.entryId,
        'purged',
        '',
      );
      purged += removed;
    }
    return purged;
  }

  /** Claims the replay of `jobId` for `ttlMs`; undefined when someone else holds it. */
  async claim(jobId: string, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const taken = await this.redis.set(this.keys.key('dlqClaim', jobId), token, 'PX', ttlMs, 'NX');
    return taken === 'OK' ? token : undefined;
  }

  async release(jobId: string, token: string): Promise<void> {
    await this.commands.dlqRelease(this.keys.slot(), jobId, token);
  }

  /** `entry` with its payload opened, or with why it does not open. */
  private async opened(entry: StoredDlqEntry): Promise<StoredDlqEntry> {
    try {
      return { ...entry, payload: await this.sealer.open<ReplayPayload>(entry.sealedPayload) };
    } catch (error) {
      return { ...entry, payloadError: errorMessage(error) };
    }
  }

  private now(): number {
    return this.clock ? this.clock() : Date.now();
  }
}
