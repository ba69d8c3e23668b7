/** A streamed answer reads into the same response as the same answer not streamed, in both APIs. */
import { describe, expect, it } from 'vitest';
import type { StreamDelta } from '../../src/llm/stream';
import { fromMessagesResponse } from '../../src/providers/anthropic-response';
import { MessagesStream } from '../../src/providers/anthropic-stream';
import { fromChatCompletion } from '../../src/providers/openai-response';
import { ChatCompletionStream } from '../../src/providers/openai-stream';
import type { FakeAnswer } from '../../src/testing/fake-answer';
import { answerIds, successBody } from '../../src/testing/fake-bodies';
import { sseEvents } from '../../src/testing/fake-sse';

const CALL = { provider: 'fake', model: 'fake-model' };
const USAGE = { prompt: 20, completion: 12 };

const ANSWERS: Array<[string, FakeAnswer]> = [
  ['text', { text: 'It is sunny in Paris today.', toolCalls: [], finish: 'stop', usage: USAGE }],
  [
    'two tool calls',
    {
      text: null,
      toolCalls: [
        { id: 'fake_0_0', name: 'get_weather', arguments: { city: 'Paris', units: 'metric' } },
        { id: 'fake_0_1', name: 'get_time', arguments: { zone: 'Europe/Paris' } },
      ],
      finish: 'tool_calls',
      usage: { ...USAGE, cacheRead: 8 },
    },
  ],
];

function streamOpenAi(answer: FakeAnswer, includeUsage = true) {
  const stream = new ChatCompletionStream({});
  const deltas: StreamDelta[] = [];
  for (const event of sseEvents('openai', CALL.model, answer, answerIds(answer), includeUsage)) {
    deltas.push(...stream.read({ event: event.event, data: event.data, id: undefined }));
  }
  return { stream, deltas };
}

function streamAnthropic(answer: FakeAnswer) {
  const stream = new MessagesStream({});
  const deltas: StreamDelta[] = [];
  for (const event of sseEvents('anthropic', CALL.model, answer, answerIds(answer), true)) {
    deltas.push(...stream.read({ event: event.event, data: event.data, id: undefined }));
  }
  return { stream, deltas };
}

const textOf = (deltas: StreamDelta[]) =>
  deltas.flatMap((delta) => (delta.type === 'text' ? [delta.text] : [])).join('');

describe.each(ANSWERS)('a streamed %s answer', (_name, answer) => {
  it('reads as the non-streamed Chat Completions answer, and its deltas rebuild it', () => {
    const { stream, deltas } = streamOpenAi(answer);
    expect(stream.complete).toBe(true);
    const expected = fromChatCompletion(successBody('openai', CALL.model, answer), CALL, {});
    expect(stream.response(CALL, () => expect.fail('usage was streamed'))).toEqual(expected);
    expect(textOf(deltas)).toBe(answer.text ?? '');
  });

  it('reads as the non-streamed Messages answer, and its deltas rebuild it', () => {
    const { stream, deltas } = streamAnthropic(answer);
    expect(stream.complete).toBe(true);
    const expected = fromMessagesResponse(successBody('anthropic', CALL.model, answer), CALL, {});
    expect(stream.response(CALL)).toEqual(expected);
    expect(textOf(deltas)).toBe(answer.text ?? '');
  });
});

describe('stream assembly', () => {
  it('rebuilds each tool call from its fragments, with its id and name first', () => {
    const { deltas } = streamOpenAi(ANSWERS[1]![1]);
    const first = deltas.filter((delta) => delta.type === 'tool_call' && delta.index === 0);
    expect(first[0]).toMatchObject({ id: 'call_fake_0_0', name: 'get_weather' });
    expect(first.map((delta) => (delta.type === 'tool_call' ? delta.arguments : '')).join('')).toBe(
      '{"city":"Paris","units":"metric"}',
    );
  });

  it('falls back to the given usage when an OpenAI-compatible stream reports none', () => {
    const { stream } = streamOpenAi(ANSWERS[0]![1], false);
    const usage = { promptTokens: 1, completionTokens: 2, totalTokens: 3 };
    expect(stream.response(CALL, () => usage).usage).toEqual(usage);
  });

  it('is incomplete without the final event', () => {
    const stream = new ChatCompletionStream({});
    const events = sseEvents('openai', CALL.model, ANSWERS[0]![1], answerIds(ANSWERS[0]![1]), true);
    for (const event of events.slice(0, -1))
      stream.read({ event: event.event, data: event.data, id: undefined });
    expect(stream.complete).toBe(false);
  });

  it('classifies an error event mid-stream like its status', () => {
    const stream = new MessagesStream({ provider: 'fake' });
    expect(() =>
      stream.read({
        event: 'error',
        data: '{"type":"error","error":{"type":"overloaded_error"}}',
        id: undefined,
      }),
    ).toThrow(expect.objectContaining({ type: 'RetryableExternalError', reason: 'http_529' }));
  });

  it('calls a chunk that is not JSON malformed', () => {
    expect(() => new ChatCompletionStream({}).read({ data: '{', event: undefined, id: undefined })).toThrow(
      expect.objectContaining({ reason: 'malformed_body' }),
    );
  });
});
