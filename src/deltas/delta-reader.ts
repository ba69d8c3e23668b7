/**
 * The application's side of live deltas: a task's stream read from its start, as `attempt` and
 * `delta` events, until the streaming attempt ends (or the task does, when it never streamed).
 */
import type { RedisConnection } from '../redis/connection';
import type { TaskStreamEvent } from '../llm/stream';
import { decodeDeltaEntry } from './delta-entry';

type StreamReply = Array<[key: string, entries: Array<[id: string, fields: string[]]>]> | null;

/** How long one read blocks before it looks whether the task has ended. */
const BLOCK_MS = 200;

/**
 * Yields the deltas in `key` from the first, in order. Returns after an `end` entry, or once
 * `finished` has settled and nothing more is there. `redis` must be a connection of its own: reads block.
 */
export async function* readTaskDeltas(
  redis: RedisConnection,
  key: string,
  finished: Promise<unknown>,
): AsyncGenerator<Exclude<TaskStreamEvent, { type: 'response' }>> {
  let settled = false;
  finished.then(
    () => (settled = true),
    () => (settled = true),
  );
  let lastId = '0-0';
  for (;;) {
    const ending = settled;
    const reply = (await redis.xread('COUNT', 100, 'BLOCK', BLOCK_MS, 'STREAMS', key, lastId)) as StreamReply;
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      lastId = id;
      const entry = decodeDeltaEntry(fields);
      if (entry?.kind === 'end') return;
      if (entry?.kind === 'attempt') yield { type: 'attempt', attempt: entry.attempt };
      if (entry?.kind === 'delta') yield { type: 'delta', attempt: entry.attempt, delta: entry.delta };
    }
    if (!reply && ending) return;
  }
}
