/**
 * The dead-letter queue at rest: replay payloads sealed with the payload encryption keys in both
 * streams, the fields operators filter on in the clear, `dlq show` and `dlq replay` through a key
 * rotation, with real tasks failing on a real worker.
 */
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DlqEntryDetailJson } from '../../src/cli/views/dlq-entry-detail';
import type { EncryptionSettings } from '../../src/codec';
import { payloadChecksum } from '../../src/dlq/dlq-entry';
import { DlqStore } from '../../src/dlq/dlq-store';
import type { ReplayResult } from '../../src/dlq/replayer';
import { KeySpace } from '../../src/redis/keys';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { json, killRunning, runCli } from '../support/cli';
import { leakedSecrets, newRun, secretsOf } from '../support/history-at-rest';
import { closedRunsOf } from '../support/workflow-runs';
import { chat, createHarness, failureOf, startFakeProvider, type Harness } from '../support/harness';

const K1 = Buffer.alloc(32, 11).toString('base64');
const K2 = Buffer.alloc(32, 22).toString('base64');
/** Every worker knows both keys, and seals with k1 until the rotation makes k2 active. */
const BOTH_KEYS = `k1=${K1},k2=${K2}`;

interface ReplayJson {
  results: ReplayResult[];
  summary: Record<string, number>;
}

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
afterEach(() => killRunning());

/** The CLI's environment: the harness's Redis and Temporal, and the given keys (none when omitted). */
function breakwater(h: Harness, keys: Record<string, string>, ...args: string[]) {
  const { config } = h;
  return runCli(args, {
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    ...keys,
  });
}

/** Both streams' entries under `prefix`, every field and value, as Redis keeps them. */
async function streamsAtRest(prefix: string): Promise<Array<Record<string, string>>> {
  const keys = new KeySpace(prefix);
  const entries: Array<Record<string, string>> = [];
  for (const stream of ['dlqStream', 'deadStream'] as const) {
    for (const [, fields] of await redis.xrange(keys.key(stream), '-', '+')) {
      const entry: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
      entries.push(entry);
    }
  }
  return entries;
}

