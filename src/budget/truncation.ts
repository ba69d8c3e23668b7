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

/**
 * For each message, where the group it must stay with starts: a tool message stays with the
 * assistant message whose tool calls it answers (and the other answers to it), or the conversation
 * would be refused; any other message stands alone.
 */
function groupStarts(messages: readonly ChatMessage[]): number[] {
  const starts: number[] = [];
  messages.forEach((message, i) => starts.push(message.role === 'tool' && i > 0 ? (starts[i - 1] ?? i) : i));
  return starts;
}

/** Where the latest turn starts: the last user message, else the group of the last non-system message. */
function latestTurnStart(messages: readonly ChatMessage[], starts: readonly number[]): number {
  let fallback = messages.length;
  for (let i = messages.length - 1; i >= 0; i--) {
    const role = messages[i]?.role;
    if (role === 'user') return i;
    if (role !== 'system' && fallback === messages.length) fallback = starts[i] ?? i;
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
 * contiguous. An assistant message that calls tools and the tool messages answering it are kept or
 * dropped together. The output keeps the original order.
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
  const starts = groupStarts(messages);
  const start = latestTurnStart(messages, starts);
  const kept = messages.map((message, i) => i >= start || message.role === 'system');
  let tokens = overhead;
  costs.forEach((cost, i) => {
    if (kept[i]) tokens += cost;
  });
  for (let end = start - 1; end >= 0; end--) {
    if (kept[end]) continue;
    const groupStart = starts[end] ?? end;
    const cost = costs.slice(groupStart, end + 1).reduce((sum, each) => sum + each, 0);
    if (tokens + cost > limitTokens) break;
    kept.fill(true, groupStart, end + 1);
    tokens += cost;
    end = groupStart;
  }
  const result = messages.filter((_, i) => kept[i]).map((message) => ({ ...message }));
  return { messages: result, tokens, dropped: messages.length - result.length };
}
