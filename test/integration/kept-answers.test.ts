/**
 * The answers kept for a retry whose completion was lost, at rest: sealed with the payload
 * encryption keys, expiring, none with `ANSWER_RECOVERY_TTL_SEC=0`, and a store or a read that
 * fails (Redis unreachable, a key no longer configured) never failing the call. On the shared
 * stack's Redis and Temporal, with the fake provider.
 */
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KeptAnswers, type CallIdentity, type KeptAnswer } from '../../src/answers/kept-answers';
import { JsonSealer, type SealedJson } from '../../src/codec/sealed-json';
import type { EncryptionSettings } from '../../src/codec/types';
import { createRedis, type RedisConnection } from '../../src/redis/connection';
import { KeySpace } from '../../src/redis/keys';
import { fakeReply } from '../../src/testing/fake-answer';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { freePort } from '../../src/free-port';
import {
  chat,
  connectStackRedis,
  createHarness,
  startFakeProvider,
  testLogger,
  uniqueName,
  type Harness,
} from '../support/harness';

const K1 = Buffer.alloc(32, 31).toString('base64');
const K2 = Buffer.alloc(32, 32).toString('base64');
const key = (id: string, material: string) => ({ id, key: Buffer.from(material, 'base64') });
const SEALED_WITH_K1: EncryptionSettings = {
  mode: 'required',
  keys: [key('k1', K1)],
  activeKeyId: 'k1',
  compression: 'off',
};

let fakeProvider: FakeProvider;
let redis: Redis;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
  redis = new Redis(inject('stack').redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await fakeProvider.stop();
  await redis.quit();
});

/** The kept answers under the harness's key prefix, as Redis holds them. */
async function keptAtRest(h: Harness): Promise<Array<{ sealed: SealedJson; ttlMs: number }>> {
  const keys = await redis.keys(`${new KeySpace(h.config.redis.keyPrefix).slot()}:answer:*`);
  return Promise.all(
    keys.map(async (name) => ({
      sealed: JSON.parse((await redis.get(name))!) as SealedJson,
      ttlMs: await redis.pttl(name),
    })),
  );
}

const call = (): CallIdentity => ({ workflowId: uniqueName('wf'), runId: 'run-1', activityId: '1' });

describe('kept answers at rest', () => {
  it('seals each answer with the active payload key, beside its key id, and lets it expire', async () => {
    const h = await createHarness(fakeProvider, 'kept-sealed', {
      BREAKWATER_ENCRYPTION_KEYS: `k1=${K1}`,
      ANSWER_RECOVERY_TTL_SEC: '120',
    });
    const prompt = `summarise ${h.name}`;
    const result = await h.run(() => h.client.execute(chat(prompt), { idempotencyKey: h.name }));

    const [kept, ...others] = await keptAtRest(h);
    expect(others).toHaveLength(0);
    expect(kept!.sealed.keyId).toBe('k1');
    expect(kept!.sealed.text).not.toContain(fakeReply(prompt));
    expect(kept!.sealed.text).not.toContain(h.name);
    expect(kept!.ttlMs).toBeGreaterThan(0);
    expect(kept!.ttlMs).toBeLessThanOrEqual(120_000);
    const opened = await new JsonSealer(h.config.encryption).open<KeptAnswer>(kept!.sealed);
    expect(opened.response).toEqual(result.response);
    expect(opened.attempt).toBe(1);
  });

  it('keeps nothing with ANSWER_RECOVERY_TTL_SEC=0', async () => {
    const h = await createHarness(fakeProvider, 'kept-off', { ANSWER_RECOVERY_TTL_SEC: '0' });
    const result = await h.run(() => h.client.execute(chat('hello'), { idempotencyKey: h.name }));
    expect(result.ledger.state).toBe('DONE');
    expect(await keptAtRest(h)).toHaveLength(0);
  });
});

describe('kept answers that cannot be stored or read', () => {
  const answer: KeptAnswer = {
    response: {
      provider: 'fake',
      model: 'fake-model',
      text: 'kept',
      toolCalls: [],
      finishReason: 'stop',
      usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 },
    },
    attempt: 1,
    latencyMs: 5,
  };

  it('a key no longer configured reads as no kept answer (the provider is called again), not as an error', async () => {
    const connection = await connectStackRedis();
    try {
      const keys = new KeySpace(`t:${uniqueName('kept-rotated')}`);
      const sealing = new KeptAnswers(connection, keys, { ttlMs: 60_000 }, SEALED_WITH_K1, testLogger);
      const rotated = new KeptAnswers(
        connection,
        keys,
        { ttlMs: 60_000 },
        { ...SEALED_WITH_K1, keys: [key('k2', K2)], activeKeyId: 'k2' },
        testLogger,
      );
      const identity = call();
      await sealing.keep(identity, answer);
      expect(await rotated.recover(identity)).toBeUndefined();
      expect(await sealing.recover(identity)).toEqual(answer);
      expect(await sealing.recover(call())).toBeUndefined();
    } finally {
      connection.disconnect();
    }
  });

  it('an unreachable Redis neither fails the keep nor the read', async () => {
    const connection: RedisConnection = createRedis({
      url: `redis://127.0.0.1:${await freePort()}`,
      commandTimeoutMs: 300,
    });
    connection.on('error', () => undefined);
    try {
      const answers = new KeptAnswers(
        connection,
        new KeySpace('t:kept-down'),
        { ttlMs: 60_000 },
        SEALED_WITH_K1,
        testLogger,
      );
      await expect(answers.keep(call(), answer)).resolves.toBeUndefined();
      await expect(answers.recover(call())).resolves.toBeUndefined();
    } finally {
      connection.disconnect();
    }
  });
});
