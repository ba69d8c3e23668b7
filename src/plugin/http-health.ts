import type { Worker } from '@temporalio/worker';
import { primariesOf, type RedisConnection } from '../redis/connection';
import type { HealthReport } from '../observability/http-server';

/** True when every primary answers PING (the one server, or each master of a Cluster). */
async function primariesAnswer(redis: RedisConnection): Promise<boolean> {
  const primaries = primariesOf(redis);
  if (primaries.length === 0) throw new Error('no Redis primary known yet');
  const replies = await Promise.all(primaries.map((primary) => primary.ping()));
  return replies.every((reply) => reply === 'PONG');
}

/** The worker's health: live while it runs; ready while Redis answers too (every primary of a Cluster). */
export function createHttpHealth(worker: Worker, redis: RedisConnection): () => Promise<HealthReport> {
  return async () => {
    const state = worker.getState();
    const live = state === 'RUNNING';
    let redisOk = false;
    let redisDetail: string | undefined;
    try {
      redisOk = await primariesAnswer(redis);
    } catch (error) {
      redisDetail = (error as Error).message;
    }
    return {
      live,
      ready: redisOk,
      checks: {
        worker: { ok: live, detail: state },
        redis: redisOk ? { ok: true } : { ok: false, detail: redisDetail ?? 'no answer' },
      },
    };
  };
}
