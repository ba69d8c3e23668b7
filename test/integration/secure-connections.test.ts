/**
 * Secure connections, on real components: the suite's Temporal dev server behind a TLS terminator
 * (an HTTP/2 proxy with the test's CA: server TLS, mTLS, an API key check), and a redis-server that
 * speaks TLS only, asks for client certificates and knows one Breakwater user with the documented
 * minimal ACL (docs/redis-acl.md). The worker, the client and the CLI connect through them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { TemporalConnectionError } from '../../src/client/temporal-connection';
import { ConfigError, loadConfig } from '../../src/config';
import { FAKE_MODEL_PRICES, stackConfig } from '../../src/testing/stack-config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { createWorker } from '../../src/worker/create-worker';
import { makeCertificates, type TestCertificates } from '../support/certificates';
import { killRunning, run, runCli, TSX } from '../support/cli';
import {
  chat,
  createHarness,
  eventually,
  failureOf,
  startFakeProvider,
  testLogger,
  type Harness,
} from '../support/harness';
import { TlsProxy } from '../support/tls-proxy';
import { documentedAclRules, TlsRedis } from '../support/tls-redis';

const PREFIX = 'tls';
const REDIS_USER = 'breakwater';
const REDIS_PASSWORD = 'breakwater-password-7d2e';
const API_KEY = 'temporal-api-key-5f9a1c';

let dir: string;
let certificates: TestCertificates;
let fakeProvider: FakeProvider;
let redis: TlsRedis;
let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;
let apiKeyProxy: TlsProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
  certificates = makeCertificates(join(dir, 'certs'));
  const target = inject('stack').temporalAddress;
  [fakeProvider, redis, tlsProxy, mtlsProxy, apiKeyProxy] = await Promise.all([
    startFakeProvider(),
    TlsRedis.start(dir, certificates, [`user ${REDIS_USER} ${documentedAclRules(PREFIX, REDIS_PASSWORD)}`]),
    TlsProxy.start({ target, certificates }),
    TlsProxy.start({ target, certificates, requireClientCertificate: true }),
    TlsProxy.start({ target, certificates, apiKey: API_KEY }),
  ]);
});

afterAll(async () => {
  await Promise.all([
    fakeProvider?.stop(),
    redis?.stop(),
    tlsProxy?.close(),
    mtlsProxy?.close(),
    apiKeyProxy?.close(),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => killRunning());

/** The TLS Redis, as the restricted user with its client certificate. */
function redisEnv(): Record<string, string> {
  return {
    REDIS_USERNAME: REDIS_USER,
    REDIS_PASSWORD,
    REDIS_TLS_CA_PATH: certificates.caPath,
    REDIS_TLS_CERT_PATH: certificates.clientCertPath,
    REDIS_TLS_KEY_PATH: certificates.clientKeyPath,
  };
}

/** Temporal through `proxy`, trusting the test's CA (the certificate names `localhost`, the address is an IP). */
function temporalEnv(proxy: TlsProxy, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caPath,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    ...extra,
  };
}

const clientCertificateEnv = (): Record<string, string> => ({
  TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.clientCertPath,
  TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.clientKeyPath,
});

/** A harness whose worker connects through `temporal` and to the TLS Redis; its tasks under one prefix. */
async function harness(label: string, temporal: Record<string, string>, env: Record<string, string> = {}) {
  return createHarness(
    fakeProvider,
    label,
    { ...redisEnv(), ...temporal, REDIS_KEY_PREFIX: PREFIX, ...env },
    { redisUrl: redis.url },
  );
}

/** Runs one task to its end with a client that connects as `h.config` says (through the proxy). */
async function runTaskThroughClient(h: Harness, content: string) {
  const client = await BreakwaterClient.connect(h.config);
  try {
    return await h.run(() => client.execute(chat(content), { idempotencyKey: h.name }));
  } finally {
    await client.close();
  }
}

/** The error `work` rejects with. */
async function rejectionOf(work: Promise<unknown>): Promise<Error> {
  const outcome = await work.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome!;
}

