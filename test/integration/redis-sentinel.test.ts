/**
 * Breakwater on a real Sentinel-managed Redis (a primary, a replica, three sentinels with a password
 * of their own) that the test starts on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, waitUntilReady } from '../../src/redis/connection';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { RedisSentinelDevServer } from '../../src/testing/redis-sentinel';
import { startFakeProvider } from '../support/harness';
import { haConfig, haSuite, sentinelDeployment, type HaDeployment } from '../support/ha-suite';

let dir: string;
let sentinel: RedisSentinelDevServer;
let fakeProvider: FakeProvider;
let deployment: HaDeployment;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-sentinel-'));
  [sentinel, fakeProvider] = await Promise.all([
    RedisSentinelDevServer.start({ dir, password: 'sentinel-secret' }),
    startFakeProvider(),
  ]);
  deployment = sentinelDeployment(sentinel, { REDIS_SENTINEL_PASSWORD: 'sentinel-secret' });
}, 60_000);

afterAll(async () => {
  await Promise.all([sentinel?.stop(), fakeProvider?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis Sentinel', () => {
  haSuite(
    () => deployment,
    () => fakeProvider,
  );

  it('cannot find the primary with a wrong REDIS_SENTINEL_PASSWORD', async () => {
    const config = haConfig(deployment, {
      REDIS_SENTINEL_PASSWORD: 'wrong',
      REDIS_COMMAND_TIMEOUT_MS: '500',
    });
    const redis = createRedis(config.redis);
    const errors: string[] = [];
    redis.on('error', (error: Error) => errors.push(error.message));
    try {
      await expect(waitUntilReady(redis, 3000)).rejects.toThrow('not ready');
      expect(errors.join('\n')).toMatch(/All sentinels are unreachable|WRONGPASS|invalid password/i);
    } finally {
      redis.disconnect();
    }
  });
});
