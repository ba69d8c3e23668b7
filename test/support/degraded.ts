/** Degraded mode and load shedding in tests: a client whose submits pass the gate, and the mode's status. */
import type { Client } from '@temporalio/client';
import type { Harness } from './harness';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import type { BreakwaterConfig } from '../../src/config';
import { DegradedMode } from '../../src/degraded/degraded-mode';
import { SubmitGate } from '../../src/degraded/submit-gate';
import type { RedisConnection } from '../../src/redis/connection';
import { DegradedScripts } from '../../src/redis/degraded-scripts';
import { KeySpace } from '../../src/redis/keys';

/** The degraded-mode scripts on the key prefix of `config`. */
export function degradedScripts(config: BreakwaterConfig, redis: RedisConnection): DegradedScripts {
  return new DegradedScripts(redis, new KeySpace(config.redis.keyPrefix));
}

/** A client of the task queue of `config` whose submits pass the submit gate, as `BreakwaterClient.connect` builds it. */
export function gatedClient(
  config: BreakwaterConfig,
  temporal: Client,
  redis: RedisConnection,
): BreakwaterClient {
  return BreakwaterClient.fromClient({
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    policy: config.policy,
    taskDeadlineMs: config.taskDeadlineMs,
    gate: new SubmitGate({ scripts: degradedScripts(config, redis), settings: config.degraded }),
  });
}

/** Degraded mode of the harness's key prefix and task queue. */
export function degradedModeOf(h: Harness, redis: RedisConnection): DegradedMode {
  return new DegradedMode({
    scripts: degradedScripts(h.config, redis),
    settings: h.config.degraded,
    resilienceEnabled: h.config.resilience.enabled,
    taskQueue: h.config.temporal.taskQueue,
  });
}
