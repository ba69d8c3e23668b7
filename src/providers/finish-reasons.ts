/** Each provider's reasons for stopping, mapped to Breakwater's normalized `FinishReason`, one table per API. */
import type { FinishReason } from '../llm/response';

const OPENAI: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

const ANTHROPIC: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'refusal',
};

const TABLES = { openai: OPENAI, anthropic: ANTHROPIC } as const;

/** The normalized reason of `raw`, as `api` reports it; an unknown or missing reason is `stop`. */
export function normalizeFinishReason(api: keyof typeof TABLES, raw: unknown): FinishReason {
  const table = TABLES[api];
  return typeof raw === 'string' && Object.hasOwn(table, raw) ? table[raw]! : 'stop';
}
