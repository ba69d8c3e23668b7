/** An AI SDK call as Breakwater's budgets count and price it. */
import { describe, expect, it } from 'vitest';
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { costingView, usageOf } from '../../src/ai-sdk/costing-view';
import { countMessageTokens } from '../../src/budget/tokenizer';

const PARAMS: LanguageModelV3CallOptions = {
  prompt: [
    { role: 'system', content: 'You answer customers about their orders.' },
    { role: 'user', content: [{ type: 'text', text: 'Where is A-1001?' }] },
    {
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: 'c1', toolName: 'lookupOrder', input: { orderId: 'A-1001' } },
      ],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'c1',
          toolName: 'lookupOrder',
          output: { type: 'json', value: { status: 'shipped' } },
        },
      ],
    },
  ],
  tools: [
    {
      type: 'function',
      name: 'lookupOrder',
      description: 'The status of an order',
      inputSchema: { type: 'object', properties: { orderId: { type: 'string' } } },
    },
  ],
  maxOutputTokens: 200,
};

describe('costingView', () => {
  it('carries every part the model reads, tool calls, results and definitions included', () => {
    const view = costingView('openai', 'gpt-4o-mini', PARAMS);
    expect(view).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', max_tokens: 200 });
    const texts = view.messages.map((message) => message.content);
    expect(texts[0]).toContain('"inputSchema"');
    expect(texts).toContain('lookupOrder {"orderId":"A-1001"}');
    expect(texts).toContain('{"type":"json","value":{"status":"shipped"}}');
    expect(view.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'c1' });
    expect(countMessageTokens(view.messages)).toBeGreaterThan(countMessageTokens(view.messages.slice(1, 3)));
  });
});

describe('usageOf', () => {
  it('reads the reported usage, and takes a missing count at its worst case', () => {
    const view = costingView('openai', 'gpt-4o-mini', PARAMS);
    const reported = usageOf(
      {
        inputTokens: { total: 90, noCache: 60, cacheRead: 30, cacheWrite: undefined },
        outputTokens: { total: 12, text: 10, reasoning: 2 },
      },
      view,
      500,
    );
    expect(reported).toEqual({
      promptTokens: 90,
      completionTokens: 12,
      totalTokens: 102,
      cachedPromptTokens: 30,
      reasoningTokens: 2,
    });
    const unreported = usageOf(
      {
        inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      },
      view,
      500,
    );
    expect(unreported).toEqual({ promptTokens: 300, completionTokens: 200, totalTokens: 500 });
  });
});
