/** The body of a Chat Completions call: the request's fields as they are (its shape is OpenAI's). */
import type { ErrorContext } from '../errors';
import { maxOutputTokens, type LlmRequest } from '../llm/request';
import { withProviderOptions } from './provider-options';

/** The request's fields that Chat Completions takes under the same name and in the same form. */
const SENT_AS_IS = [
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'reasoning_effort',
  'user',
] as const satisfies ReadonlyArray<keyof LlmRequest>;

/**
 * Keys `providerOptions.openai` may not set: the body's own fields, and `n` (Breakwater reads one
 * choice and budgets for one).
 */
const RESERVED = new Set<string>(['model', 'messages', 'stream', 'stream_options', 'n', ...SENT_AS_IS]);

/** The Chat Completions body of `request`; refuses a reserved `providerOptions.openai` key. */
export function toChatCompletionsBody(
  request: LlmRequest,
  context: Partial<ErrorContext>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: request.model, messages: request.messages };
  body.stream = request.stream === true;
  // A streamed answer reports its usage only when asked to (in a last chunk).
  if (request.stream) body.stream_options = { include_usage: true };
  for (const key of SENT_AS_IS) if (request[key] !== undefined) body[key] = request[key];
  // Budgets reserve the default bound for a request without one: the provider must keep to it.
  if (request.max_tokens === undefined && request.max_completion_tokens === undefined) {
    body.max_tokens = maxOutputTokens(request);
  }
  return withProviderOptions(body, request.providerOptions, 'openai', RESERVED, context);
}
