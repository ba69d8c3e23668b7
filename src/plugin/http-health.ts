import type { Worker } from '@temporalio/worker';
import type Redis from 'ioredis';
import type { HealthReport } from '../observability/http-server';

/** The worker's health: live while it runs; ready while Redis answers too. */
export function createHttpHealth(worker: Worker, redis: Redis): () => Promise<HealthReport> {
  return async () => {
    const state = worker.getState();
    const live = state === 'RUNNING';
    let redisOk = false;
    let redisDetail: string | undefined;
    try {
      redisOk = (await redis.ping()) === 'PONG';
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
