/**
 * The connection settings `loadConfig` reads: Temporal through `@temporalio/envconfig` (a TOML
 * profile, the `TEMPORAL_*` variables over it, certificates read at start-up) and Redis's ACL user
 * and TLS files. A wrong path or a half-given pair names its variable.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configError } from '../support/config-error';
import { temporalConnectionOptions } from '../../src/client/temporal-connection';
import { loadConfig } from '../../src/config';
import { redisSecurityOptions, redisSecurityProblem } from '../../src/redis/connection-security';

let dir: string;
let ca: string;
let cert: string;
let key: string;

/** A file of `text` in the test's directory. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-connection-config-'));
  ca = file('ca.pem', 'CA PEM');
  cert = file('client.pem', 'CLIENT PEM');
  key = file('client.key', 'CLIENT KEY');
});

describe('the Temporal connection', () => {
  it('is plain gRPC to localhost:7233, namespace default, without any variable or file', () => {
    const { temporal } = loadConfig({});
    expect(temporalConnectionOptions(temporal)).toEqual({ address: 'localhost:7233' });
    expect(temporal.namespace).toBe('default');
  });

  it('reads a TOML profile, and the variables override it', () => {
    const toml = file(
      'temporal.toml',
      [
        '[profile.prod]',
        'address = "prod.tmprl.cloud:7233"',
        'namespace = "prod.acct"',
        'api_key = "toml-key"',
        '[profile.prod.tls]',
        `server_ca_cert_path = "${ca}"`,
        `client_cert_path = "${cert}"`,
        `client_key_path = "${key}"`,
        'server_name = "prod.internal"',
        '[profile.prod.grpc_meta]',
        'team = "ai"',
      ].join('\n'),
    );
    const { temporal } = loadConfig({
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'other.acct',
    });
    expect(temporal).toMatchObject({
      address: 'prod.tmprl.cloud:7233',
      namespace: 'other.acct',
      apiKey: 'toml-key',
      metadata: { team: 'ai' },
      tls: {
        serverNameOverride: 'prod.internal',
        serverRootCACertificate: new Uint8Array(Buffer.from('CA PEM')),
        clientCertPair: {
          crt: new Uint8Array(Buffer.from('CLIENT PEM')),
          key: new Uint8Array(Buffer.from('CLIENT KEY')),
        },
      },
    });
  });

  it('turns TLS on with an API key, off with TEMPORAL_TLS=false, and reads PEM text', () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'k' }).temporal).toMatchObject({ apiKey: 'k', tls: true });
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'no' }).temporal.tls).toBe(false);
    expect(loadConfig({ TEMPORAL_TLS: 'yes' }).temporal.tls).toEqual({});
    expect(loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'PEM TEXT' }).temporal.tls).toEqual({
      serverRootCACertificate: new Uint8Array(Buffer.from('PEM TEXT')),
    });
  });

  it.each([
    [
      'a missing client certificate',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: '/x/y.pem' },
      "TEMPORAL_TLS_CLIENT_CERT_PATH: no such file '/x/y.pem'",
    ],
    [
      'a missing CA',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/x/ca.pem' },
      "TEMPORAL_TLS_SERVER_CA_CERT_PATH: no such file '/x/ca.pem'",
    ],
    [
      'a directory as the key',
      { TEMPORAL_TLS_CLIENT_KEY_PATH: '/tmp' },
      "TEMPORAL_TLS_CLIENT_KEY_PATH: not a file '/tmp'",
    ],
    [
      'a missing config file',
      { TEMPORAL_CONFIG_FILE: '/x/temporal.toml' },
      "TEMPORAL_CONFIG_FILE: no such file '/x/temporal.toml'",
    ],
    [
      'a certificate without its key',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: '<cert>' },
      'TEMPORAL_TLS_CLIENT_KEY_PATH: is required with a client certificate',
    ],
    [
      'a key without its certificate',
      { TEMPORAL_TLS_CLIENT_KEY_PATH: '<key>' },
      'TEMPORAL_TLS_CLIENT_CERT_PATH: is required with a client key',
    ],
    [
      'host verification turned off',
      { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' },
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: is not supported by Temporal's TypeScript SDK",
    ],
  ])('refuses %s, naming the variable', (_, env, message) => {
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, value.replace('<cert>', cert).replace('<key>', key)]),
    );
    expect(configError(resolved).message).toContain(message);
  });

  it('names the profile and the TOML key of a missing file, and an unknown profile', () => {
    const toml = file(
      'broken.toml',
      `[profile.default.tls]\nclient_cert_path = "/x/c.pem"\nclient_key_path = "${key}"\n`,
    );
    expect(configError({ TEMPORAL_CONFIG_FILE: toml }).message).toBe(
      "TEMPORAL_CONFIG_FILE: profile 'default' client_cert_path: no such file '/x/c.pem' (or set TEMPORAL_TLS_CLIENT_CERT_PATH)",
    );
    expect(configError({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' }).message).toBe(
      "TEMPORAL_PROFILE: no profile 'staging' in the config file",
    );
  });
});

describe('the Redis connection', () => {
  it('takes the ACL user and the TLS files of a rediss:// URL', () => {
    const { redis } = loadConfig({
      REDIS_URL: 'rediss://cache:6380',
      REDIS_USERNAME: 'breakwater',
      REDIS_PASSWORD: 'secret-pw',
      REDIS_TLS_CA_PATH: ca,
      REDIS_TLS_CERT_PATH: cert,
      REDIS_TLS_KEY_PATH: key,
      REDIS_TLS_SERVER_NAME: 'cache.internal',
    });
    expect(redisSecurityOptions(redis)).toEqual({
      username: 'breakwater',
      password: 'secret-pw',
      tls: {
        ca: Buffer.from('CA PEM'),
        cert: Buffer.from('CLIENT PEM'),
        key: Buffer.from('CLIENT KEY'),
        servername: 'cache.internal',
      },
    });
    expect(redisSecurityOptions(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).redis)).toEqual({ tls: {} });
  });

  it.each([
    [
      'a missing CA',
      { REDIS_URL: 'rediss://c:1', REDIS_TLS_CA_PATH: '/x/ca.pem' },
      "REDIS_TLS_CA_PATH: no such file '/x/ca.pem'",
    ],
    [
      'TLS files with a redis:// URL',
      { REDIS_TLS_CA_PATH: '<ca>' },
      'REDIS_TLS_CA_PATH: needs a rediss:// REDIS_URL (TLS)',
    ],
    [
      'a certificate without its key',
      { REDIS_URL: 'rediss://c:1', REDIS_TLS_CERT_PATH: '<cert>' },
      'REDIS_TLS_KEY_PATH: is required with REDIS_TLS_CERT_PATH',
    ],
    [
      'a password twice',
      { REDIS_URL: 'redis://u:pw@c:1', REDIS_PASSWORD: 'other' },
      'REDIS_PASSWORD: REDIS_URL carries a password too',
    ],
    [
      'a user twice',
      { REDIS_URL: 'redis://u:pw@c:1', REDIS_USERNAME: 'other' },
      'REDIS_USERNAME: REDIS_URL names a user too',
    ],
  ])('refuses %s, naming the variable', (_, env, message) => {
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [name, value.replace('<ca>', ca).replace('<cert>', cert)]),
    );
    expect(configError(resolved).message).toContain(message);
  });

  it('names the variable behind a refused password, never showing it', () => {
    const wrongPass = new Error('WRONGPASS invalid username-password pair or user is disabled.');
    const fromVariable = redisSecurityProblem(wrongPass, {
      url: 'redis://c:1',
      username: 'bw',
      password: 'pw-1',
    });
    const fromUrl = redisSecurityProblem(wrongPass, { url: 'redis://bw:pw-2@c:1' });
    expect(fromVariable).toEqual({
      variable: 'REDIS_PASSWORD',
      problem:
        "Redis refused user 'bw' with this password (WRONGPASS invalid username-password pair or user is disabled.)",
    });
    expect(fromUrl?.variable).toBe('REDIS_URL');
    expect(JSON.stringify([fromVariable, fromUrl])).not.toMatch(/pw-1|pw-2/);
    expect(
      redisSecurityProblem(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { url: 'redis://c:1' }),
    ).toBeUndefined();
  });
});
