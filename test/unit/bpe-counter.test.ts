import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { describe, expect, it } from 'vitest';
import { BpeCounter } from '../../src/budget/bpe-counter';

const ranks = createRequire(__filename)('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
// The reference: js-tiktoken's own encoder, special-token markers counted as plain text.
const reference = new Tiktoken(ranks);
const referenceCount = (text: string) => reference.encode(text, [], []).length;
const counter = BpeCounter.fromRanks(ranks);

const PIECES = [
  'hello',
  ' world',
  "'s",
  '  ',
  '\n\n',
  '123456',
  'é',
  '你好',
  '👩‍💻',
  '<|endoftext|>',
  '-->',
  'Ünïcødé',
];

describe('BpeCounter', () => {
  it('counts as js-tiktoken encodes: prose, code, scripts, emoji and special-token markers', () => {
    const texts = [
      '',
      'hello world',
      'function retry(attempt: number): number {\n  return Math.min(30_000, 1000 * 2 ** (attempt - 1));\n}\n',
      '我们今天讨论的是分布式系统中的容错机制，以及预算控制。',
      'emoji 👩‍💻 and URLs https://example.com/a/b?c=d&e=f#g',
      'a <|endofprompt|> b <|endoftext|>',
      'supercalifragilisticexpialidocious antidisestablishmentarianism',
    ];
    for (const text of texts) expect(counter.count(text), text).toBe(referenceCount(text));
  });

  it('counts any text as js-tiktoken encodes it', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40, unit: 'grapheme' }),
      fc.string({ maxLength: 40, unit: 'binary' }),
      fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, (value) => counter.count(value) === referenceCount(value)),
      { numRuns: 1000 },
    );
  });
});
