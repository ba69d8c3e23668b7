/**
 * Fitting a conversation into a token limit by dropping its oldest history, the way the per-turn
 * token budget suggests it: system prompts and the latest turn always stay.
 */
import type { ChatMessage } from '../llm/request';
import { countMessageTokens } from './tokenizer';

/** A conversation cut to fit a token limit. */
export interface TruncationSuggestion {
  /** The kept messages, in their original order. */
  messages: ChatMessage[];
  /** Prompt tokens of `messages`, as `countMessageTokens` counts them (with the chat overhead). */
  tokens: number;
  /** How many messages were removed. */
  dropped: number;
}

/** Where the latest turn starts: the last user message, else the last non-system message. */
function latestTurnStart(messages: readonly ChatMessage[]): number {
  let fallback = messages.length;
  for (let i = messages.length - 1; i >= 0; i--) {
    const role = messages[i]?.role;
    if (role === 'user') return i;
    if (role !== 'system' && fallback === messages.length) fallback = i;
  }
  return fallback;
}

/**
 * The messages of `messages` that fit within `limitTokens`, counted with `countMessageTokens`
 * (chat overhead included).
 *
 * Every system message and the latest turn (the last user message and everything after it; without
 * a user message, the last non-system message) are always kept. Then earlier messages are added,
 * newest first, while they fit; the first that does not fit ends the search, so the kept history is
 * contiguous. The output keeps the original order.
 *
 * When the system messages and the latest turn alone exceed the limit, they are returned anyway,
 * nothing else is, and `tokens` is above `limitTokens`: the caller decides whether to refuse the
 * call. Nothing is logged; the result holds only the kept messages and two counts.
 *
 * @throws RangeError when `limitTokens` is not a positive integer.
 */
export function suggestTruncation(
  messages: readonly ChatMessage[],
  limitTokens: number,
): TruncationSuggestion {
  if (!Number.isSafeInteger(limitTokens) || limitTokens <= 0) {
    throw new RangeError(`limitTokens must be a positive integer (got ${limitTokens})`);
  }
  const overhead = countMessageTokens([]);
  const costs = messages.map((message) => countMessageTokens([message]) - overhead);
  const start = latestTurnStart(messages);
  const kept = messages.map((message, i) => i >= start || message.role === 'system');
  let tokens = overhead;
  costs.forEach((cost, i) => {
    if (kept[i]) tokens += cost;
  });
  for (let i = start - 1; i >= 0; i--) {
    if (kept[i]) continue;
    const cost = costs[i] ?? 0;
    if (tokens + cost > limitTokens) break;
    kept[i] = true;
    tokens += cost;
  }
  const result = messages.filter((_, i) => kept[i]).map((message) => ({ ...message }));
  return { messages: result, tokens, dropped: messages.length - result.length };
}
