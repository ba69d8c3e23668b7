/** Breakwater on a real 3-master / 3-replica Redis Cluster that the test starts on loopback. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Redis from 'ioredis';
import { isGuardUnavailableError } from '../../src/errors';
import { functionLibrary } from '../../src/redis/function-library';
import { primariesOf } from '../../src/redis/connection';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { RedisClusterDevServer } from '../../src/testing/redis-cluster';
import { startFakeProvider } from '../support/harness';
import { admitRequest, connectHa, guardOn, haConfig, haSuite, type HaDeployment } from '../support/ha-suite';

let dir: string;
let cluster: RedisClusterDevServer;
let fakeProvider: FakeProvider;
let deployment: HaDeployment;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-cluster-'));
  [cluster, fakeProvider] = await Promise.all([RedisClusterDevServer.start({ dir }), startFakeProvider()]);
  deployment = {
    env: { REDIS_CLUSTER_NODES: cluster.nodesVariable },
    killPrimaryOf: (key) => cluster.killMasterOf(key),
    waitForFailover: (port) => cluster.waitForFailover(port),
    restart: (port) => cluster.restart(port),
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), fakeProvider?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const libraryName = () => /^#!lua name=(\S+)/.exec(functionLibrary().source)![1]!;

async function hasLibrary(node: Redis): Promise<boolean> {
  const list = (await node.function('LIST', 'LIBRARYNAME', libraryName())) as unknown[];
  return list.length > 0;
}

describe('Redis Cluster', () => {
  haSuite(
    () => deployment,
    () => fakeProvider,
  );

  it('loads the function library on every master, and again on a master that lost it', async () => {
    const config = haConfig(deployment);
    const redis = await connectHa(config);
    try {
      const { guard } = guardOn(config, redis, 'library');
      await Promise.all(primariesOf(redis).map((node) => node.function('FLUSH')));
      await guard.settle({ admission: await guard.admit(admitRequest('r', 1)), outcome: 'success' });
      const masters = primariesOf(redis);
      expect(masters).toHaveLength(3);
      expect(await Promise.all(masters.map(hasLibrary))).toEqual([true, true, true]);

      const port = await cluster.masterPortOf(config.redis.keyPrefix);
      const owner = masters.find((node) => node.options.port === port)!;
      await owner.function('FLUSH');
      await guard.settle({ admission: await guard.admit(admitRequest('r', 1)), outcome: 'success' });
      expect(await hasLibrary(owner)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it("sends REDIS_WAIT_REPLICAS' WAIT to the slot's primary: refused while that primary's replica is down", async () => {
    const config = haConfig(deployment, { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '200' });
    const redis = await connectHa(config);
    try {
      const { guard } = guardOn(config, redis, 'wait');
      const admission = await guard.admit(admitRequest('r', 1));
      await guard.settle({ admission, outcome: 'success' });
      // The other primaries keep their replicas: a WAIT sent to one of them would be acknowledged.
      const replicas = await cluster.killReplicasOf(config.redis.keyPrefix);
      try {
        const refused = await guard.admit(admitRequest('r', 1)).catch((error: unknown) => error);
        expect(isGuardUnavailableError(refused)).toBe(true);
      } finally {
        await Promise.all(replicas.map((port) => cluster.restart(port)));
      }
    } finally {
      redis.disconnect();
    }
  });
});
