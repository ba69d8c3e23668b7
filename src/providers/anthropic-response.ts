/** Reading an Anthropic Messages answer into an `LlmResponse`; what the API does not promise is malformed. */
import type { ErrorContext } from '../errors';
import type { LlmResponse, ResponseToolCall, Usage } from '../llm/response';
import { malformedBody } from './classify';
import { normalizeFinishReason } from './finish-reasons';
import { isCount, isNonEmptyString, isObject } from './wire-values';

/** Every input token: uncached, read from the cache and written to it (Anthropic reports them apart). */
function usageOf(usage: Record<string, unknown>): Usage {
  const input = usage.input_tokens as number;
  const output = usage.output_tokens as number;
  const read = usage.cache_read_input_tokens;
  const written = usage.cache_creation_input_tokens;
  const prompt = input + (isCount(read) ? read : 0) + (isCount(written) ? written : 0);
  const result: Usage = { promptTokens: prompt, completionTokens: output, totalTokens: prompt + output };
  if (isCount(read)) result.cachedPromptTokens = read;
  if (isCount(written)) result.cacheWritePromptTokens = written;
  return result;
}

/**
 * The response in the Messages `body`: its text blocks joined (null when none), its `tool_use`
 * blocks as tool calls; other blocks (thinking, …) are not part of the answer. Throws a retryable
 * `malformed_body` error for a body the API does not promise.
 */
export function fromMessagesResponse(
  body: unknown,
  call: { provider: string; model: string },
  context: Partial<ErrorContext>,
): LlmResponse {
  if (!isObject(body) || !Array.isArray(body.content)) throw malformedBody(context, 'no content');
  const texts: string[] = [];
  const toolCalls: ResponseToolCall[] = [];
  for (const block of body.content as unknown[]) {
    if (!isObject(block)) throw malformedBody(context, 'a content block is not an object');
    if (block.type === 'text') {
      if (typeof block.text !== 'string') throw malformedBody(context, 'a text block without text');
      texts.push(block.text);
    } else if (block.type === 'tool_use') {
      const { id, name, input } = block;
      if (!isNonEmptyString(id) || !isNonEmptyString(name) || !isObject(input)) {
        throw malformedBody(context, 'a tool_use block without id, name or input');
      }
      toolCalls.push({ id, name, arguments: JSON.stringify(input), input });
    }
  }
  const usage = body.usage;
  if (!isObject(usage) || !isCount(usage.input_tokens) || !isCount(usage.output_tokens)) {
    throw malformedBody(context, 'no usage');
  }
  const response: LlmResponse = {
    text: texts.length > 0 ? texts.join('') : null,
    toolCalls,
    finishReason: normalizeFinishReason('anthropic', body.stop_reason),
    usage: usageOf(usage),
    provider: call.provider,
    model: typeof body.model === 'string' ? body.model : call.model,
  };
  if (typeof body.stop_reason === 'string') response.rawFinishReason = body.stop_reason;
  return response;
}
