/**
 * What the fake provider reads on the wire: the requests of the OpenAI Chat Completions and
 * Anthropic Messages APIs, read into one dialect-neutral `FakeCall`; and each API's error bodies.
 */
import { isObject } from '../providers/wire-values';
import type { ScriptFacts } from './fake-script';

/** Which API a call speaks. */
export type Dialect = 'openai' | 'anthropic';

/** What the fake provider needs to know of a request, whichever API it came in. */
export interface FakeCall extends ScriptFacts {
  model: unknown;
  /** Messages in the conversation (system messages included for OpenAI). */
  messages: number;
  /** The text of the last user message (its text parts, joined). */
  lastUserMessage: string;
  /** The prompt's tokens, roughly: a token per four characters, plus three per message. */
  promptTokens: number;
  /** The answer's bound: `max_completion_tokens`, else `max_tokens`, else 1024. */
  maxTokens: number;
  /** OpenAI's `response_format`, when the request sets one. */
  responseFormat?: { type: unknown; schema?: unknown };
  /** The answer goes as server-sent events. */
  stream: boolean;
  /** OpenAI's `stream_options.include_usage`: a streamed answer ends with its usage. */
  includeUsage: boolean;
}

export type Fields = Record<string, unknown>;
const recordsOf = (value: unknown): Fields[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** The text of a message's content: a string, or its text parts (and, with `results`, tool results). */
function textOf(content: unknown, results = false): string {
  if (typeof content === 'string') return content;
  return recordsOf(content)
    .map((part) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      return results && part.type === 'tool_result' ? textOf(part.content) : '';
    })
    .filter((text) => text !== '')
    .join('\n');
}

function toolResultsOf(dialect: Dialect, messages: Fields[]): number {
  if (dialect === 'openai') return messages.filter((message) => message.role === 'tool').length;
  return messages
    .filter((message) => message.role === 'user')
    .flatMap((message) => recordsOf(message.content))
    .filter((block) => block.type === 'tool_result').length;
}

const countOf = (value: unknown) => (typeof value === 'number' ? value : undefined);

/** The call in `body`, a request of `dialect`'s API (parsed JSON, not yet checked). */
export function readCall(dialect: Dialect, body: unknown): FakeCall {
  const request = isObject(body) ? body : {};
  const messages = recordsOf(request.messages);
  const lastUser = messages.filter((message) => message.role === 'user').at(-1);
  const text = messages.map((message) => textOf(message.content, true)).join(' ');
  const tools = recordsOf(request.tools).map((tool) => (isObject(tool.function) ? tool.function : tool).name);
  const call: FakeCall = {
    model: request.model,
    messages: messages.length,
    lastUserMessage: textOf(lastUser?.content),
    promptTokens: Math.ceil((text.length + textOf(request.system).length) / 4) + 3 * messages.length,
    maxTokens: countOf(request.max_completion_tokens) ?? countOf(request.max_tokens) ?? 1024,
    tools: tools.filter((name): name is string => typeof name === 'string'),
    toolResults: toolResultsOf(dialect, messages),
    stream: request.stream === true,
    includeUsage: isObject(request.stream_options) && request.stream_options.include_usage === true,
  };
  const format = dialect === 'openai' ? request.response_format : undefined;
  if (isObject(format)) {
    const schema = isObject(format.json_schema) ? format.json_schema.schema : undefined;
    call.responseFormat = { type: format.type, schema };
  }
  return call;
}

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
