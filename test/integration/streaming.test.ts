/**
 * Streamed tasks on the real stack: live deltas in order, the same durable answer as a
 * non-streamed call, and stalls, cuts and a killed worker that retry without a half answer DONE.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TaskStreamEvent } from '../../src/llm/stream';
import { FAKE_MODEL_PRICES } from '../../src/testing/stack-config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { killRunning, start, TSX } from '../support/cli';
import {
  chat,
  createHarness,
  eventually,
  FAST_POLICY_ENV,
  startFakeProvider,
  type Harness,
} from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});
afterEach(() => killRunning());

const PROMPT = 'Explain, in a sentence or two, why answers are streamed to people who wait for them.';
const ANSWER =
  'People see the first words at once and read while the rest arrives, so a long answer feels short.';
/** Every call of a scenario answers `ANSWER`, which streams in about twenty pieces. */
const SCRIPT = { script: [{ text: ANSWER }] };
const streamed = (content = PROMPT) => ({ ...chat(content), stream: true });

/** Every event of the task's stream, in order. */
async function collect(h: Harness, key: string): Promise<TaskStreamEvent[]> {
  const events: TaskStreamEvent[] = [];
  for await (const event of h.client.stream(key)) events.push(event);
  return events;
}

const textOf = (events: TaskStreamEvent[], attempt: number) =>
  events
    .flatMap((event) =>
      event.type === 'delta' && event.attempt === attempt && event.delta.type === 'text'
        ? [event.delta.text]
        : [],
    )
    .join('');

describe('streamed tasks', () => {
  it('deliver their deltas live and in order, and end with the answer a non-streamed task gets', async () => {
    const h = await createHarness(fakeProvider, 'stream-live');
    h.fake.configure({ ...SCRIPT, chunkDelayMs: 20 });
    const { events, plain } = await h.run(async () => {
      await h.client.submit(streamed(), { idempotencyKey: h.name });
      const events = await collect(h, h.name);
      const plain = await h.client.execute(chat(PROMPT), { idempotencyKey: `${h.name}-plain` });
      return { events, plain };
    });
    expect(events[0]).toEqual({ type: 'attempt', attempt: 1 });
    expect(events.filter((event) => event.type === 'delta').length).toBeGreaterThan(3);
    const last = events.at(-1);
    if (last?.type !== 'response') throw new Error('the stream must end with the response');
    expect(last.response).toEqual(plain.response);
    expect(textOf(events, 1)).toBe(plain.response.text);
  });

  it('retry a stall before the first token after the first-token timeout', async () => {
    const h = await createHarness(fakeProvider, 'stream-stall', { LLM_FIRST_TOKEN_TIMEOUT_MS: '300' });
    h.fake.configure(SCRIPT).inject({ fault: { kind: 'stream_stall' }, times: 1 });
    const result = await h.run(() => h.client.execute(streamed(), { idempotencyKey: h.name }));
    expect(result.attempts).toBe(2);
    expect(result.response.text).toBe(ANSWER);
    expect(result.ledger.entries.map((entry) => entry.to)).toEqual([
      'QUEUED',
      'RUNNING',
      'RETRY',
      'RUNNING',
      'DONE',
    ]);
    expect(result.ledger.entries[2]).toMatchObject({ errorType: 'RetryableExternalError' });
  });

  it('retry a stream cut mid-way, and never end DONE with half an answer', async () => {
    const h = await createHarness(fakeProvider, 'stream-cut');
    h.fake
      .configure({ ...SCRIPT, chunkDelayMs: 10 })
      .inject({ fault: { kind: 'stream_cut', afterEvents: 4 }, times: 1 });
    const events = await h.run(async () => {
      await h.client.submit(streamed(), { idempotencyKey: h.name });
      return collect(h, h.name);
    });
    const attempts = events.filter((event) => event.type === 'attempt').map((event) => event.attempt);
    expect(attempts).toEqual([1, 2]);
    expect(ANSWER.startsWith(textOf(events, 1))).toBe(true);
    expect(textOf(events, 1)).not.toBe(ANSWER);
    const last = events.at(-1);
    expect(last).toMatchObject({
      type: 'response',
      response: { text: ANSWER, finishReason: 'stop' },
    });
    expect(textOf(events, 2)).toBe(ANSWER);
    expect(h.fake.stats.byOutcome).toMatchObject({ stream_cut: 1, '200': 1 });
  });

  it(
    'finish on another worker when the streaming worker is killed mid-stream',
    { timeout: 120_000 },
    async () => {
      const stack = inject('stack');
      const h = await createHarness(fakeProvider, 'stream-kill');
      h.fake.configure({ ...SCRIPT, chunkDelayMs: 150 });
      const child = start(TSX, ['src/worker/main.ts'], {
        ...FAST_POLICY_ENV,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_NAMESPACE: stack.namespace,
        TEMPORAL_TASK_QUEUE: h.config.temporal.taskQueue,
        REDIS_URL: stack.redisUrl,
        REDIS_KEY_PREFIX: h.config.redis.keyPrefix,
        LLM_PROVIDERS: 'fake',
        LLM_FAKE_BASE_URL: h.fake.openAiBaseUrl,
        MODEL_PRICES: FAKE_MODEL_PRICES,
        LOG_LEVEL: 'warn',
      });
      await h.client.submit(streamed(), { idempotencyKey: h.name });
      const events: TaskStreamEvent[] = [];
      const reading = (async () => {
        for await (const event of h.client.stream(h.name)) events.push(event);
      })();
      await eventually(() => (events.some((event) => event.type === 'delta') ? true : undefined), 60_000);
      // The whole group: tsx and the worker's node process under it.
      process.kill(-child.child.pid!, 'SIGKILL');
      await child.exited;
      const result = await h.run(async () => {
        await reading;
        return h.client.result(h.name);
      });
      const attempts = events.filter((event) => event.type === 'attempt').map((event) => event.attempt);
      expect(attempts).toEqual([1, 2]);
      expect(events.at(-1)).toMatchObject({ type: 'response', response: { text: ANSWER } });
      expect(result.attempts).toBe(2);
    },
  );
});
