/**
 * The secure part of a Redis connection: the ACL user and password, and TLS for `rediss://` (a CA,
 * a client certificate, the server's name). Also says which variable to check when Redis or its TLS
 * refuses the connection, since ioredis only reports the server's words and keeps reconnecting.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, default as Redis, RedisOptions as IoRedisOptions } from 'ioredis';

/** TLS files (PEM) and the name checked against the server's certificate. */
export interface RedisTlsSettings {
  caPath?: string;
  certPath?: string;
  keyPath?: string;
  serverName?: string;
}

export interface RedisSecuritySettings {
  url: string;
  /** ACL user; without it, the URL's (else `default`). */
  username?: string;
  /** Its password; without it, the URL's. */
  password?: string;
  /** TLS settings of a `rediss://` URL. */
  tls?: RedisTlsSettings;
}

/** The ioredis options of `settings`: spread them into the connection's options. */
export function redisSecurityOptions(
  settings: RedisSecuritySettings,
): Pick<IoRedisOptions, 'username' | 'password' | 'tls'> {
  const { tls } = settings;
  return {
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...(tls.caPath === undefined ? {} : { ca: readFileSync(tls.caPath) }),
            ...(tls.certPath === undefined ? {} : { cert: readFileSync(tls.certPath) }),
            ...(tls.keyPath === undefined ? {} : { key: readFileSync(tls.keyPath) }),
            ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
          },
        }),
  };
}

/** Node's codes for a server certificate that the configured CAs do not vouch for. */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
]);

/** A refusal that retrying cannot fix: the variable to correct, and the problem in words. */
export interface RedisSecurityProblem {
  variable: string;
  problem: string;
}

/**
 * What `error` (an error event of the connection) says about the settings: wrong credentials, a
 * user without a permission, a server certificate not trusted or not matching; undefined for any
 * other error (Redis down, a timeout, a reset), which a reconnect may cure.
 */
export function redisSecurityProblem(
  error: Error & { code?: string },
  settings: RedisSecuritySettings,
): RedisSecurityProblem | undefined {
  const reply = error.message;
  // A Cluster's or Sentinel's settings have no one server URL.
  const inUrl = settings.url === '' ? new URL('redis://') : new URL(settings.url);
  if (/^(WRONGPASS|NOAUTH)/.test(reply)) {
    const user = settings.username ?? (decodeURIComponent(inUrl.username) || 'default');
    const variable =
      settings.password !== undefined || inUrl.password === '' ? 'REDIS_PASSWORD' : 'REDIS_URL';
    return { variable, problem: `Redis refused user '${user}' with this password (${reply})` };
  }
  if (/NOPERM/.test(reply)) {
    return {
      variable: settings.username !== undefined ? 'REDIS_USERNAME' : 'REDIS_URL',
      problem: `the Redis user lacks a permission Breakwater needs, see docs/redis-acl.md (${reply})`,
    };
  }
  if (error.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      variable: 'REDIS_TLS_SERVER_NAME',
      problem: `the server's certificate does not match (${reply})`,
    };
  }
  if (UNTRUSTED_CERTIFICATE_CODES.has(error.code ?? '')) {
    return {
      variable: 'REDIS_TLS_CA_PATH',
      problem: `cannot verify the Redis server's certificate (${reply})`,
    };
  }
  return undefined;
}

/**
 * Resolves with the security problem of `redis`'s first connection attempt, or with undefined once
 * it is ready or fails for another reason (an unreachable Redis is waited out elsewhere).
 */
export function firstSecurityProblem(
  redis: Redis | Cluster,
  settings: RedisSecuritySettings,
): Promise<RedisSecurityProblem | undefined> {
  if (redis.status === 'ready') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onReady = () => {
      redis.off('error', onError);
      resolve(undefined);
    };
    const onError = (error: Error) => {
      redis.off('ready', onReady);
      resolve(redisSecurityProblem(error, settings));
    };
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
