/**
 * Structured output through a task: a `json_schema` request gets JSON that parses and fits the
 * schema; a provider that cannot express it (Anthropic) refuses it before any call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmRequest } from '../../src/llm/request';
import { FAKE_ANTHROPIC } from '../../src/testing/stack-config';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, failureOf, startFakeProvider } from '../support/harness';

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider.stop();
});

const SCHEMA = {
  type: 'object',
  properties: {
    sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative'] },
    score: { type: 'number' },
    topics: { type: 'array', items: { type: 'string' } },
  },
  required: ['sentiment', 'score', 'topics'],
  additionalProperties: false,
};

const structured = (provider?: string): LlmRequest => ({
  ...chat('The delivery was late but the support team was lovely.', provider),
  response_format: { type: 'json_schema', json_schema: { name: 'review', schema: SCHEMA, strict: true } },
});

describe('structured output', () => {
  it('answers json_schema with JSON that parses and fits the schema', async () => {
    const h = await createHarness(fakeProvider, 'json-schema');
    const result = await h.run(() => h.client.execute(structured(), { idempotencyKey: h.name }));
    const parsed = JSON.parse(result.response.text!) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['score', 'sentiment', 'topics']);
    expect(['positive', 'neutral', 'negative']).toContain(parsed.sentiment);
    expect(typeof parsed.score).toBe('number');
    expect(Array.isArray(parsed.topics)).toBe(true);
    const sent = h.fake.requests[0]!.body as { response_format?: unknown };
    expect(sent.response_format).toEqual(structured().response_format);
  });

  it('refuses json_schema for Anthropic before any call, naming the field', async () => {
    const h = await createHarness(fakeProvider, 'json-schema-anthropic');
    const error = await h.run(() =>
      failureOf(h.client.execute(structured(FAKE_ANTHROPIC), { idempotencyKey: h.name })),
    );
    expect(error).toMatchObject({ reason: 'invalid_input', errorType: 'NonRetryableInputError' });
    expect(error.ledger?.attempts).toBe(1);
    expect(h.fake.stats.received).toBe(0);
  });
});
