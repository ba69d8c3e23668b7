/**
 * What the fake provider reads and writes on the wire: the requests of the OpenAI Chat Completions
 * and Anthropic Messages APIs, and their success and error bodies, with deterministic answers.
 */
import { createHash } from 'node:crypto';

export interface WireMessage {
  role?: unknown;
  content?: unknown;
}

export interface WireRequest {
  model?: unknown;
  messages?: WireMessage[];
  max_tokens?: unknown;
  system?: unknown;
}

/** Which API a call speaks. */
export type Dialect = 'openai' | 'anthropic';

/** The prompt's tokens, roughly: a token per four characters, plus three per message. */
export function promptTokens(messages: WireMessage[], system: string): number {
  const text = messages
    .map((message) => (typeof message.content === 'string' ? message.content : ''))
    .join(' ');
  return Math.ceil((text.length + system.length) / 4) + 3 * messages.length;
}

/** The deterministic reply to a conversation: a digest of its last user message. */
export function fakeReply(lastUserMessage: string): string {
  const digest = createHash('sha256').update(lastUserMessage).digest('hex').slice(0, 12);
  return `Acknowledged ${digest}.`;
}

/** The tokens of every answer. */
export const COMPLETION_TOKENS = 12;

/** The API's error code of an HTTP status. */
export function statusCode(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  return 'invalid_request_error';
}

/** An error body in `dialect`'s shape. */
export function errorBody(dialect: Dialect, code: string, message: string): unknown {
  return dialect === 'anthropic'
    ? { type: 'error', error: { type: code, message } }
    : { error: { message, type: code, code } };
}

/** A success body in `dialect`'s shape. */
export function successBody(
  dialect: Dialect,
  model: string,
  text: string,
  prompt: number,
  completion: number,
): unknown {
  if (dialect === 'anthropic') {
    return {
      id: `msg_fake_${prompt}_${completion}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: prompt, output_tokens: completion },
    };
  }
  return {
    id: `chatcmpl-fake-${prompt}-${completion}`,
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}
