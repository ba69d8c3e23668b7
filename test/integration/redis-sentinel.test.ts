/** Breakwater on a real Sentinel-managed Redis (a primary, a replica, three sentinels) that the test starts on loopback. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { RedisSentinelDevServer } from '../../src/testing/redis-sentinel';
import { startFakeProvider } from '../support/harness';
import { haSuite, type HaDeployment } from '../support/ha-suite';

let dir: string;
let sentinel: RedisSentinelDevServer;
let fakeProvider: FakeProvider;
let deployment: HaDeployment;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-sentinel-'));
  [sentinel, fakeProvider] = await Promise.all([RedisSentinelDevServer.start({ dir }), startFakeProvider()]);
  deployment = {
    env: { REDIS_SENTINELS: sentinel.sentinelsVariable, REDIS_SENTINEL_MASTER: sentinel.masterName },
    killPrimaryOf: () => sentinel.killPrimary(),
    waitForFailover: async (port) => {
      await sentinel.waitForFailover(port);
    },
    restart: (port) => sentinel.restart(port),
  };
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
});
