/** The Redis deployment variables: one server, a Cluster or a Sentinel-managed primary, and WAIT. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('Redis topology', () => {
  it('reads REDIS_CLUSTER_NODES as the seed nodes of a Cluster', () => {
    const { redis } = loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001,[::1]:7002 ' });
    expect(redis.cluster).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    expect(redis.sentinel).toBeUndefined();
  });

  it('reads a redis+cluster:// REDIS_URL, with its credentials', () => {
    const { redis } = loadConfig({ REDIS_URL: 'redis+cluster://bw:s%40cret@a:7000,b:7001' });
    expect(redis.cluster).toEqual({
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      username: 'bw',
      password: 's@cret',
    });
  });

  it('reads REDIS_SENTINELS with the master name and the sentinels password', () => {
    const { redis } = loadConfig({
      REDIS_SENTINELS: 's1:26379,s2:26379',
      REDIS_SENTINEL_MASTER: 'breakwater',
      REDIS_SENTINEL_PASSWORD: 'pw',
    });
    expect(redis.sentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'breakwater',
      password: 'pw',
    });
    expect(redis.cluster).toBeUndefined();
  });

  it('reads REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT_MS', () => {
    const { redis } = loadConfig({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '250' });
    expect(redis.replicaWait).toEqual({ replicas: 1, timeoutMs: 250 });
  });

  it.each([
    [
      'a node without a port',
      { REDIS_CLUSTER_NODES: 'a:7000,b' },
      'REDIS_CLUSTER_NODES',
      "item 2 must be host:port (got 'b')",
    ],
    ['a port out of range', { REDIS_SENTINELS: 'a:70000' }, 'REDIS_SENTINELS', 'must be host:port'],
    ['an empty list', { REDIS_CLUSTER_NODES: ' , ' }, 'REDIS_CLUSTER_NODES', 'at least one host:port'],
    [
      'a malformed cluster URL',
      { REDIS_URL: 'redis+cluster://a:7000,b' },
      'REDIS_URL',
      'must be redis+cluster://',
    ],
    [
      'both a Cluster and sentinels',
      { REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_MASTER: 'm' },
      'REDIS_SENTINELS',
      'cannot be used with REDIS_CLUSTER_NODES',
    ],
    [
      'a cluster URL and sentinels',
      { REDIS_URL: 'redis+cluster://a:7000', REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_MASTER: 'm' },
      'REDIS_SENTINELS',
      'redis+cluster://',
    ],
    [
      'a cluster URL and cluster nodes',
      { REDIS_URL: 'redis+cluster://a:7000', REDIS_CLUSTER_NODES: 'b:7000' },
      'REDIS_CLUSTER_NODES',
      'set one of them',
    ],
    [
      'sentinels without a master name',
      { REDIS_SENTINELS: 's:26379' },
      'REDIS_SENTINEL_MASTER',
      'is required',
    ],
    [
      'a master name without sentinels',
      { REDIS_SENTINEL_MASTER: 'm' },
      'REDIS_SENTINEL_MASTER',
      'needs REDIS_SENTINELS',
    ],
    ['a negative replica count', { REDIS_WAIT_REPLICAS: '-1' }, 'REDIS_WAIT_REPLICAS', 'between 0 and 16'],
    [
      'a WAIT as long as a command may take',
      { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '1000', REDIS_COMMAND_TIMEOUT_MS: '1000' },
      'REDIS_WAIT_TIMEOUT_MS',
      'must be below REDIS_COMMAND_TIMEOUT_MS (1000)',
    ],
  ])('refuses %s, naming %s', (_, env, variable, problem) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(problem);
  });

  it('never shows a cluster URL that it refuses (it may carry a password)', () => {
    const error = refusal({ REDIS_URL: 'redis+cluster://bw:hunter2@a:7000,b' });
    expect(error.message).not.toContain('hunter2');
  });
});
