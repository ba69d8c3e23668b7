/**
 * One LLM call, provider-neutral, in the shape of OpenAI's Chat Completions request (the lingua
 * franca agents already speak): take a Chat Completions body, add `provider`, and it is a request.
 * The Anthropic adapter translates it; what a provider cannot express is refused before the call.
 *
 * Imported by workflow code: types, constants and pure functions only.
 */

/** A JSON Schema object (tool parameters, structured output), passed to the provider as given. */
export type JsonSchema = Record<string, unknown>;

export interface TextPart {
  type: 'text';
  text: string;
}

export interface ImagePart {
  type: 'image_url';
  image_url: {
    /** An `https:` URL, or a `data:image/<png|jpeg|gif|webp>;base64,…` URL. */
    url: string;
    detail?: 'auto' | 'low' | 'high';
  };
}

export type ContentPart = TextPart | ImagePart;

/** A tool call the model made, as an assistant message carries it back in the conversation. */
export interface MessageToolCall {
  id: string;
  type: 'function';
  function: {
    name: string;
    /** The arguments as the model wrote them: a JSON string. */
    arguments: string;
  };
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextPart[];
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  /** Null (or absent) when the message only calls tools. */
  content?: string | TextPart[] | null;
  tool_calls?: MessageToolCall[];
  refusal?: string | null;
  name?: string;
}

export interface ToolMessage {
  role: 'tool';
  content: string | TextPart[];
  /** The `id` of the assistant's tool call this answers. */
  tool_call_id: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export type MessageRole = ChatMessage['role'];

/** A function the model may call. */
export interface ToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: JsonSchema;
    strict?: boolean;
  };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema: JsonSchema; strict?: boolean };
    };

export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/**
 * Fields passed untouched into the body of a provider of that kind (`openai`: any
 * OpenAI-compatible provider; `anthropic`), for what the neutral shape does not name. A field that
 * Breakwater sets itself (`model`, `messages`, `stream`, …) is refused, naming it.
 */
export interface ProviderOptions {
  openai?: Record<string, unknown>;
  anthropic?: Record<string, unknown>;
}

/** Output tokens a request may use when it sets no `max_tokens` (also what budgets reserve for it). */
export const DEFAULT_MAX_TOKENS = 1024;

export interface LlmRequest {
  /** A provider name configured on the workers (`openai`, `anthropic`, or one of `LLM_PROVIDERS`). */
  provider: string;
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  /** Upper bound on output tokens (default `DEFAULT_MAX_TOKENS`); `max_completion_tokens` is the same bound. */
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  seed?: number;
  reasoning_effort?: ReasoningEffort;
  /** The end user, for the provider's abuse monitoring: an opaque id, never a name or an email. */
  user?: string;
  /** Read the provider's answer as a stream (server-sent events). */
  stream?: boolean;
  providerOptions?: ProviderOptions;
}

/** The most output tokens `request` may produce. */
export function maxOutputTokens(request: Pick<LlmRequest, 'max_tokens' | 'max_completion_tokens'>): number {
  return request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS;
}
