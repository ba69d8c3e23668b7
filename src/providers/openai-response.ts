/** Reading a Chat Completions answer into an `LlmResponse`; what the API does not promise is malformed. */
import type { ErrorContext } from '../errors';
import type { LlmResponse, ResponseToolCall, Usage } from '../llm/response';
import { malformedBody } from './classify';
import { normalizeFinishReason } from './finish-reasons';
import { isCount, isNonEmptyString, isObject } from './wire-values';

/** `raw` parsed as JSON, or undefined when it does not parse. */
function parsedArguments(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function toolCallOf(value: unknown): ResponseToolCall | undefined {
  if (!isObject(value) || !isNonEmptyString(value.id) || !isObject(value.function)) return undefined;
  const { name, arguments: raw } = value.function;
  if (!isNonEmptyString(name) || typeof raw !== 'string') return undefined;
  const call: ResponseToolCall = { id: value.id, name, arguments: raw };
  const input = parsedArguments(raw);
  if (input !== undefined) call.input = input;
  return call;
}

/** The usage of a Chat Completions answer (or of a stream's usage chunk). */
export function usageOf(usage: Record<string, unknown>): Usage {
  const prompt = usage.prompt_tokens as number;
  const completion = usage.completion_tokens as number;
  const result: Usage = {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: isCount(usage.total_tokens) ? usage.total_tokens : prompt + completion,
  };
  const cached = isObject(usage.prompt_tokens_details)
    ? usage.prompt_tokens_details.cached_tokens
    : undefined;
  const reasoning = isObject(usage.completion_tokens_details)
    ? usage.completion_tokens_details.reasoning_tokens
    : undefined;
  if (isCount(cached)) result.cachedPromptTokens = cached;
  if (isCount(reasoning)) result.reasoningTokens = reasoning;
  return result;
}

/**
 * The response in the Chat Completions `body`. Text, tool calls and a refusal may each be absent:
 * an answer that only calls tools has `content: null` and is valid. Throws a retryable
 * `malformed_body` error for a body the API does not promise.
 */
export function fromChatCompletion(
  body: unknown,
  call: { provider: string; model: string },
  context: Partial<ErrorContext>,
): LlmResponse {
  const choice = isObject(body) && Array.isArray(body.choices) ? (body.choices[0] as unknown) : undefined;
  const message = isObject(choice) ? choice.message : undefined;
  if (!isObject(body) || !isObject(choice) || !isObject(message)) {
    throw malformedBody(context, 'no choices[0].message');
  }
  const { content, tool_calls: rawCalls = [], refusal } = message;
  if (content !== undefined && content !== null && typeof content !== 'string') {
    throw malformedBody(context, 'choices[0].message.content is not text');
  }
  const toolCalls = Array.isArray(rawCalls) ? rawCalls.map(toolCallOf) : [undefined];
  if (toolCalls.some((toolCall) => toolCall === undefined)) {
    throw malformedBody(context, 'a tool call without id, name or arguments');
  }
  const usage = body.usage;
  if (!isObject(usage) || !isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) {
    throw malformedBody(context, 'no usage');
  }
  const rawFinish = choice.finish_reason;
  const response: LlmResponse = {
    text: content ?? null,
    toolCalls: toolCalls as ResponseToolCall[],
    // A structured-output refusal finishes with `stop`: the refusal itself is what says it.
    finishReason: isNonEmptyString(refusal) ? 'refusal' : normalizeFinishReason('openai', rawFinish),
    usage: usageOf(usage),
    provider: call.provider,
    model: typeof body.model === 'string' ? body.model : call.model,
  };
  if (typeof rawFinish === 'string') response.rawFinishReason = rawFinish;
  if (isNonEmptyString(refusal)) response.refusal = refusal;
  return response;
}