describe('the dead-letter queue at rest', () => {
  it('holds no secret in either stream, shows and replays through a key rotation, idempotently', async () => {
    const h = await createHarness(fakeProvider, 'dlq-at-rest', {
      RETRY_MAXIMUM_ATTEMPTS: '1',
      BREAKWATER_ENCRYPTION_KEYS: BOTH_KEYS,
      BREAKWATER_ENCRYPTION_ACTIVE_KEY: 'k1',
    });
    const { prompt, all } = secretsOf(newRun());
    h.fake.inject({ contentIncludes: 'doomed', fault: { kind: 'status', status: 503 }, times: 2 });
    h.fake.inject({ contentIncludes: 'invalid', fault: { kind: 'status', status: 400 } });
    const [doomed, invalid] = ['doomed', 'invalid'].map((kind) => `${h.name}-${kind}`) as [string, string];
    const rotated = { BREAKWATER_ENCRYPTION_KEYS: BOTH_KEYS, BREAKWATER_ENCRYPTION_ACTIVE_KEY: 'k2' };
    const onlyNewKey = { BREAKWATER_ENCRYPTION_KEYS: `k2=${K2}` };

    await h.run(async () => {
      await failureOf(h.client.execute(chat(prompt('doomed')), { idempotencyKey: doomed }));
      await failureOf(h.client.execute(chat(prompt('invalid')), { idempotencyKey: invalid }));

      // Redis at rest: the payloads sealed with k1, the fields operators filter on in the clear.
      const atRest = await streamsAtRest(h.config.redis.keyPrefix);
      expect(atRest.map((entry) => [entry.jobId, entry.reason]).sort()).toEqual([
        [doomed, 'retries_exhausted'],
        [invalid, 'invalid_input'],
      ]);
      // The last errors read in full: the workflow decodes the failures it routes.
      expect(atRest.map((entry) => [entry.jobId, entry.lastError]).sort()).toEqual([
        [doomed, 'fake answered HTTP 503 (api_error)'],
        [invalid, 'fake answered HTTP 400 (invalid_request_error)'],
      ]);
      for (const entry of atRest) {
        expect(entry).toMatchObject({ payloadKeyId: 'k1', provider: 'fake', agent: 'default' });
        expect(leakedSecrets(Object.entries(entry).flat().join('\n'), all), entry.jobId).toEqual([]);
      }

      // `dlq show` opens the payload with the keys it is given, and says when it cannot.
      const shown = await json<DlqEntryDetailJson>(breakwater(h, rotated, 'dlq', 'show', doomed, '--json'));
      expect(shown.preview).toMatchObject({ keyId: 'k1', decryptError: null, messages: 1 });
      expect(shown.request.promptChars).toBe(prompt('doomed').length);
      const keys = new KeySpace(h.config.redis.keyPrefix);
      const text = await breakwater(h, rotated, 'dlq', 'show', doomed);
      expect(text.stdout).toMatch(/payload\s+encrypted with key k1/);
      expect(leakedSecrets(text.stdout, all)).toEqual([]);
      const without = await breakwater(h, onlyNewKey, 'dlq', 'show', doomed);
      expect(without.code, without.stderr).toBe(0);
      expect(without.stdout).toMatch(
        /payload\s+does not decrypt with the configured keys: payload encrypted with unknown key id 'k1'/,
      );

      // A replay that cannot open the payload says so, fails the command, and leaves the entry.
      const refused = await breakwater(h, onlyNewKey, 'dlq', 'replay', doomed);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('1 of 1 entries do not decrypt: ');
      expect(refused.stderr).toContain("unknown key id 'k1'");
      expect((await streamsAtRest(h.config.redis.keyPrefix)).map((entry) => entry.jobId)).toContain(doomed);

      // The checksum is the plaintext's: the same when the payload is sealed again with k2.
      const before = atRest.find((entry) => entry.jobId === doomed)!;
      const rotatedSettings: EncryptionSettings = { ...h.config.encryption, activeKeyId: 'k2' };
      const rotatedStore = new DlqStore(redis, keys, h.config.dlq, rotatedSettings);
      const stored = (await rotatedStore.get(doomed))!;
      expect([stored.payloadError, stored.sealedPayload.keyId]).toEqual([undefined, 'k1']);
      const copyPrefix = `${h.config.redis.keyPrefix}-copy`;
      const copy = new DlqStore(redis, new KeySpace(copyPrefix), h.config.dlq, rotatedSettings);
      const { stream, entryId, enqueuedAt, sealedPayload, payload, ...fields } = stored;
      await copy.enqueue({ ...fields, payload: payload! }, stream);
      const [copied] = await streamsAtRest(copyPrefix);
      expect(copied).toMatchObject({ payloadKeyId: 'k2', checksum: before.checksum });
      expect(copied!.payload).not.toBe(before.payload);
      expect((await copy.get(doomed))!.payload).toEqual(payload);
      expect([entryId, enqueuedAt, sealedPayload.text]).toEqual([
        expect.any(String),
        expect.any(Number),
        before.payload,
      ]);

      // Replays after the rotation (k2 active): the first fails again, the second succeeds, the
      // third is a no-op.
      const failedAgain = await json<ReplayJson>(breakwater(h, rotated, 'dlq', 'replay', doomed, '--json'));
      expect(failedAgain.results[0]).toMatchObject({ outcome: 'started', replayCount: 1 });
      await failureOf(h.client.result(doomed));
      const again = (await rotatedStore.get(doomed))!;
      expect(again.replayCount).toBe(1);
      expect(again.payload!.input.request).toEqual(payload!.input.request);
      expect(again.checksum).toBe(payloadChecksum(again.payload!));
      const replayed = await json<ReplayJson>(breakwater(h, rotated, 'dlq', 'replay', doomed, '--json'));
      expect(replayed.results[0]).toMatchObject({ outcome: 'started', replayCount: 2 });
      await h.client.result(doomed);
      const noop = await json<ReplayJson>(breakwater(h, rotated, 'dlq', 'replay', doomed, '--json'));
      expect(noop.results[0]!.outcome).toMatch(/^already_(replayed|done)$/);
      expect(await closedRunsOf(h, doomed)).toEqual(['FAILED', 'FAILED', 'COMPLETED']);
    });
  });
});
