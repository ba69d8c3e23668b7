import { describe, expect, it } from 'vitest';
import { countMessageTokens } from '../../src/budget/tokenizer';
import { suggestTruncation } from '../../src/budget/truncation';
import type { ChatMessage } from '../../src/llm/request';

const system: ChatMessage = { role: 'system', content: 'You are a careful assistant. Answer concisely.' };
const history: ChatMessage[] = [
  { role: 'user', content: 'First question: what opens a circuit breaker in this system?' },
  { role: 'assistant', content: 'Five consecutive counted failures open it for sixty seconds.' },
  { role: 'user', content: 'Second question: what happens to a call while the breaker is open?' },
  { role: 'assistant', content: 'It fails fast and the task waits, blocked, until a probe may run.' },
  { role: 'user', content: 'Third question: and how are budgets kept across workers?' },
  { role: 'assistant', content: 'In Redis: each call reserves its worst-case cost before it is made.' },
];
const latest: ChatMessage = { role: 'user', content: 'Last question: summarise all of that in one line.' };
const conversation: ChatMessage[] = [system, ...history, latest];

/** Tokens one message adds to a request. */
const cost = (message: ChatMessage) => countMessageTokens([message]) - countMessageTokens([]);

describe('suggestTruncation', () => {
  it('keeps everything when it fits', () => {
    const limit = countMessageTokens(conversation);
    const result = suggestTruncation(conversation, limit);
    expect(result).toEqual({ messages: conversation, tokens: limit, dropped: 0 });
  });

  it('fits within the limit, and reports the count of what it kept', () => {
    const full = countMessageTokens(conversation);
    for (const limit of [full - 1, full - 20, Math.floor(full / 2)]) {
      const result = suggestTruncation(conversation, limit);
      expect(result.tokens).toBeLessThanOrEqual(limit);
      expect(result.tokens).toBe(countMessageTokens(result.messages));
      expect(result.dropped).toBe(conversation.length - result.messages.length);
    }
  });

  it('drops the oldest history first and keeps the newest that fits, in order', () => {
    const mandatory = countMessageTokens([system, latest]);
    const newestTwo = history.slice(-2);
    const limit = mandatory + newestTwo.reduce((sum, message) => sum + cost(message), 0);
    const result = suggestTruncation(conversation, limit);
    expect(result.messages).toEqual([system, ...newestTwo, latest]);
    expect(result.tokens).toBe(limit);
    expect(result.dropped).toBe(4);
  });

  it('keeps the kept history contiguous: it stops at the first message that does not fit', () => {
    const big: ChatMessage = { role: 'assistant', content: 'A long answer. '.repeat(200) };
    const small: ChatMessage = { role: 'user', content: 'ok' };
    const messages: ChatMessage[] = [system, small, big, small, latest];
    const limit = countMessageTokens([system, small, small, latest]);
    const result = suggestTruncation(messages, limit);
    expect(result.messages).toEqual([system, small, latest]);
    expect(result.dropped).toBe(2);
  });

  it('always keeps every system message and the latest turn, wherever the system messages are', () => {
    const reminder: ChatMessage = { role: 'system', content: 'Reminder: never reveal secrets.' };
    const reply: ChatMessage = { role: 'assistant', content: 'Working on it.' };
    const messages: ChatMessage[] = [
      system,
      ...history.slice(0, 3),
      reminder,
      ...history.slice(3),
      latest,
      reply,
    ];
    const limit = countMessageTokens([system, reminder, latest, reply]);
    const result = suggestTruncation(messages, limit);
    expect(result.messages).toEqual([system, reminder, latest, reply]);
    expect(result.tokens).toBe(limit);
    expect(result.dropped).toBe(history.length);
  });

  it('returns the system messages and the latest turn even when they alone overflow the limit', () => {
    const result = suggestTruncation(conversation, 10);
    expect(result.messages).toEqual([system, latest]);
    expect(result.tokens).toBe(countMessageTokens([system, latest]));
    expect(result.tokens).toBeGreaterThan(10);
    expect(result.dropped).toBe(history.length);
  });

  it('without a user message, keeps the last non-system message as the latest turn', () => {
    const answer: ChatMessage = { role: 'assistant', content: 'An answer that stands alone.' };
    const older: ChatMessage = { role: 'assistant', content: 'An older answer.' };
    const result = suggestTruncation([system, older, answer], 1);
    expect(result.messages).toEqual([system, answer]);
    expect(result.dropped).toBe(1);
  });

  it('keeps or drops an assistant tool call and the tool messages answering it together', () => {
    const question: ChatMessage = { role: 'user', content: 'Weather in Zürich and Bern?' };
    const calls: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: ['call_1', 'call_2'].map((id) => ({
        id,
        type: 'function' as const,
        function: { name: 'get_weather', arguments: '{"city":"Zürich"}' },
      })),
    };
    const answers: ChatMessage[] = [
      { role: 'tool', content: '{"temp_c":21}', tool_call_id: 'call_1' },
      { role: 'tool', content: '{"temp_c":19}', tool_call_id: 'call_2' },
    ];
    const summary: ChatMessage = { role: 'assistant', content: 'Warm in both.' };
    const messages: ChatMessage[] = [system, question, calls, ...answers, summary, latest];
    // Room for the last tool answer, not for the call it answers: the whole group goes.
    const tight = countMessageTokens([system, summary, answers[1]!, latest]);
    expect(suggestTruncation(messages, tight).messages).toEqual([system, summary, latest]);
    // Room for the group: it stays whole.
    const roomy = countMessageTokens([system, calls, ...answers, summary, latest]);
    expect(suggestTruncation(messages, roomy).messages).toEqual([system, calls, ...answers, summary, latest]);
  });

  it('without a user message, keeps the tool round trip the last message belongs to', () => {
    const calls: ChatMessage = {
      role: 'assistant',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '{}' } }],
    };
    const answer: ChatMessage = { role: 'tool', content: '12:00', tool_call_id: 'call_1' };
    const older: ChatMessage = { role: 'assistant', content: 'An older answer.' };
    expect(suggestTruncation([system, older, calls, answer], 1).messages).toEqual([system, calls, answer]);
  });

  it('handles an empty conversation', () => {
    expect(suggestTruncation([], 100)).toEqual({ messages: [], tokens: 3, dropped: 0 });
  });

  it('returns new message objects and leaves its input alone', () => {
    const input = conversation.map((message) => ({ ...message }));
    const result = suggestTruncation(input, 1_000_000);
    expect(result.messages).toEqual(input);
    expect(result.messages[0]).not.toBe(input[0]);
    expect(input).toEqual(conversation);
  });

  it.each([0, -5, 1.5, NaN, Infinity])(
    'refuses the limit %s with a RangeError naming limitTokens',
    (limit) => {
      expect(() => suggestTruncation(conversation, limit)).toThrow(RangeError);
      expect(() => suggestTruncation(conversation, limit)).toThrow(/limitTokens/);
    },
  );
});
