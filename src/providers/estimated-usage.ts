/** Usage counted with the tokenizer, for a streamed answer whose provider reported none. */
import { countRequestTokens, countTextTokens } from '../budget/tokenizer';
import type { LlmRequest } from '../llm/request';
import type { LlmResponse, Usage } from '../llm/response';

/** The prompt's tokens as budgets count them, and the tokens of the text and tool calls that arrived. */
export function estimatedUsage(request: LlmRequest, answer: Pick<LlmResponse, 'text' | 'toolCalls'>): Usage {
  const promptTokens = countRequestTokens(request);
  const completionTokens = answer.toolCalls.reduce(
    (sum, call) => sum + countTextTokens(call.name) + countTextTokens(call.arguments),
    countTextTokens(answer.text ?? ''),
  );
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