/** What the CLI is given to reach the TLS stack. */
function cliEnv(h: Harness, temporal: Record<string, string>): Record<string, string> {
  const fake = h.config.providers.find((provider) => provider.name === 'fake')!;
  return {
    ...temporal,
    ...redisEnv(),
    TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    LLM_PROVIDERS: 'fake',
    LLM_FAKE_BASE_URL: fake.baseUrl,
    MODEL_PRICES: FAKE_MODEL_PRICES,
  };
}

describe('Temporal over TLS', () => {
  it('runs a task to DONE with the worker and the client trusting the CA; /ready pings the TLS Redis', async () => {
    const h = await harness('tls-ca', temporalEnv(tlsProxy), { HTTP_PORT: '0' });
    expect(h.config.temporal.tls).toMatchObject({ serverNameOverride: 'localhost' });
    const client = await BreakwaterClient.connect(h.config);
    const outcome = await h.run(async () => {
      const ready = await eventually(async () => {
        const response = await fetch(`${h.worker.httpUrl}/ready`);
        return response.status === 200 ? response.status : undefined;
      });
      return { ready, result: await client.execute(chat('hello over TLS'), { idempotencyKey: h.name }) };
    });
    await client.close();
    expect(outcome.ready).toBe(200);
    expect(outcome.result.ledger.state).toBe('DONE');
  });

  it('runs a task to DONE with mTLS; a client or a worker without its certificate is refused', async () => {
    const withCertificate = temporalEnv(mtlsProxy, clientCertificateEnv());
    const h = await harness('mtls', withCertificate);
    const result = await runTaskThroughClient(h, 'hello over mTLS');
    expect(result.ledger.state).toBe('DONE');

    const withoutCertificate = stackConfig(
      { temporalAddress: mtlsProxy.address, namespace: h.config.temporal.namespace, redisUrl: redis.url },
      { ...redisEnv(), ...temporalEnv(mtlsProxy), REDIS_KEY_PREFIX: PREFIX, HTTP_PORT: '-1' },
    );
    const clientError = await rejectionOf(BreakwaterClient.connect(withoutCertificate));
    const workerError = await rejectionOf(createWorker(withoutCertificate, { logger: testLogger }));
    const refused = `cannot connect to Temporal at ${mtlsProxy.address} (TEMPORAL_ADDRESS) over TLS, without a client certificate (an mTLS server needs TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH): `;
    expect(clientError).toBeInstanceOf(TemporalConnectionError);
    expect(clientError.message.startsWith(refused), clientError.message).toBe(true);
    expect(workerError).toBeInstanceOf(TemporalConnectionError);
    expect(workerError.message.startsWith(refused), workerError.message).toBe(true);
  });

  it('sends TEMPORAL_API_KEY: a task runs to DONE with the key, a wrong key is refused', async () => {
    const h = await harness('api-key', temporalEnv(apiKeyProxy, { TEMPORAL_API_KEY: API_KEY }));
    const result = await runTaskThroughClient(h, 'hello with an API key');
    expect(result.ledger.state).toBe('DONE');

    const wrongKey = loadConfig({ ...temporalEnv(apiKeyProxy), TEMPORAL_API_KEY: 'not-the-key' });
    const refused = await rejectionOf(BreakwaterClient.connect(wrongKey));
    expect(refused).toBeInstanceOf(TemporalConnectionError);
    expect(refused.message).toMatch(
      /^cannot connect to Temporal at [\d.:]+ \(TEMPORAL_ADDRESS\) over TLS with TEMPORAL_API_KEY, .*16 UNAUTHENTICATED: missing or wrong API key$/,
    );
    expect(refused.message).not.toContain('not-the-key');
  });

  it('replays a DLQ entry with the CLI through mTLS, as the ACL user over TLS', async () => {
    const temporal = temporalEnv(mtlsProxy, clientCertificateEnv());
    const h = await harness('cli-mtls', temporal, { RETRY_MAXIMUM_ATTEMPTS: '1' });
    h.fake.inject({ fault: { kind: 'status', status: 503 }, contentIncludes: 'replay me' });
    const outcome = await h.run(async () => {
      await failureOf(h.client.execute(chat('replay me'), { idempotencyKey: h.name }));
      h.fake.reset();
      const stats = await runCli(['dlq', 'stats', '--json'], cliEnv(h, temporal));
      const replayed = await runCli(['dlq', 'replay', h.name], cliEnv(h, temporal));
      const done = await h.client.result(h.name);
      return { stats, replayed, done };
    });
    expect(outcome.stats.code, outcome.stats.stderr).toBe(0);
    expect(outcome.replayed.code, outcome.replayed.stderr).toBe(0);
    expect(outcome.replayed.stdout).toMatch(/^summary: started 1 \(1 job\)$/m);
    expect(outcome.done.ledger.state).toBe('DONE');
  });
});

