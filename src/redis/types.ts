/** The shapes of a Redis deployment, as configuration describes it and `createRedis` connects to it. */

/** One server's address. */
export interface RedisNode {
  host: string;
  port: number;
}

/** A Redis Cluster: seed nodes (any few of its nodes; the rest are discovered). */
export interface RedisClusterSettings {
  nodes: RedisNode[];
  /** Data nodes' ACL user and password, from a `redis+cluster://user:password@…` URL. */
  username?: string;
  password?: string;
}

/** A primary and its replicas, watched by Redis Sentinel. */
export interface RedisSentinelSettings {
  sentinels: RedisNode[];
  /** The name the sentinels monitor the primary under. */
  masterName: string;
  /** The sentinels' own password (`requirepass` in sentinel.conf), when they have one. */
  password?: string;
}

/**
 * `WAIT` after each admission and settle: the write counts only once `replicas` replicas hold it
 * (0 = no WAIT), waiting at most `timeoutMs`.
 */
export interface ReplicaWaitSettings {
  replicas: number;
  timeoutMs: number;
}

/** One rolling latency distribution of a model's successful calls (see `lua/_latency.lua`). */
export interface LatencyDistribution {
  /** Its p95 in ms (0 with no samples). */
  p95Ms: number;
  /** The samples it holds (at most the window's 100). */
  samples: number;
}

/** A model's rolling latency, shared by every worker: whole calls, and a stream's time to first token. */
export interface ModelLatency {
  total: LatencyDistribution;
  firstToken: LatencyDistribution;
}
