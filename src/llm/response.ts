/**
 * What one LLM call answered, provider-neutral: text and tool calls, why the model stopped, and what
 * the call used. Imported by workflow code: types and constants only.
 */

/** Why the model stopped, normalized across providers. */
export const FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'refusal'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/** A tool the model asked to call. */
export interface ResponseToolCall {
  id: string;
  name: string;
  /** The arguments exactly as the model wrote them (a JSON string, when the model wrote valid JSON). */
  arguments: string;
  /** `arguments`, parsed; absent when they do not parse as JSON. */
  input?: unknown;
}

export interface Usage {
  /** Every input token, cached ones included. */
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Input tokens read from the provider's prompt cache (billed at its cached price). */
  cachedPromptTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic bills them at a premium). */
  cacheWritePromptTokens?: number;
  /** Output tokens spent on reasoning (included in `completionTokens`). */
  reasoningTokens?: number;
}

export interface LlmResponse {
  /** The answer's text; null when the model only called tools (or said nothing). */
  text: string | null;
  /** The tools the model asked to call, in order (empty when none). */
  toolCalls: ResponseToolCall[];
  finishReason: FinishReason;
  /** The provider's own reason (`end_turn`, `tool_use`, `stop`, …), as it sent it. */
  rawFinishReason?: string;
  /** The model's refusal, when it refused. */
  refusal?: string;
  usage: Usage;
  provider: string;
  model: string;
}
