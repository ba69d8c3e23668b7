/** Where an application reads its tasks' live deltas: the shared Redis, one connection per reader. */
import type { TaskStreamEvent } from '../llm/stream';
import { createRedis, waitUntilReady, type RedisOptions } from '../redis/connection';
import { KeySpace } from '../redis/keys';
import { readTaskDeltas } from './delta-reader';

export class LiveDeltas {
  private readonly keys: KeySpace;

  constructor(private readonly redis: RedisOptions & { keyPrefix: string }) {
    this.keys = new KeySpace(redis.keyPrefix);
  }

  /** The task's deltas from the first, until its streaming attempt ends or `finished` settles. */
  async *read(
    idempotencyKey: string,
    finished: Promise<unknown>,
  ): AsyncGenerator<Exclude<TaskStreamEvent, { type: 'response' }>> {
    const connection = createRedis(this.redis);
    try {
      await waitUntilReady(connection);
      yield* readTaskDeltas(connection, this.keys.key('taskDeltas', idempotencyKey), finished);
    } finally {
      connection.disconnect();
    }
  }
}
