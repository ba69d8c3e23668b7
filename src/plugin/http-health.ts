/**
 * What the worker's `/health` and `/ready` read: the health of each component (see
 * `health-components.ts`), and readiness (the worker runs and Redis answers).
 */
import type { Worker } from '@temporalio/worker';
import type { BreakwaterConfig } from '../config';
import { errorMessage } from '../error-message';
import { healthReport, type HealthReport } from '../observability/health';
import type { ReadinessReport } from '../observability/http-server';
import { primariesOf, type RedisConnection } from '../redis/connection';
import { readStatusSnapshot, type StatusSources } from '../status/status-snapshot';
import { componentHealth } from './health-components';

/** How long `/health` waits for Temporal's answer. */
const TEMPORAL_CHECK_TIMEOUT_MS = 2000;

/** True when every primary answers PING (the one server, or each master of a Cluster). */
async function primariesAnswer(redis: RedisConnection): Promise<boolean> {
  const primaries = primariesOf(redis);
  if (primaries.length === 0) throw new Error('no Redis primary known yet');
  const replies = await Promise.all(primaries.map((primary) => primary.ping()));
  return replies.every((reply) => reply === 'PONG');
}

/** Why Redis does not answer; undefined when every primary does. */
async function redisProblem(redis: RedisConnection): Promise<string | undefined> {
  try {
    return (await primariesAnswer(redis)) ? undefined : 'no PONG';
  } catch (error) {
    return errorMessage(error);
  }
}

/** Why the worker's Temporal connection gets no answer; undefined when it does. */
async function temporalProblem(worker: Worker): Promise<string | undefined> {
  const connection = worker.connection;
  if (!connection) return 'the worker has no connection';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${TEMPORAL_CHECK_TIMEOUT_MS} ms`)),
      TEMPORAL_CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([connection.workflowService.getSystemInfo({}), timeout]);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  } finally {
    clearTimeout(timer);
  }
}

/** The worker's readiness: live while it runs; ready while Redis answers too (every primary of a Cluster). */
export function createReadiness(worker: Worker, redis: RedisConnection): () => Promise<ReadinessReport> {
  return async () => {
    const state = worker.getState();
    const live = state === 'RUNNING';
    const problem = await redisProblem(redis);
    return {
      live,
      ready: problem === undefined,
      checks: {
        worker: { ok: live, detail: state },
        redis: problem === undefined ? { ok: true } : { ok: false, detail: problem },
      },
    };
  };
}

/** The worker's health, component by component (`HEALTH_COMPONENTS`). */
export function createHealth(
  worker: Worker,
  redis: RedisConnection,
  sources: StatusSources,
  config: Pick<BreakwaterConfig, 'guard' | 'health' | 'resilience'>,
): () => Promise<HealthReport> {
  return async () => {
    const [temporalError, redisError, snapshot] = await Promise.all([
      temporalProblem(worker),
      redisProblem(redis),
      readStatusSnapshot(sources, ['breakers', 'budgets', 'dlq', 'degraded']),
    ]);
    return healthReport(
      componentHealth({
        worker: worker.getStatus(),
        temporalError,
        redisError,
        snapshot,
        config,
        now: Date.parse(snapshot.at),
      }),
    );
  };
}