describe('Redis over TLS with an ACL user', () => {
  it('names REDIS_PASSWORD when Redis refuses the password: the worker and the CLI stop', async () => {
    const wrong = { ...redisEnv(), REDIS_PASSWORD: 'not-the-password' };
    const config = stackConfig(
      { temporalAddress: inject('stack').temporalAddress, namespace: 'default', redisUrl: redis.url },
      { ...wrong, REDIS_KEY_PREFIX: PREFIX, HTTP_PORT: '-1' },
    );
    const workerError = await rejectionOf(createWorker(config, { logger: testLogger }));
    const cli = await runCli(['dlq', 'stats'], { ...wrong, REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX });

    expect(workerError).toBeInstanceOf(ConfigError);
    expect(workerError.message).toMatch(
      /^REDIS_PASSWORD: Redis refused user 'breakwater' with this password \(WRONGPASS/,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(
      /REDIS_PASSWORD: Redis refused user 'breakwater' with this password \(WRONGPASS/,
    );
    expect(cli.stderr).not.toContain('not-the-password');
  });

  it('names REDIS_TLS_CA_PATH when the server certificate is not signed by that CA', async () => {
    const otherCa = makeCertificates(join(dir, 'other-ca')).caPath;
    const config = stackConfig(
      { temporalAddress: inject('stack').temporalAddress, namespace: 'default', redisUrl: redis.url },
      { ...redisEnv(), REDIS_TLS_CA_PATH: otherCa, REDIS_KEY_PREFIX: PREFIX, HTTP_PORT: '-1' },
    );
    const error = await rejectionOf(createWorker(config, { logger: testLogger }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^REDIS_TLS_CA_PATH: cannot verify the Redis server's certificate \(/);
  });

  it('stops start-up naming the variable of a missing certificate, Temporal or Redis', async () => {
    const env = { ...redisEnv(), REDIS_URL: redis.url, ...temporalEnv(mtlsProxy, clientCertificateEnv()) };
    const [temporalCertificate, redisCa] = await Promise.all([
      run(TSX, ['src/worker/main.ts'], { ...env, TEMPORAL_TLS_CLIENT_CERT_PATH: '/x/y.pem' }),
      run(TSX, ['src/worker/main.ts'], { ...env, REDIS_TLS_CA_PATH: join(dir, 'no-ca.pem') }),
    ]);
    expect(temporalCertificate.code).toBe(2);
    expect(temporalCertificate.stderr).toContain("TEMPORAL_TLS_CLIENT_CERT_PATH: no such file '/x/y.pem'");
    expect(redisCa.code).toBe(2);
    expect(redisCa.stderr).toContain(`REDIS_TLS_CA_PATH: no such file '${join(dir, 'no-ca.pem')}'`);
  });

  it('denied the ACL user no command nor key while the worker, the DLQ and the CLI ran', async () => {
    const admin = redis.admin();
    try {
      const log = (await admin.call('ACL', 'LOG')) as unknown[][];
      const denials = log
        .map((entry) => Object.fromEntries(chunks(entry)) as Record<string, unknown>)
        .filter((entry) => entry.reason !== 'auth');
      expect(denials).toEqual([]);
      expect(await admin.dbsize()).toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  });
});

/** `[k1, v1, k2, v2, …]` as `[[k1, v1], …]`. */
function chunks(flat: unknown[]): Array<[string, unknown]> {
  const pairs: Array<[string, unknown]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), flat[i + 1]]);
  return pairs;
}
