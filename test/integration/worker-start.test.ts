/**
 * What a worker does not do at start: build the tokenizer. Its first call builds it, and the count
 * that call's budget reserves is exact (held to js-tiktoken's own encoder).
 */
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizerLoaded } from '../../src/budget/tokenizer';
import type { FakeProvider } from '../../src/testing/fake-provider';
import { chat, createHarness, failureOf, startFakeProvider } from '../support/harness';

const reference = new Tiktoken(createRequire(__filename)('js-tiktoken/ranks/o200k_base') as TiktokenBPE);

let fakeProvider: FakeProvider;
beforeAll(async () => {
  fakeProvider = await startFakeProvider();
});
afterAll(async () => {
  await fakeProvider?.stop();
});

describe('worker start', () => {
  it('builds no tokenizer; the first call builds it and reserves its exact token count', async () => {
    const prompt = 'Count me exactly: naïve café, 12,345 tokens? 你好 👩‍💻';
    // One user message: 3 (reply priming) + 3 (message framing) + 1 ('user') + the text's tokens.
    const promptTokens = 3 + 3 + 1 + reference.encode(prompt, [], []).length;
    const maxTokens = 50;
    const h = await createHarness(fakeProvider, 'start-tokenizer', {
      TOKENS_PER_TURN: String(promptTokens + maxTokens),
    });
    expect(tokenizerLoaded()).toBe(false);

    const request = (max: number) => ({ ...chat(prompt), max_tokens: max });
    const [fits, over] = await h.run(() =>
      Promise.all([
        h.client.execute(request(maxTokens), { idempotencyKey: `${h.name}-fits`, runId: 'r', turn: 'fits' }),
        failureOf(
          h.client.execute(request(maxTokens + 1), {
            idempotencyKey: `${h.name}-over`,
            runId: 'r',
            turn: 'over',
          }),
        ),
      ]),
    );
    expect(tokenizerLoaded()).toBe(true);
    // The ceiling is exactly the worst case of the first: one token more is refused.
    expect(fits.ledger.state).toBe('DONE');
    expect(over.reason).toBe('budget_exceeded');
  });
});
