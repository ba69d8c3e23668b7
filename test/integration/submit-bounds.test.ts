/** What a submit refuses before anything starts: a request too large for Temporal, an unknown provider. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { BreakwaterClient } from '../../src/client/breakwater-client';
import { jsonByteLength } from '../../src/client/request-size';
import { isNonRetryableInputError, type NonRetryableInputError } from '../../src/errors';
import type { LlmRequest } from '../../src/llm/request';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, failureOf, startFakeProvider } from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const WORDS = 'the quarterly report shows revenue growth across every region despite supply delays'.split(
  ' ',
);

/** Prose of `chars` characters (varied words, as a tokenizer meets them in a real prompt). */
function prose(chars: number, seed: number): string {
  const words: string[] = [];
  let length = 0;
  for (let index = seed; length < chars; index += 7) {
    const word = `${WORDS[index % WORDS.length]}${index % 13}`;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ').slice(0, chars);
}

/** A three-message conversation to the fake provider whose JSON is exactly `bytes` long. */
function requestOfSize(bytes: number): LlmRequest {
  const conversation = (chars: number): LlmRequest => ({
    ...chat(''),
    messages: [
      { role: 'user', content: prose(chars, 1) },
      { role: 'assistant', content: prose(chars, 2) },
      { role: 'user', content: prose(chars, 3) },
    ],
  });
  const perMessage = Math.floor((bytes - jsonByteLength(conversation(0))) / 3);
  const request = conversation(perMessage);
  const last = request.messages[2]!;
  last.content = `${last.content as string}${'.'.repeat(bytes - jsonByteLength(request))}`;
  return request;
}

async function refusalOf(submitting: Promise<unknown>): Promise<NonRetryableInputError> {
  const error = await submitting.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isNonRetryableInputError(error), String(error)).toBe(true);
  return error as NonRetryableInputError;
}

describe('refused at submit', () => {
  it('a request over MAX_REQUEST_BYTES, an unknown provider or fallback: the field is named and nothing starts', async () => {
    const h = await createHarness(fakeProvider, 'submit-refused');
    const client = await BreakwaterClient.connect(h.config);
    const cases: Array<[string, LlmRequest, Record<string, unknown>, string]> = [
      ['too-large', requestOfSize(h.config.maxRequestBytes + 1), {}, 'request'],
      ['unknown-provider', chat('hello', 'nobody'), {}, 'request.provider'],
      [
        'unknown-fallback',
        chat('hello'),
        { fallbacks: [{ provider: 'fake-anthropic' }, { provider: 'nobody' }] },
        'options.fallbacks[1].provider',
      ],
    ];
    try {
      await h.run(async () => {
        for (const [label, request, options, field] of cases) {
          const key = `${h.name}-${label}`;
          const error = await refusalOf(client.submit(request, { idempotencyKey: key, ...options }));
          expect(error.field).toBe(field);
          expect(error.message.startsWith(`${field}: `)).toBe(true);
          await expect(h.temporal.workflow.getHandle(`bw-task-${key}`).describe()).rejects.toBeInstanceOf(
            WorkflowNotFoundError,
          );
        }
        const started = await h.temporal.workflow.count(`TaskQueue = '${h.name}'`);
        expect(started.count).toBe(0);
      });
    } finally {
      await client.close();
    }
    expect(h.fake.stats.received).toBe(0);
  });
});

describe('accepted at the bound', () => {
  it('a request of the largest MAX_REQUEST_BYTES, with the largest meta, passes every payload of a task', async () => {
    const ceiling = 2 * 1024 * 1024 - 64 * 1024;
    const h = await createHarness(fakeProvider, 'submit-ceiling', {
      MAX_REQUEST_BYTES: String(ceiling),
      // Half a million tokens would pass no default budget.
      BUDGET_ENABLED: 'false',
    });
    const client = await BreakwaterClient.connect(h.config);
    const request = requestOfSize(ceiling);
    expect(jsonByteLength(request)).toBe(ceiling);
    // A provider's refusal of the input fails the task: workflow input, activity input and the
    // dead-letter routing's input all carry the request.
    h.fake.inject({ fault: { kind: 'status', status: 422 } });
    try {
      const error = await h.run(() =>
        failureOf(
          client.execute(request, {
            idempotencyKey: `${h.name}-${'k'.repeat(200 - h.name.length - 1)}`,
            runId: 'r'.repeat(200),
            turn: 't'.repeat(100),
            operation: 'o'.repeat(100),
            agent: 'a'.repeat(100),
            fallbacks: [{ provider: 'fake-anthropic', model: 'm'.repeat(200) }],
          }),
        ),
      );
      expect(error.reason).toBe('invalid_input');
    } finally {
      await client.close();
    }
    expect(h.fake.stats.received).toBe(1);
  });
});
