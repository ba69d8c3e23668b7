/**
 * The activity's side of live deltas: one attempt's pieces of a streamed answer, appended in order
 * to the task's capped Redis Stream. A write that fails is logged and never fails the call: the
 * durable answer is the one Temporal keeps.
 */
import type { RedisConnection } from '../redis/connection';
import type { StreamDelta } from '../llm/stream';
import type { Logger } from '../observability/logger';
import type { KeySpace } from '../redis/keys';
import { encodeDeltaEntry, type DeltaEntry } from './delta-entry';
import type { DeltaStreamSettings } from './types';

export class DeltaWriter {
  private failed = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly key: string,
    private readonly attempt: number,
    private readonly settings: DeltaStreamSettings,
    private readonly logger: Logger,
  ) {}

  /** Marks the start of this attempt's answer (a reader drops what an earlier attempt sent). */
  start(): Promise<void> {
    return this.write({ kind: 'attempt', attempt: this.attempt }, true);
  }

  /** Appends one piece of the answer (not awaited: writes on one connection keep their order). */
  delta(delta: StreamDelta): void {
    void this.write({ kind: 'delta', attempt: this.attempt, delta }, false);
  }

  /** Marks this attempt's answer complete. */
  end(): Promise<void> {
    return this.write({ kind: 'end', attempt: this.attempt }, true);
  }

  private async write(entry: DeltaEntry, expire: boolean): Promise<void> {
    if (this.failed) return;
    const pipeline = this.redis
      .pipeline()
      .xadd(this.key, 'MAXLEN', '~', this.settings.maxLen, '*', ...encodeDeltaEntry(entry));
    if (expire) pipeline.pexpire(this.key, this.settings.ttlMs);
    const error = await pipeline.exec().then(
      (results) => results?.find(([failure]) => failure)?.[0],
      (failure: unknown) => failure,
    );
    if (error) {
      this.failed = true;
      this.logger.warn({ attempt: this.attempt, err: error }, 'live deltas not delivered');
    }
  }
}

/** Opens the writer of one attempt of a task. */
export type DeltaWriters = (idempotencyKey: string, attempt: number) => DeltaWriter;

/** The writers of the tasks' live deltas, on `redis` under `keys`. */
export function deltaWriters(
  redis: RedisConnection,
  keys: KeySpace,
  settings: DeltaStreamSettings,
  logger: Logger,
): DeltaWriters {
  return (idempotencyKey, attempt) =>
    new DeltaWriter(redis, keys.key('taskDeltas', idempotencyKey), attempt, settings, logger);
}
