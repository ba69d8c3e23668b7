/**
 * An AI SDK model call as Breakwater's budgets see it: a chat request whose messages carry every
 * part the model reads as text, so that `CallCosting` counts its prompt with the tokenizer and
 * prices its worst case, and the AI SDK's usage in Breakwater's terms.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Message,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { maxOutputTokens, type ChatMessage, type LlmRequest } from '../llm/request';
import type { Usage } from '../llm/response';

type Part = Exclude<LanguageModelV3Message['content'], string>[number];

/** The text the model reads for `part`: tool calls and results as JSON; files are left out, as images are. */
function partText(part: Part): string {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return part.text;
    case 'tool-call':
      return `${part.toolName} ${JSON.stringify(part.input ?? null)}`;
    case 'tool-result':
      return JSON.stringify(part.output);
    case 'tool-approval-response':
      return part.reason ?? '';
    case 'file':
      return '';
  }
}

function chatMessage(message: LanguageModelV3Message): ChatMessage {
  if (message.role === 'system') return { role: 'system', content: message.content };
  const content = message.content.map(partText).join('\n');
  if (message.role === 'tool') {
    const first = message.content.find((part) => part.type === 'tool-result');
    return { role: 'tool', content, tool_call_id: first?.toolCallId ?? '' };
  }
  return { role: message.role, content };
}

/** The tool definitions the model reads with the prompt, as one system message of JSON. */
function toolsMessage(tools: LanguageModelV3CallOptions['tools']): ChatMessage[] {
  if (!tools?.length) return [];
  return [{ role: 'system', content: JSON.stringify(tools) }];
}

/**
 * The call `params` to model `model` of Breakwater provider `provider`, as a chat request for
 * `CallCosting`: the prompt's messages as text, the tool definitions, and the output bound.
 * Never sent anywhere: it exists to be counted and priced.
 */
export function costingView(provider: string, model: string, params: LanguageModelV3CallOptions): LlmRequest {
  const view: LlmRequest = {
    provider,
    model,
    messages: [...toolsMessage(params.tools), ...params.prompt.map(chatMessage)],
  };
  if (params.maxOutputTokens !== undefined) view.max_tokens = params.maxOutputTokens;
  return view;
}

/**
 * The AI SDK's `usage` in Breakwater's terms. A count the provider did not report is taken at its
 * worst case (the view's `worstTokens` less its output bound, and that bound), so a call is never
 * charged less than it may have cost.
 */
export function usageOf(usage: LanguageModelV3Usage, view: LlmRequest, worstTokens: number): Usage {
  const outputBound = maxOutputTokens(view);
  const promptTokens = usage.inputTokens.total ?? Math.max(0, worstTokens - outputBound);
  const completionTokens = usage.outputTokens.total ?? outputBound;
  const result: Usage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  if (usage.inputTokens.cacheRead !== undefined) result.cachedPromptTokens = usage.inputTokens.cacheRead;
  if (usage.inputTokens.cacheWrite !== undefined)
    result.cacheWritePromptTokens = usage.inputTokens.cacheWrite;
  if (usage.outputTokens.reasoning !== undefined) result.reasoningTokens = usage.outputTokens.reasoning;
  return result;
}
