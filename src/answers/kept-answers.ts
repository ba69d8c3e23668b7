/**
 * Answers kept for a retry whose earlier attempt's completion never reached Temporal (Temporal
 * unreachable past the heartbeat timeout, or the worker gone after the provider answered): the
 * retry of the same call takes the answer from Redis instead of calling the provider again.
 *
 * One Redis string per call, sealed with the payload encryption keys, kept for a bounded time. A
 * store or a read that fails is logged and never fails the call: without its kept answer, a retry
 * calls the provider, as it would have anyway.
 */
import { JsonSealer, type SealedJson } from '../codec/sealed-json';
import type { EncryptionSettings } from '../codec/types';
import type { LlmResponse } from '../llm/response';
import type { Logger } from '../observability/logger';
import type { RedisConnection } from '../redis/connection';
import type { KeySpace } from '../redis/keys';
import type { KeptAnswerSettings } from './types';

/** One call of a task: the activity that makes it, the same across its retries. */
export interface CallIdentity {
  workflowId: string;
  runId: string;
  activityId: string;
}

/** A successful answer and the attempt that received it. */
export interface KeptAnswer {
  response: LlmResponse;
  /** The task-wide number of the attempt that called the provider. */
  attempt: number;
  latencyMs: number;
}

export class KeptAnswers {
  private readonly sealer: JsonSealer;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: KeySpace,
    private readonly settings: KeptAnswerSettings,
    encryption: EncryptionSettings,
    private readonly logger: Logger,
  ) {
    this.sealer = new JsonSealer(encryption);
  }

  /** Keeps `answer` of `call` for the configured time (nothing when that is 0). */
  async keep(call: CallIdentity, answer: KeptAnswer): Promise<void> {
    if (this.settings.ttlMs === 0) return;
    try {
      const sealed = await this.sealer.seal(answer);
      await this.redis.set(this.keyOf(call), JSON.stringify(sealed), 'PX', this.settings.ttlMs);
    } catch (error) {
      this.logger.warn({ ...call, attempt: answer.attempt, err: error }, 'answer not kept for recovery');
    }
  }

  /** The answer an earlier attempt of `call` received, if it is still kept and opens. */
  async recover(call: CallIdentity): Promise<KeptAnswer | undefined> {
    if (this.settings.ttlMs === 0) return undefined;
    try {
      const stored = await this.redis.get(this.keyOf(call));
      if (stored === null) return undefined;
      return await this.sealer.open<KeptAnswer>(JSON.parse(stored) as SealedJson);
    } catch (error) {
      this.logger.warn({ ...call, err: error }, 'kept answer not read: the provider is called again');
      return undefined;
    }
  }

  private keyOf(call: CallIdentity): string {
    return this.keys.key('keptAnswer', `${call.workflowId}/${call.runId}/${call.activityId}`);
  }
}
