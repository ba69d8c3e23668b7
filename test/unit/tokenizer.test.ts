import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { describe, expect, it } from 'vitest';
import {
  countMessageTokens,
  countTextTokens,
  loadTokenizer,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
} from '../../src/budget/tokenizer';
import { contentText } from '../../src/llm/content';
import type { ChatMessage } from '../../src/llm/request';

// The reference: js-tiktoken's own o200k_base encoder, used directly.
const reference = new Tiktoken(createRequire(__filename)('js-tiktoken/ranks/o200k_base') as TiktokenBPE);
const referenceCount = (text: string) => reference.encode(text, [], []).length;

describe('countTextTokens', () => {
  it.each([
    ['hello world', 2],
    ['Hello, world!', 4],
    ['The quick brown fox jumps over the lazy dog.', 10],
    ['héllo wörld 你好', 7],
    ['system', 1],
    ['user', 1],
    ['assistant', 1],
    [' ', 1],
    ['', 0],
  ])('counts %j as %i o200k_base tokens', (text, expected) => {
    expect(countTextTokens(text)).toBe(expected);
    expect(referenceCount(text)).toBe(expected);
  });

  it('matches the library on ordinary prose, code and mixed scripts', () => {
    const texts = [
      'Budgets reserve the worst-case cost of each call before it is made.',
      'function retry(attempt: number): number {\n  return Math.min(30_000, 1000 * 2 ** (attempt - 1));\n}\n',
      'Customers in Zürich and São Paulo saw p99 latency rise from 840 ms to 3.2 s (HTTP 503).',
      '我们今天讨论的是分布式系统中的容错机制，以及预算控制。',
      'emoji 👩‍💻 and URLs https://example.com/a/b?c=d&e=f#g',
    ];
    for (const text of texts) expect(countTextTokens(text)).toBe(referenceCount(text));
  });

  it('counts special-token markers in user text as plain text instead of throwing', () => {
    expect(countTextTokens('<|endoftext|>')).toBe(7);
    expect(countTextTokens('a <|endofprompt|> b')).toBeGreaterThan(2);
  });

  it('grows with the text', () => {
    const counts = [1, 2, 4, 8, 16].map((n) => countTextTokens('hello world. '.repeat(n)));
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1] ?? 0);
  });

  it('counts long runs of one character class in slices of 32, fast', () => {
    // Exactly: 20,000 letters 'a' are 2,500 tokens; the library alone takes close to a minute.
    const started = performance.now();
    expect(countTextTokens('a'.repeat(20_000))).toBe(2500);
    const spaces = countTextTokens(' '.repeat(20_000));
    const dashes = countTextTokens('-'.repeat(20_000));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(spaces).toBe(625);
    expect(dashes).toBe(625);
    // A run just above the slice length: exact count is 1 token for 40 spaces, sliced 32 + 8 gives 2.
    expect(countTextTokens(' '.repeat(40))).toBeGreaterThanOrEqual(referenceCount(' '.repeat(40)));
  });

  it('slices long runs by code point, keeping surrogate pairs whole', () => {
    const text = '𠀀'.repeat(40);
    expect(countTextTokens(text)).toBe(referenceCount('𠀀'.repeat(32)) + referenceCount('𠀀'.repeat(8)));
  });

  it('loads once, on demand or ahead of time', () => {
    loadTokenizer();
    loadTokenizer();
    expect(countTextTokens('hello world')).toBe(2);
  });
});

describe('countMessageTokens', () => {
  it('is 3 for no messages: the reply priming alone', () => {
    expect(REPLY_PRIMING_TOKENS).toBe(3);
    expect(countMessageTokens([])).toBe(3);
  });

  it('adds 3 per message plus its role and content tokens', () => {
    expect(TOKENS_PER_MESSAGE).toBe(3);
    // 3 (priming) + 3 (message) + 1 ('user') + 2 ('hello world')
    expect(countMessageTokens([{ role: 'user', content: 'hello world' }])).toBe(9);
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello, world!' },
      { role: 'assistant', content: 'Hello! How can I help?' },
    ];
    const expected =
      3 + messages.reduce((sum, message) => sum + 3 + 1 + referenceCount(contentText(message.content)), 0);
    expect(countMessageTokens(messages)).toBe(expected);
  });

  it('is additive: a conversation counts as the sum of its messages', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer concisely.' },
      { role: 'user', content: 'What opens a circuit breaker?' },
      { role: 'assistant', content: 'Five consecutive counted failures.' },
    ];
    const parts = messages.map((message) => countMessageTokens([message]) - countMessageTokens([]));
    expect(countMessageTokens(messages)).toBe(3 + parts.reduce((a, b) => a + b, 0));
  });

  it('counts an empty content as the framing and the role only', () => {
    expect(countMessageTokens([{ role: 'assistant', content: '' }])).toBe(3 + 3 + 1);
  });

  it('grows with the content', () => {
    const short = countMessageTokens([{ role: 'user', content: 'hi' }]);
    const long = countMessageTokens([{ role: 'user', content: 'hi there, how are you today?' }]);
    expect(long).toBeGreaterThan(short);
  });
});
