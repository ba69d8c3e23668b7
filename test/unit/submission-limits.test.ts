import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { jsonByteLength } from '../../src/client/request-size';
import { validateSubmission, type SubmissionLimits } from '../../src/client/validation';
import { inputRefusal } from '../support/input-refusal';

const NOW = Date.parse('2025-03-01T12:00:00.000Z');
const LIMITS: SubmissionLimits = { taskDeadlineMs: 900_000, maxRequestBytes: 4096 };

function request(content: string, provider = 'openai') {
  return { provider, model: 'gpt-4o-mini', messages: [{ role: 'user', content }] };
}

/** A request whose JSON is exactly `bytes` long (ASCII content). */
function requestOfSize(bytes: number) {
  return request('x'.repeat(bytes - jsonByteLength(request(''))));
}

function submit(req: unknown, limits: SubmissionLimits, options: Record<string, unknown> = {}) {
  return validateSubmission(req, { idempotencyKey: 'task-1', ...options }, limits, NOW);
}

describe('the size of a request', () => {
  it.each([
    ['ASCII', 'plain words'],
    ['accents, CJK and emoji', 'café 東京 🚀'],
    ['escaped characters', 'a "quote", a \\ and a\nnewline\t\u0001'],
  ])('is the bytes Temporal’s JSON payload converter stores (%s)', (_label, content) => {
    const value = request(content);
    const payload = defaultPayloadConverter.toPayload(value);
    expect(jsonByteLength(value)).toBe(payload.data?.byteLength);
  });

  it('accepts a request of exactly MAX_REQUEST_BYTES', () => {
    expect(jsonByteLength(requestOfSize(4096))).toBe(4096);
    expect(submit(requestOfSize(4096), LIMITS).request.messages).toHaveLength(1);
  });

  it('refuses a request one byte over it, naming request', () => {
    const error = inputRefusal(() => submit(requestOfSize(4097), LIMITS));
    expect(error.field).toBe('request');
    expect(error.message).toBe(
      'request: is 4097 bytes as JSON, more than the 4096 allowed (MAX_REQUEST_BYTES)',
    );
  });

  it('counts the whole request, not each message', () => {
    const turns = Array.from({ length: 20 }, (_, index) => [
      { role: 'user', content: `question ${index} ${'q'.repeat(200)}` },
      { role: 'assistant', content: `answer ${index} ${'a'.repeat(200)}` },
    ]).flat();
    const many = { ...request('last question'), messages: [...turns, { role: 'user', content: 'last' }] };
    expect(submit(many, { ...LIMITS, maxRequestBytes: 16_384 }).request.messages).toHaveLength(41);
    expect(inputRefusal(() => submit(many, LIMITS)).field).toBe('request');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const emoji = request('🚀'.repeat(1020));
    expect(emoji.messages[0]!.content.length).toBe(2040);
    expect(inputRefusal(() => submit(emoji, LIMITS)).field).toBe('request');
  });

  it('never quotes the request in the refusal', () => {
    const secret = 'my very private question';
    const error = inputRefusal(() => submit(request(secret.repeat(500)), LIMITS));
    expect(error.message).not.toContain(secret);
  });
});

describe('the providers of a submit', () => {
  const known: SubmissionLimits = { ...LIMITS, providers: ['openai', 'anthropic'] };

  it('accepts configured providers, for the request and its fallbacks', () => {
    const submission = submit(request('hi'), known, { fallbacks: [{ provider: 'anthropic' }] });
    expect(submission.fallbacks).toEqual([{ provider: 'anthropic' }]);
  });

  it('refuses an unknown request provider, naming request.provider', () => {
    const error = inputRefusal(() => submit(request('hi', 'mistral'), known));
    expect(error.field).toBe('request.provider');
    expect(error.message).toBe(
      "request.provider: 'mistral' is not a configured provider (LLM_PROVIDERS: openai, anthropic)",
    );
  });

  it('refuses an unknown fallback provider, naming its index', () => {
    const fallbacks = [{ provider: 'anthropic' }, { provider: 'mistral', model: 'large' }];
    const error = inputRefusal(() => submit(request('hi'), known, { fallbacks }));
    expect(error.field).toBe('options.fallbacks[1].provider');
    expect(error.message.startsWith("options.fallbacks[1].provider: 'mistral' is not")).toBe(true);
  });

  it('accepts any well-formed provider when the client knows none', () => {
    expect(
      submit(request('hi', 'mistral'), LIMITS, { fallbacks: [{ provider: 'local' }] }).request.provider,
    ).toBe('mistral');
  });

  it('checks the shape of a name before whether it is known', () => {
    expect(inputRefusal(() => submit(request('hi', 'Bad Name'), known)).message).toContain(
      'must be a configured provider name',
    );
  });
});
