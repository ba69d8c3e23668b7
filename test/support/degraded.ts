/** Degraded mode and load shedding in tests: a client whose submits pass the gate, and the mode's status. */
import type { Harness } from './harness';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { DegradedMode } from '../../src/degraded/degraded-mode';
import { SubmitGate } from '../../src/degraded/submit-gate';
import type { RedisConnection } from '../../src/redis/connection';
import { DegradedScripts } from '../../src/redis/degraded-scripts';
import { KeySpace } from '../../src/redis/keys';

/** The degraded-mode scripts on the harness's key prefix. */
export function degradedScripts(h: Harness, redis: RedisConnection): DegradedScripts {
  return new DegradedScripts(redis, new KeySpace(h.config.redis.keyPrefix));
}

/** A client of the harness's task queue whose submits pass the submit gate, as `BreakwaterClient.connect` builds it. */
export function gatedClient(h: Harness, redis: RedisConnection): BreakwaterClient {
  return BreakwaterClient.fromClient({
    client: h.temporal,
    taskQueue: h.config.temporal.taskQueue,
    policy: h.config.policy,
    taskDeadlineMs: h.config.taskDeadlineMs,
    gate: new SubmitGate({ scripts: degradedScripts(h, redis), settings: h.config.degraded }),
  });
}

/** Degraded mode of the harness's key prefix and task queue. */
export function degradedModeOf(h: Harness, redis: RedisConnection): DegradedMode {
  return new DegradedMode({
    scripts: degradedScripts(h, redis),
    settings: h.config.degraded,
    resilienceEnabled: h.config.resilience.enabled,
    taskQueue: h.config.temporal.taskQueue,
  });
}
